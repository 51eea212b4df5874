"""Label colours that stay apart for any number of labels.

A fixed palette repeats (or comes back near a colour already used) once a project has more
labels than it holds. Instead each new label takes, among light colours spread around the
hue circle by the golden angle (three lightness bands, so later laps do not land on earlier
ones), the one farthest from every colour the project's labels already use. Light, so the
dark label text stays readable on it. Pure: colours in, colour out.
"""

from __future__ import annotations

import colorsys
import math
import re
from collections.abc import Iterable

GOLDEN = (3 - math.sqrt(5)) / 2  # the golden angle as a share of the circle
LIGHTNESS = (0.78, 0.66, 0.88)
HEX = re.compile(r"^#[0-9a-fA-F]{6}$")


def _rgb(color: str) -> tuple[int, int, int]:
    return int(color[1:3], 16), int(color[3:5], 16), int(color[5:7], 16)


def _hex(hue: float, lightness: float) -> str:
    r, g, b = colorsys.hls_to_rgb(hue, lightness, 0.7)
    return f"#{round(r * 255):02x}{round(g * 255):02x}{round(b * 255):02x}"


def candidates(n: int) -> list[str]:
    """The first ``n`` colours of the sequence: hue by the golden angle, lightness by lap."""
    return [_hex((i * GOLDEN) % 1.0, LIGHTNESS[(i // 12) % len(LIGHTNESS)]) for i in range(n)]


def distance(a: str, b: str) -> float:
    """Euclidean distance in sRGB, weighted for the eye ("redmean")."""
    (r1, g1, b1), (r2, g2, b2) = _rgb(a), _rgb(b)
    mean = (r1 + r2) / 2
    dr, dg, db = r1 - r2, g1 - g2, b1 - b2
    return math.sqrt((2 + mean / 256) * dr * dr + 4 * dg * dg + (2 + (255 - mean) / 256) * db * db)


def next_color(used: Iterable[str]) -> str:
    """The candidate farthest from every colour in ``used`` (the first on a tie)."""
    taken = [c.lower() for c in used if c and HEX.match(c)]
    pool = candidates(max(36, 3 * len(taken) + 3))
    if not taken:
        return pool[0]
    return max(pool, key=lambda c: min(distance(c, t) for t in taken))
