"""One PDF page as text lines in reading order, with what the reading had to work around.

pdfminer groups characters into lines and lines into text boxes, also inside form XObjects
(``all_texts``: a page drawn as an embedded page object, as pdfpages and N-up tools make
them, would otherwise yield no text at all). The boxes are then ordered by a recursive
XY-cut (split at a vertical gutter that no box crosses first, else at the widest horizontal
gap), which keeps the columns of a multi-column page apart where a top-to-bottom sort would
interleave them. (pdfminer's own ``boxes_flow`` ordering does the same job but is
quadratic: 12 s on a one-page table.) Stacks of single characters (rotated margin stamps)
are dropped. Each line remembers whether it sits in the top or bottom margin band, where
running headers and footers live, and glyphs pdfminer could not map to Unicode (it writes
them as ``(cid:N)``) are counted by font.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from pdfminer.layout import LTChar, LTFigure, LTTextBox, LTTextLine

MIN_GUTTER = 6.0  # points: narrower vertical gaps are word spacing, not columns
MARGIN_BAND = 0.1  # share of the page height at the top and bottom searched for headers


@dataclass(slots=True)
class Line:
    """A line's text (no line break) and its band: "top", "bottom" or None."""

    text: str
    band: str | None = None


@dataclass(slots=True)
class PageLayout:
    """What one page holds: boxes of lines in reading order, and what was worked around."""

    number: int
    boxes: list[list[Line]] = field(default_factory=list)
    scanned: bool = False  # images and no text layer
    xobject_chars: int = 0  # characters read from inside form XObjects
    unmapped: Counter[str] = field(default_factory=Counter)  # font -> (cid:N) glyphs


def page_layout(page: Any, number: int) -> PageLayout:
    """Read ``page`` (a pdfplumber page opened with ``all_texts``)."""
    layout = page.layout
    found = PageLayout(number)
    boxes: list[Any] = []
    for box, nested in _text_boxes(layout, nested=False):
        if _is_stack(box):
            continue
        boxes.append(box)
        if nested:
            found.xobject_chars += len(box.get_text().strip())
    top, bottom = layout.y1, layout.y0
    band = (top - bottom) * MARGIN_BAND
    for box in reading_order(boxes):
        lines: list[Line] = []
        for item in box:
            if not isinstance(item, LTTextLine):
                continue
            text = item.get_text().rstrip("\n")
            if "(cid:" in text:
                _count_unmapped(item, found.unmapped)
            lines.append(Line(text, _band(item, top, bottom, band)))
        if lines:
            found.boxes.append(lines)
    found.scanned = not found.boxes and not page.chars and bool(page.images)
    return found


def _band(line: Any, top: float, bottom: float, band: float) -> str | None:
    if line.y0 >= top - band:
        return "top"
    return "bottom" if line.y1 <= bottom + band else None


def _text_boxes(container: Any, *, nested: bool) -> Iterator[tuple[Any, bool]]:
    """Text boxes of a page, and those inside its (nested) figures, with where they were."""
    for item in container:
        if isinstance(item, LTTextBox):
            yield item, nested
        elif isinstance(item, LTFigure):
            yield from _text_boxes(item, nested=True)


def _count_unmapped(line: Any, counts: Counter[str]) -> None:
    for char in line:
        if isinstance(char, LTChar) and char.get_text().startswith("(cid:"):
            # "ABCDEF+Font" is a subset of Font: the prefix only tells subsets apart
            name = str(char.fontname)
            counts[name.split("+", 1)[1] if name[6:7] == "+" else name] += 1


def _is_stack(box: Any) -> bool:
    """A box of three or more one-character lines: rotated text set letter by letter."""
    lines = box.get_text().split("\n")
    lines = [line.strip() for line in lines if line.strip()]
    return len(lines) >= 3 and all(len(line) == 1 for line in lines)


def reading_order(boxes: list[Any]) -> list[Any]:
    """Order boxes (anything with ``x0, x1, y0, y1`` in PDF space) by recursive XY-cut."""
    if len(boxes) <= 1:
        return list(boxes)
    columns = _split(boxes, lambda box: (box.x0, box.x1), min_gap=MIN_GUTTER)
    if len(columns) > 1:
        return [box for column in columns for box in reading_order(column)]
    # PDF y grows upwards: use -y so bands come out top to bottom.
    bands = _split(boxes, lambda box: (-box.y1, -box.y0), min_gap=0.0, widest_only=True)
    if len(bands) > 1:
        return [box for band in bands for box in reading_order(band)]
    return sorted(boxes, key=lambda box: (-box.y1, box.x0))


def _split(
    boxes: list[Any], extent: Any, *, min_gap: float, widest_only: bool = False
) -> list[list[Any]]:
    """Group boxes separated by gaps in their projection on one axis (wider than min_gap)."""
    ordered = sorted(boxes, key=lambda box: extent(box)[0])
    groups: list[list[Any]] = [[ordered[0]]]
    gaps: list[float] = []
    reach = extent(ordered[0])[1]
    for box in ordered[1:]:
        low, high = extent(box)
        if low - reach > min_gap:
            gaps.append(low - reach)
            groups.append([])
        groups[-1].append(box)
        reach = max(reach, high)
    if widest_only and len(groups) > 2:
        cut = gaps.index(max(gaps)) + 1
        return [
            [box for group in groups[:cut] for box in group],
            [box for group in groups[cut:] for box in group],
        ]
    return groups
