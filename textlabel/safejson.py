"""JSON from strangers: parsed and checked so that whatever it holds can be stored and served.

``json.loads`` accepts things no database or browser should see: nesting deep enough to
exhaust the interpreter's stack, 5,000-digit integers (Python refuses to convert them), ``NaN``
and ``1e999`` (not JSON: PostgreSQL refuses them, SQLite stores them and serves invalid JSON),
escaped lone surrogates (``"\\ud800"``: not encodable as UTF-8) and NUL characters (PostgreSQL
text cannot hold them). ``loads`` refuses all of them, and ``problem_in`` finds them in values
that were parsed elsewhere, each with the path of the offending value, so the caller can say
where: "meta.source[3]: text contains a NUL character".

Walking every value of a parsed document cost several times its parsing (a pre-tokenized
JSONL line holds hundreds of values), so ``raw_decode`` first looks at the JSON text, in C:
without a NUL or surrogate (raw or escaped), a run of 19 digits, or 32 levels of brackets
outside strings, no value in it can be refused, and the walk is skipped. Anything else
(rare) is walked as before, which names the path.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from textlabel.errors import InvalidInput

MAX_DEPTH = 64
"""Arrays and objects nested deeper than this are refused (real documents nest a few levels)."""
MAX_INT = 2**63 - 1
"""Integers beyond a signed 64-bit range fit no database column and no JavaScript number."""

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
_ESCAPED_UNSTORABLE = re.compile(r"\\u(?:0000|[dD][89a-fA-F])")  # may also be an escaped "\"
_ALL_DIGITS_ZERO = bytes.maketrans(b"123456789", b"000000000")
_LONGEST_SAFE_NUMBER = b"0" * 19  # MAX_INT has 19 digits
_NOT_QUOTES_OR_BRACKETS = bytes(c for c in range(256) if c not in b'"[]{}')


class UnsafeJSON(InvalidInput):
    """JSON that cannot be stored as it is; ``path`` names the value ("" for the whole)."""

    def __init__(self, reason: str, *, path: str = "") -> None:
        self.reason = reason
        self.path = path
        super().__init__(f"{path}: {reason}" if path else reason, details={"field": path or None})


def _refuse_constant(name: str) -> Any:
    raise UnsafeJSON(f"{name} is not a JSON number; numbers must be finite")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise UnsafeJSON(f"the number {text[:20]} is out of range; numbers must be finite")
    return value


_DECODER = json.JSONDecoder(parse_constant=_refuse_constant, parse_float=_finite_float)


def raw_decode(text: str, position: int = 0) -> tuple[Any, int]:
    """``json.JSONDecoder.raw_decode`` with the checks of ``loads``; for streaming readers.

    Raises:
        json.JSONDecodeError: for a syntax error (the caller knows where it is reading).
        UnsafeJSON: for a value that parses but must not be stored.
    """
    try:
        value, end = _DECODER.raw_decode(text, position)
    except RecursionError as e:
        raise UnsafeJSON(f"arrays and objects nest more than {MAX_DEPTH} levels deep") from e
    except ValueError as e:
        if isinstance(e, json.JSONDecodeError | UnsafeJSON):
            raise
        # int() refuses literals of more than 4,300 digits (sys.get_int_max_str_digits)
        raise UnsafeJSON(f"a number is too long: {e}") from e
    if not surely_storable(text, position, end):
        found = problem_in(value)
        if found is not None:
            raise UnsafeJSON(found[1], path=found[0])
    return value, end


def surely_storable(text: str, start: int = 0, end: int | None = None) -> bool:
    """True when no value the valid JSON ``text[start:end]`` decodes to (with this module's
    decoder: floats already finite) can fail ``problem_in``; False when one might."""
    part = text[start:end]
    if "\x00" in part or ("\\u" in part and _ESCAPED_UNSTORABLE.search(part)):
        return False
    try:
        data = part.encode("utf-8")  # multi-byte characters hold no ASCII byte
    except UnicodeEncodeError:  # a surrogate
        return False
    if _LONGEST_SAFE_NUMBER in data.translate(_ALL_DIGITS_ZERO):
        return False  # a long number, maybe in a string: walked
    return _nests_less_than(data, MAX_DEPTH)


def _nests_less_than(data: bytes, limit: int) -> bool:
    """Whether the arrays and objects of valid JSON ``data`` nest fewer than ``limit`` deep:
    its brackets outside strings, with empty pairs removed pass after pass (each pass removes
    one or two levels). Strings are dropped as ``""`` once all but quotes and brackets are;
    a quote left over means a string holding brackets, and the strings are cut out instead."""
    if b"\\" in data:
        data = data.replace(b"\\\\", b"").replace(b'\\"', b"")
    brackets = data.translate(None, _NOT_QUOTES_OR_BRACKETS).replace(b'""', b"")
    if b'"' in brackets:
        brackets = b"".join(data.split(b'"')[::2]).translate(None, _NOT_QUOTES_OR_BRACKETS)
    for _ in range(limit // 2 - 1):
        if not brackets:
            return True
        brackets = brackets.replace(b"[]", b"").replace(b"{}", b"")
    return not brackets


def loads(data: str | bytes, *, what: str = "the JSON") -> Any:
    """Parse one JSON document and check it (see the module docstring).

    Raises:
        UnsafeJSON: naming the line and column of a syntax error, or the path of a bad value.
    """
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError as e:
            raise UnsafeJSON(f"{what} is not UTF-8 (byte offset {e.start})") from e
    try:
        return parse(data)
    except json.JSONDecodeError as e:
        raise UnsafeJSON(
            f"{what} is not valid JSON: {e.msg} (line {e.lineno}, column {e.colno})"
        ) from e


def parse(text: str) -> Any:
    """``json.loads(text)`` with the checks of ``loads``.

    Raises:
        json.JSONDecodeError: for a syntax error, as ``json.loads`` does.
        UnsafeJSON: for a value that parses but must not be stored.
    """
    value, end = raw_decode(text, _skip_space(text, 0))
    if _skip_space(text, end) != len(text):
        raise json.JSONDecodeError("Extra data", text, end)
    return value


def _skip_space(text: str, position: int) -> int:
    while position < len(text) and text[position] in " \t\r\n":
        position += 1
    return position


def problem_in(value: Any, *, path: str = "") -> tuple[str, str] | None:
    """The first value that cannot be stored, as ``(path, reason)``, or None when all can.

    Walks iteratively (no recursion to exhaust), checking depth, strings (keys too), integers
    and floats.
    """
    stack: list[tuple[Any, str, int]] = [(value, path, 0)]
    while stack:
        item, where, depth = stack.pop()
        if isinstance(item, str):
            reason = text_problem(item)
            if reason:
                return where, reason
        elif isinstance(item, bool) or item is None:
            continue
        elif isinstance(item, int):
            if not -MAX_INT - 1 <= item <= MAX_INT:
                return where, "the integer is out of range (64 bits at most)"
        elif isinstance(item, float):
            if not math.isfinite(item):
                return where, "numbers must be finite (NaN and infinities are not JSON)"
        elif isinstance(item, dict | list):
            if depth >= MAX_DEPTH:
                return where, f"arrays and objects nest more than {MAX_DEPTH} levels deep"
            if isinstance(item, dict):
                for key, child in item.items():
                    child_path = f"{where}.{key}" if where else str(key)
                    reason = text_problem(key) if isinstance(key, str) else None
                    if reason:
                        return where or "(top level)", f"a key {reason.removeprefix('text ')}"
                    stack.append((child, child_path, depth + 1))
            else:
                stack.extend((child, f"{where}[{i}]", depth + 1) for i, child in enumerate(item))
    return None


def text_problem(text: str) -> str | None:
    """Why ``text`` cannot be stored (a NUL character, a lone surrogate), or None. ASCII text
    holds no surrogate: two C scans instead of the regex, 100x cheaper on an imported
    document of 600 characters (3.7 us of the importing process's time)."""
    if text.isascii() and "\x00" not in text:
        return None
    found = _UNSTORABLE.search(text)
    if found is None:
        return None
    char = found.group()
    position = found.start()
    if char == "\x00":
        return f"text contains a NUL character (at character {position})"
    return f"text contains a lone surrogate \\u{ord(char):04x} (at character {position})"
