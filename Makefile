# Two commands do all set-up on a fresh machine: `make demo` and `make test`.
# Each creates .venv, installs exgen with what it needs (and, when run as root, the Debian
# packages the PDF path needs if they are missing), then runs.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

# Debian packages: Pango for WeasyPrint, libharfbuzz-subset0 for fast font subsetting,
# poppler-utils (pdftotext/pdftoppm) for tests that look at pages, fonts for the documents
# (fonts-dejavu-extra: DejaVu Math TeX Gyre, the math font matching the DejaVu Serif text),
# fonts-noto-core (Devanagari, Arabic and most other scripts) and fonts-noto-cjk (Chinese,
# Japanese, Korean) for students' names in scripts DejaVu lacks, fontconfig (fc-list) to warn of
# a character no installed font has (exgen/render/fonts.py),
# zbar-tools (zbarimg) for the tests that read the worksheets' QR codes back, chromium for the
# browser tests of the service (Playwright drives Debian's build).
DEBIAN_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 poppler-utils fonts-dejavu-core fonts-dejavu-extra fonts-noto-core fonts-noto-cjk fontconfig zbar-tools chromium

.PHONY: demo test serve system-packages bench clean

demo: $(STAMP)
	$(BIN)/exgen demo

# The service on the demo assignment: prints a teacher token and one student's link, then serves
# until Ctrl-C (HOST and PORT may be given: make serve PORT=8001).
HOST ?= 127.0.0.1
PORT ?= 8000
serve: $(STAMP)
	@$(BIN)/exgen demo >/dev/null
	@$(BIN)/exgen token revoke make-serve >/dev/null 2>&1 || true
	@token=$$($(BIN)/exgen token create make-serve 2>/dev/null | tail -n 1); \
	link=$$($(BIN)/exgen links demo --base-url http://$(HOST):$(PORT) | head -n 1 | cut -f 3); \
	echo "teacher token:  $$token"; \
	echo "dashboard:      http://$(HOST):$(PORT)/dashboard  (sign in with the token)"; \
	echo "a student's page (d001, Mira Okafor): $$link"; \
	echo "every student's link: .venv/bin/exgen links demo --base-url http://$(HOST):$(PORT)"
	$(BIN)/exgen serve --host $(HOST) --port $(PORT)

test: $(STAMP)
	$(BIN)/python -m pytest -q

bench: $(STAMP)
	$(BIN)/python bench/solve.py
	$(BIN)/python bench/assign.py
	$(BIN)/python bench/render.py
	$(BIN)/python bench/grade.py
	$(BIN)/python bench/export.py
	$(BIN)/python bench/serve.py
	$(BIN)/python bench/copies.py
	$(BIN)/python bench/scale.py

system-packages:
	@missing=""; for p in $(DEBIAN_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing Debian packages:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else \
	    echo "warning: missing Debian packages:$$missing (install them as root)"; \
	  fi; \
	fi

# compileall: bytecode, as a regular install has it (an editable install writes none, and where
# PYTHONDONTWRITEBYTECODE is set, as on CI, every command would compile exgen again: ~16 ms)
$(STAMP): pyproject.toml | system-packages
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	$(BIN)/python -m compileall -q exgen
	touch $(STAMP)

clean:
	rm -rf $(VENV) build *.egg-info exgen-demo
