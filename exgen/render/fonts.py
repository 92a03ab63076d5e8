"""The documents' fonts, and the names that would print as empty boxes.

Text is DejaVu (Debian ``fonts-dejavu-core``; ``fonts-dejavu-extra`` for the math symbols DejaVu
Serif lacks). DejaVu has no Chinese, Japanese, Korean, Arabic or Devanagari, and students' names
are written in every script, so each stack goes on with Noto fonts for those scripts (Debian
``fonts-noto-core`` and ``fonts-noto-cjk``, installed by the Makefile): a name in them prints in
a font chosen here, not in whatever the machine happens to have.

A character that no installed font has still prints as an empty box (Pango falls back to any
installed font, so only those matter): :func:`missing_glyphs` finds them from fontconfig's
charsets (``fc-list``), so that ``exgen render`` can say which student's name is affected.
"""

from __future__ import annotations

import bisect
import shutil
import subprocess
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from markupsafe import Markup

#: One CJK face covers Chinese, Japanese and Korean alike (Han characters drawn the Simplified
#: Chinese way; kana and Hangul in full).
_SERIF_FALLBACK = ("Noto Naskh Arabic", "Noto Serif Devanagari", "Noto Serif CJK SC")
_SANS_FALLBACK = ("Noto Sans Arabic", "Noto Sans Devanagari", "Noto Sans CJK SC")


def _stack(*families: str, generic: str) -> Markup:
    # Markup: the stacks go into CSS through autoescaping templates, quotes and all
    return Markup(", ".join(f'"{family}"' for family in families) + f", {generic}")


@dataclass(frozen=True)
class Stacks:
    """CSS font-family lists, as the templates use them (``{{ fonts.serif }}``)."""

    serif: Markup = _stack("DejaVu Serif", "DejaVu Math TeX Gyre", *_SERIF_FALLBACK, generic="serif")
    sans: Markup = _stack("DejaVu Sans", *_SANS_FALLBACK, generic="sans-serif")
    mono: Markup = _stack("DejaVu Sans Mono", "Noto Sans Mono CJK SC", *_SANS_FALLBACK, generic="monospace")


FONTS = Stacks()


# -- characters no font has ------------------------------------------------------------------------
def missing_glyphs(text: str) -> list[str]:
    """The characters of ``text`` (each once, in order) that no installed font has; empty when
    fontconfig's ``fc-list`` is not there to ask (then nothing is known to be missing)."""
    if text.isascii():
        return []  # DejaVu has every printable ASCII character (and no need to ask fontconfig)
    covered = _coverage()
    if covered is None:
        return []
    starts, ends = covered
    out: dict[str, None] = {}
    for ch in text:
        if ch in out or ch.isspace() or unicodedata.category(ch) in ("Cc", "Cf"):
            continue  # not drawn: spaces, controls, format characters (joiners, marks of direction)
        code = ord(ch)
        at = bisect.bisect_right(starts, code) - 1
        if at < 0 or code > ends[at]:
            out[ch] = None
    return list(out)


def glyph_warning(who: str, text: str) -> str | None:
    """One line naming ``who`` (a student, a title) and the characters of ``text`` no font has."""
    missing = missing_glyphs(text)
    if not missing:
        return None
    return (f"{who}: {', '.join(describe(ch) for ch in missing)} in no installed font: printed as an empty "
            "box (the Makefile installs Debian's fonts-noto-core and fonts-noto-cjk; another script needs its font)")


def describe(ch: str) -> str:
    """``U+0378`` with the character's Unicode name when it has one."""
    name = unicodedata.name(ch, "")
    return f"U+{ord(ch):04X}" + (f" {name}" if name else " (unassigned)")


@lru_cache(maxsize=1)
def _coverage() -> tuple[list[int], list[int]] | None:
    """Every code point some installed font has, as merged sorted ranges (starts, ends)."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return None
    try:
        listed = subprocess.run([fc_list, "-f", "%{charset}\n"], capture_output=True, text=True,
                                timeout=60, check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    ranges = []
    for part in listed.split():
        low, _, high = part.partition("-")
        try:
            ranges.append((int(low, 16), int(high or low, 16)))
        except ValueError:
            continue
    ranges.sort()
    starts: list[int] = []
    ends: list[int] = []
    for low, high in ranges:
        if ends and low <= ends[-1] + 1:
            ends[-1] = max(ends[-1], high)
        else:
            starts.append(low)
            ends.append(high)
    return starts, ends
