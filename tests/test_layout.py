"""The package layout is the architecture: the engine imports nothing else of exgen (its own
limits are exgen.engine.limits, part of exgen.limits' table), and the public API (``exgen.__all__``) is what it says."""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from pathlib import Path

import pytest

import exgen

ROOT = Path(__file__).resolve().parents[1]
ENGINE = ROOT / "exgen" / "engine"


def imported_modules(source: str, package: str):
    """(line, module) of every import in ``source`` — function-local and relative ones too —
    for a module of ``package``."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:  # relative: from the package, up level − 1 parents
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1])
                module = f"{base}.{module}" if module else base
            yield node.lineno, module
            if not node.module:  # "from . import x" imports the submodules x
                for alias in node.names:
                    yield node.lineno, f"{module}.{alias.name}"




def outside_engine(source: str) -> list[tuple[int, str]]:
    return [(line, module) for line, module in imported_modules(source, "exgen.engine")
            if (module == "exgen" or module.startswith("exgen."))
            and not (module == "exgen.engine" or module.startswith("exgen.engine."))]


def test_the_engine_imports_nothing_else_of_exgen():
    modules = sorted(ENGINE.glob("*.py"))
    assert len(modules) >= 8
    found = [f"exgen/engine/{path.name}:{line}: {module}"
             for path in modules for line, module in outside_engine(path.read_text(encoding="utf-8"))]
    assert found == []


def test_the_boundary_check_sees_every_kind_of_import():
    source = (
        "import exgen.engine.numbers\n"
        "from exgen.engine import names\n"
        "from . import graph\n"
        "def f():\n"
        "    from exgen.notation.worked import steps_json\n"
        "    import exgen.variants.generator\n"
        "    from ..render import diagram\n"
        "    from .. import grading\n"
        "    from exgen import instructions\n"
        "    from exgen.limits import MAX_UNITS\n"
    )
    assert outside_engine(source) == [
        (5, "exgen.notation.worked"), (6, "exgen.variants.generator"), (7, "exgen.render"),
        (8, "exgen"), (8, "exgen.grading"), (9, "exgen"), (10, "exgen.limits"),
    ]


@pytest.mark.parametrize("name", exgen.__all__)
def test_every_public_name_resolves(name):
    assert getattr(exgen, name) is not None


def test_the_public_api_is_imported_lazily():
    """``import exgen`` (every CLI command does it) loads none of the engine: each command
    imports what it uses."""
    code = "import sys, exgen; print(sorted(m for m in sys.modules if m.startswith('exgen')))"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert loaded.strip() == "['exgen']"
    assert exgen.solve is importlib.import_module("exgen.engine.solver").solve
    assert set(exgen.__all__) <= set(dir(exgen))
    with pytest.raises(AttributeError):
        exgen.no_such_name  # noqa: B018
