"""The CoNLL-U MISC column: ``Key=Value`` items joined by ``|``, and the escaped whitespace
of ``SpacesAfter`` (``\\s`` space, ``\\t``, ``\\n``, ``\\r``, ``\\p`` for ``|``, ``\\\\``,
``\\uXXXX``)."""

from __future__ import annotations

import re

_UNESCAPE = re.compile(r"\\(u[0-9A-Fa-f]{4}|[stnrp\\])")
_SIMPLE = {"s": " ", "t": "\t", "n": "\n", "r": "\r", "p": "|", "\\": "\\"}
_ESCAPE = {" ": "\\s", "\t": "\\t", "\n": "\\n", "\r": "\\r", "|": "\\p", "\\": "\\\\"}


def parse_misc(value: str) -> list[tuple[str, str]]:
    """``"A=1|SpaceAfter=No"`` as ``[("A", "1"), ("SpaceAfter", "No")]``; ``_`` is empty."""
    if value in ("", "_"):
        return []
    items: list[tuple[str, str]] = []
    for item in value.split("|"):
        key, _, rest = item.partition("=")
        items.append((key, rest))
    return items


def gap_after(items: list[tuple[str, str]]) -> str:
    """The whitespace after a word, as its MISC says (a single space by default)."""
    for key, value in items:
        if key == "SpacesAfter":
            return unescape_spaces(value)
    for key, value in items:
        if key == "SpaceAfter" and value == "No":
            return ""
    return " "


def space_items(gap: str) -> dict[str, str | None]:
    """The MISC updates that say ``gap`` follows a word (None removes a key)."""
    if gap == " ":
        return {"SpaceAfter": None, "SpacesAfter": None}
    if gap == "":
        return {"SpaceAfter": "No", "SpacesAfter": None}
    return {"SpaceAfter": None, "SpacesAfter": escape_spaces(gap)}


def unescape_spaces(value: str) -> str:
    def replace(match: re.Match[str]) -> str:
        code = match.group(1)
        return chr(int(code[1:], 16)) if code.startswith("u") else _SIMPLE[code]

    return _UNESCAPE.sub(replace, value)


def escape_spaces(gap: str) -> str:
    out: list[str] = []
    for char in gap:
        if char in _ESCAPE:
            out.append(_ESCAPE[char])
        elif char.isascii() and char.isprintable():
            out.append(char)
        else:
            out.append(f"\\u{ord(char):04X}")
    return "".join(out)


def merge_misc(raw: str | None, updates: dict[str, str | None]) -> str:
    """``raw`` with the ``updates`` keys set (None removes): an existing key keeps its place,
    a new one goes where alphabetical order puts it, everything else stays verbatim."""
    if raw is None or raw == "_":
        # nothing to keep in place: the new keys in alphabetical order
        fresh = [f"{key}={value}" for key, value in sorted(updates.items()) if value is not None]
        return "|".join(fresh) or "_"
    out: list[tuple[str, str]] = []  # (key, the item as written)
    placed: set[str] = set()
    for item in raw.split("|") if raw else ():
        key = item.partition("=")[0]
        value = updates.get(key)
        if key not in updates:
            out.append((key, item))
        elif value is not None and key not in placed:
            out.append((key, f"{key}={value}"))
            placed.add(key)
    for key, value in updates.items():
        if value is None or key in placed:
            continue
        position = next((i for i, (other, _) in enumerate(out) if other > key), len(out))
        out.insert(position, (key, f"{key}={value}"))
    return "|".join(item for _, item in out) or "_"
