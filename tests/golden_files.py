"""Golden files: stable outputs compared byte for byte; rewritten only with --update-golden."""

from __future__ import annotations

from pathlib import Path

GOLDEN = Path(__file__).parent / "golden"


def check_golden(request, name: str, actual: str) -> None:
    path = GOLDEN / name
    if request.config.getoption("--update-golden"):
        path.write_text(actual, encoding="utf-8")
        return
    assert path.exists(), f"no golden file {path}; run pytest --update-golden to create it"
    expected = path.read_text(encoding="utf-8")
    assert actual == expected, f"{name} differs from its golden file (pytest --update-golden rewrites it)"
