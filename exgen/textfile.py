"""Reading text files people send (specs, rosters, answer sheets): UTF-8 with or without a BOM,
and a message naming the line and column of the first byte that is not."""

from __future__ import annotations


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
