"""Reading TOML and JSON documents (specs, assignment files) with bounded time and stack.

Python's parsers recurse once per level of nesting (``[[[[...`` 5,000 deep raises
RecursionError), tomllib's time grows with the square of a dotted key's length, and both turn
an integer of more than 4,300 digits into a ValueError. :func:`load` scans the text for the
nesting first (a regular expression skips strings and comments), so no parser ever sees a
document deeper than ``MAX_NESTING``, and reports every problem as one :class:`DocumentError`
with the line. Floats are kept as Decimal (``0.1`` stays one tenth); numbers the parser cannot
hold (NaN, infinities, over-long tokens) become :class:`Unreadable` markers, so that the field
that holds them is named when the document is validated.
"""

from __future__ import annotations

import datetime
import json
import math
import re
import tomllib
from decimal import Decimal

from exgen.engine.limits import MAX_NESTING, MAX_NUMBER_CHARACTERS


class DocumentError(ValueError):
    """The text is not a usable document; the message says where (line, column)."""


class Unreadable:
    """A number as written that cannot be held: NaN, an infinity, or a token of thousands of
    characters. ``str()`` is what to show (``NaN``, ``inf``, or a description). Not a str, so
    that no text field ever takes it for text."""

    __slots__ = ("text", "finite")

    def __init__(self, text: str, finite: bool = True):
        self.text, self.finite = text, finite  # finite: False for NaN and the infinities

    @classmethod
    def not_finite(cls, text: str) -> Unreadable:
        return cls(text, finite=False)

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return self.text


def _float(text: str):
    if len(text) > MAX_NUMBER_CHARACTERS:
        return Unreadable(f"a number written with {len(text)} characters")
    value = Decimal(text)
    if not value.is_finite():  # TOML's nan/inf arrive here; keep them as written
        return Unreadable.not_finite(text)
    return value


def _int(text: str):
    return Unreadable(f"a number written with {len(text)} characters") \
        if len(text) > MAX_NUMBER_CHARACTERS else int(text)


_JSON_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')
_TOML_TOKENS = re.compile(
    r'"""[\s\S]*?"""|\'\'\'[\s\S]*?\'\'\'|"(?:[^"\\\n]|\\.)*"|\'[^\'\n]*\'|#[^\n]*|[\[\]{}=,\n.]')
_LONG_DIGITS = re.compile(r"[0-9][0-9_]{4000,}")
_KEY = re.compile(r"\s*([A-Za-z0-9_.-]{1,100})\s*=")  # the bare key a line assigns


def _line_column(text: str, position: int) -> str:
    line = text.count("\n", 0, position) + 1
    return f"line {line}, column {position - (text.rfind(chr(10), 0, position) + 1) + 1}"


def check_nesting(text: str, fmt: str) -> None:
    """Refuse brackets nested deeper than MAX_NESTING (and, in TOML, a dotted key of more
    than MAX_NESTING parts) before any parser recurses into them."""
    if fmt == "json" and _shallow_json(text):
        return  # the common case, at C speed; the scan below finds where a deep one goes too deep
    depth = dots = 0
    for token in (_JSON_TOKENS if fmt == "json" else _TOML_TOKENS).finditer(text):
        kind = token.group()
        if kind in ("[", "{"):
            depth += 1
            dots = 0
            if depth > MAX_NESTING:
                raise DocumentError(f"{_line_column(text, token.start())}: nested deeper than "
                                    f"{MAX_NESTING} levels")
        elif kind in ("]", "}"):
            depth -= 1
            dots = 0
        elif kind == ".":
            dots += 1
            if dots >= MAX_NESTING:
                raise DocumentError(f"{_line_column(text, token.start())}: a dotted key of more than "
                                    f"{MAX_NESTING} parts")
        elif kind in ("=", ",", "\n"):
            dots = 0


def _shallow_json(text: str) -> bool:
    """Whether a JSON text's brackets, outside its strings, are balanced and nested at most
    MAX_NESTING deep, found at C speed: only brackets and quotes are kept, every other piece
    between quotes is a string, and each pass removes the innermost pairs. A text with
    escapes, an unclosed string or unbalanced brackets is not (the scan decides about it)."""
    kept = text.encode("utf-8", "surrogatepass").translate(_BRACKETS, _NOT_STRUCTURE)
    if b"\\" in kept or kept.count(b'"') % 2:
        return False
    brackets = b"".join(kept.split(b'"')[::2])
    for _ in range(MAX_NESTING):
        if not brackets:
            return True
        brackets = brackets.replace(b"[]", b"")
    return not brackets


_NOT_STRUCTURE = bytes(set(range(128)) - set(b'[]{}"\\')) + bytes(range(128, 256))
_BRACKETS = bytes.maketrans(b"{}", b"[]")  # one kind of bracket: JSON's parser checks the pairs


def load(text: str, fmt: str):
    """Parse ``fmt`` ("json" or "toml") text into Python data, within the limits."""
    check_nesting(text, fmt)
    try:
        if fmt == "json":
            try:
                return json.loads(text, parse_float=_float, parse_int=_int,
                                  parse_constant=Unreadable.not_finite)
            except json.JSONDecodeError as e:
                raise DocumentError(f"not valid JSON: {e.msg} (line {e.lineno}, column {e.colno})") from None
        try:
            return tomllib.loads(text, parse_float=_float)
        except tomllib.TOMLDecodeError as e:
            raise DocumentError(f"not valid TOML: {e}") from None
    except RecursionError:  # the scan above makes this unreachable; never a traceback anyway
        raise DocumentError(f"nested deeper than {MAX_NESTING} levels") from None
    except ValueError as e:  # tomllib's int() of more than 4,300 digits
        if isinstance(e, DocumentError):
            raise
        long = _LONG_DIGITS.search(text)
        where = ""
        if long:
            line_start = text.rfind("\n", 0, long.start()) + 1
            key = _KEY.match(text, line_start, long.start())
            where = f"{_line_column(text, long.start())}{f' ({key.group(1)})' if key else ''}: "
        raise DocumentError(f"{where}a number with thousands of digits "
                            f"(at most {MAX_NUMBER_CHARACTERS} characters)") from None


def describe(value) -> str:
    """A value of a document in words, for messages (``the text 'two'``, ``a list``, a
    number as written: ``1e308``, ``nan``)."""
    if isinstance(value, Unreadable):
        return str(value)
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:40] + "…"
        return f"the text {shown!r}"
    if isinstance(value, bool):
        return f"{str(value).lower()} (a boolean)"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, int):
        if value.bit_length() > 130:  # str() refuses more than 4,300 digits
            return f"a whole number of about {round(value.bit_length() * 0.30103):,} digits"
        return str(value)
    if isinstance(value, float):
        value = Decimal(repr(value)) if math.isfinite(value) else Decimal(str(value))
    if isinstance(value, Decimal):
        return _decimal_as_written(value)
    if isinstance(value, (datetime.date, datetime.time)):
        return f"the date/time {value.isoformat()}"
    return repr(value)


def _decimal_as_written(value: Decimal) -> str:
    if value.is_nan():
        return "nan"
    if value.is_infinite():
        return "-inf" if value < 0 else "inf"
    text = str(value).lower().replace("e+", "e")
    if len(text) > 40:
        return f"{text[:20]}… (a number of {len(value.as_tuple().digits)} digits)"
    return text
