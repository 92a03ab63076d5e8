"""Names in any script print: Chinese, Japanese, Korean, Arabic and Devanagari names come out
of ``exgen render`` as text in a font that has them (pdftotext reads them back, pdffonts lists
the font), and a character no installed font has gets one warning line naming the student."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from exgen.render.fonts import FONTS, describe, missing_glyphs
from tests.cli_runner import run
from tests.test_render import EXAMPLES, pdf_text

pytestmark = pytest.mark.skipif(shutil.which("pdffonts") is None, reason="needs poppler-utils")

NAMES = {
    "zh01": ("王小明", "Noto-Sans-CJK"),
    "ja01": ("山田 花子", "Noto-Sans-CJK"),
    "ko01": ("김민준", "Noto-Sans-CJK"),
    "ar01": ("محمد الأحمد", None),  # DejaVu Sans has Arabic; the serif text falls back to Noto Naskh Arabic
    "hi01": ("अनीता शर्मा", "Noto-Sans-Devanagari"),
}
NO_FONT = "\u0378"  # unassigned: no font has it


def _fonts(pdf) -> str:
    return subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("fonts")
    url = f"sqlite:///{tmp / 'fonts.db'}"
    roster = tmp / "roster.csv"
    rows = [f"{sid},{name}" for sid, (name, _) in NAMES.items()] + [f"xx01,Odd {NO_FONT} Name"]
    roster.write_text("student_id,name\n" + "\n".join(rows) + "\n", encoding="utf-8")
    run(url, "assign", str(EXAMPLES / "hw3.toml"), "--roster", str(roster))
    result = run(url, "render", "hw3", "--out", str(tmp / "pdfs"))
    return tmp / "pdfs", result.stderr


@pytest.mark.parametrize("sid", list(NAMES))
def test_a_name_in_another_script_prints_as_text(rendered, sid):
    out, _ = rendered
    name, font = NAMES[sid]
    for kind in ("worksheet", "key"):
        pdf = out / f"{sid}-{kind}.pdf"
        text = pdf_text(pdf)
        # the first word: pdftotext reorders Arabic ligatures and Devanagari vowel signs after it
        assert name.split()[0] in text, (sid, kind)
        if font:
            assert font in _fonts(pdf), (sid, kind)
    assert missing_glyphs(name) == []


def test_a_character_no_font_has_is_one_warning_naming_the_student(rendered):
    _, stderr = rendered
    warnings = [line for line in stderr.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1, stderr
    assert warnings[0].startswith(f"warning: xx01 (Odd {NO_FONT} Name): U+0378 (unassigned) in no installed font")
    assert missing_glyphs(f"Odd {NO_FONT} Name {NO_FONT}") == [NO_FONT]
    assert describe("王") == "U+738B CJK UNIFIED IDEOGRAPH-738B"


def test_every_stack_falls_back_to_the_noto_fonts():
    for stack in (FONTS.serif, FONTS.sans, FONTS.mono):
        assert "CJK" in stack and "Devanagari" in stack and "Arabic" in stack
        # as text: MarkupSafe before 3.0 escapes the arguments of a Markup's own methods (the '"')
        family = str(stack).split(",")[0].strip('"')
        assert family.startswith("DejaVu")
    listed = subprocess.run(["fc-list", "-f", "%{family[0]}\n"], capture_output=True, text=True).stdout
    for family in ("Noto Sans CJK SC", "Noto Serif CJK SC", "Noto Sans Devanagari", "Noto Naskh Arabic"):
        assert family in listed, f"{family}: not installed (make system-packages)"
