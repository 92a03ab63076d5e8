"""Reading text files people send (specs, rosters, answer sheets): UTF-8 with or without a BOM,
and a message naming the line and column of the first byte that is not."""

from __future__ import annotations

import re

#: Control characters (NUL, line breaks, escape ...) and the Unicode line and paragraph
#: separators: no name, id or title may hold one (they break every line-based format).
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def control_character(text: str) -> str | None:
    """The first control character of a text, written ``U+000A`` (None when there is none)."""
    found = _CONTROL.search(text)
    return f"U+{ord(found.group()):04X}" if found else None


class NotUTF8(ValueError):
    pass


def decode_utf8(data: bytes, source: str, advice: str = "save the file as UTF-8") -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        column = e.start - (data.rfind(b"\n", 0, e.start) + 1) + 1
        raise NotUTF8(
            f"{source}: line {line}, column {column}: not UTF-8 text (byte 0x{data[e.start]:02x}); {advice}"
        ) from None
