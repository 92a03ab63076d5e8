"""Stable output of the seed examples: the answer keys' text, and one worksheet page as pixels.

Both are golden files (``tests/golden/render-*``), rewritten only with ``pytest --update-golden``.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from exgen.render.writer import render_assignment
from tests.golden_files import GOLDEN, check_golden
from tests.test_render import EXAMPLES, make_record, pdf_text

pytestmark = pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="needs poppler-utils")


def seed_assignment() -> str:
    """The seed's two examples as fixed exercises of one assignment."""
    parts = ['name = "seed"', 'title = "The seed examples"', 'course = "exgen golden tests"', "seed = 1"]
    for key, file in (("e1", "seed-single-neuron.toml"), ("e2", "seed-two-layer.toml")):
        spec = (EXAMPLES / file).read_text(encoding="utf-8").replace("[[layers]]", "[[exercise.spec.layers]]")
        parts += ["", "[[exercise]]", f'id = "{key}"', "points = 5", "[exercise.spec]", spec]
    return "\n".join(parts) + "\n"


@pytest.fixture(scope="module")
def seed_pdfs(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("seed")
    record = make_record(tmp, seed_assignment(), [("t001", "Test Student")])
    render_assignment(record, tmp / "out")
    return tmp / "out"


def normalised(text: str) -> str:
    lines = [line.rstrip() for line in text.replace("\f", "\n").splitlines()]
    return "\n".join(line for line in lines if line) + "\n"


def test_seed_keys_text_is_golden(request, seed_pdfs):
    text = normalised(pdf_text(seed_pdfs / "t001-key.pdf"))
    # The right values of the seed (and not its mistakes): example 1 is exactly 0 throughout,
    # example 2 has ŷ ≈ 0.8249 (the seed rounds to 0.824) and ∂L/∂a1 = W2ᵀ ∂L/∂z2 (the seed
    # multiplies ∂L/∂W2 by W2 instead): ∂L/∂a1[2] = 0.7 × (−0.02529) ≈ −0.01770.
    assert "0.8249" in text and "0.7 × (-0.02529)" in text and "-0.01770" in text
    check_golden(request, "render-seed-key.txt", text)


def _page_png(pdf: Path, tmp: Path) -> Path:
    prefix = tmp / "page"
    subprocess.run(["pdftoppm", "-png", "-r", "40", "-f", "1", "-l", "1", "-singlefile", str(pdf),
                    str(prefix)], check=True)
    return prefix.with_suffix(".png")


def test_worksheet_page_looks_as_before(request, seed_pdfs, tmp_path):
    """Visual regression: page 1 of a worksheet at 40 dpi, compared pixel by pixel."""
    from PIL import Image, ImageChops, ImageStat

    png = _page_png(seed_pdfs / "t001-worksheet.pdf", tmp_path)
    golden = GOLDEN / "render-seed-worksheet-1.png"
    if request.config.getoption("--update-golden"):
        shutil.copyfile(png, golden)
        return
    assert golden.exists(), f"no golden file {golden}; run pytest --update-golden to create it"
    actual, expected = Image.open(png).convert("L"), Image.open(golden).convert("L")
    assert actual.size == expected.size
    diff = ImageChops.difference(actual, expected)
    mean = ImageStat.Stat(diff).mean[0]
    changed = diff.point(lambda v: 255 if v > 64 else 0).histogram()[255]
    share = changed / (actual.size[0] * actual.size[1])
    assert mean < 1.0 and share < 0.005, f"page differs: mean {mean:.2f}, {share:.2%} of pixels changed"
