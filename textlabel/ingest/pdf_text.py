"""From page layouts to page texts: headers left out, hyphens repaired, glyphs accounted for.

- Running headers and footers: a line in the top (bottom) band of the page whose text, with
  digits as ``#`` (page numbers vary), recurs in that band on more than half of the pages
  with text, and on at least 3, is left out (``keep_headers`` keeps it).
- Line-end hyphens: a soft hyphen always joins (``exam\\u00ad`` + ``ple``). A hard hyphen
  before a lower-case letter joins the halves when the joined word is known (from the rest
  of the document, or the language's word list), keeps the hyphen when both halves are
  words and the joined form is not (``automatically-`` + ``detected`` stays
  ``automatically-detected``), and joins otherwise (``hyper-`` + ``plasia``). Before an
  upper-case letter or a digit nothing is touched (``North-\\nAmerica``, ``Covid-\\n19``).
- Glyphs without a Unicode mapping, which pdfminer writes as ``(cid:N)``, become U+FFFD
  (one character per glyph, as printed), counted per page and font.
- Ligature code points (U+FB00-FB06) are NFKC-normalised and nothing else is, so quotes and
  other characters stay as printed.

Every such change comes back as a ``Notice`` with its pages, for the import answer.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Container, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import cast

from textlabel.ingest.base import Notice
from textlabel.ingest.pdf_layout import PageLayout
from textlabel.records import SourceRef

BOX_SEPARATOR = "\n\n"
REPLACEMENT = "\ufffd"
MIN_HEADER_PAGES = 3
EXAMPLES = 5

_LIGATURES = {chr(code): unicodedata.normalize("NFKC", chr(code)) for code in range(0xFB00, 0xFB07)}
_LIGATURE_RE = re.compile("[\ufb00-\ufb06]")
_CID_RE = re.compile(r"\(cid:\d+\)")
_SOFT_BREAK_RE = re.compile(r"(?<=[^\W\d_])\u00ad[ \t]*\n[ \t]*(?=[^\W\d_])")
_HARD_BREAK_RE = re.compile(r"([^\W\d_]+)-[ \t]*\n[ \t]*([^\W\d_A-Z][^\W\d_]*)")
_SOFT_HYPHEN_RE = re.compile("\u00ad")
_SPACES_RE = re.compile(r"[ \t]{2,}")
_TRAILING_SPACES_RE = re.compile(r"[ \t]*\n[ \t]*")
_WORD_RE = re.compile(r"[^\W\d_]+")
_DIGITS_RE = re.compile(r"\d+")


@lru_cache(maxsize=4)
def word_list(language: str) -> Container[str] | None:
    """The language's word list (pyspellchecker's frequency lists), or None if it has none."""
    from spellchecker import SpellChecker

    try:
        words = SpellChecker(language=language.split("_")[0].lower(), distance=1).word_frequency
    except ValueError:
        return None
    return cast(Container[str], words)  # WordFrequency answers ``word in words``


@dataclass
class Hyphens:
    """Decides each line-end hyphen and remembers what it decided, page by page."""

    known: Container[str] = field(default_factory=frozenset)
    lexicon: Container[str] | None = None
    joined: Counter[int] = field(default_factory=Counter)
    kept: dict[int, list[str]] = field(default_factory=dict)

    def is_word(self, word: str) -> bool:
        word = word.lower()
        return word in self.known or (self.lexicon is not None and word in self.lexicon)

    def repair(self, text: str, page: int = 0) -> str:
        def decide(match: re.Match[str]) -> str:
            left, right = match.group(1), match.group(2)
            if not self.is_word(left + right) and self.is_word(left) and self.is_word(right):
                self.kept.setdefault(page, []).append(f"{left}-{right}")
                return f"{left}-{right}"
            self.joined[page] += 1
            return left + right

        return _HARD_BREAK_RE.sub(decide, text)


def clean_text(text: str, *, hyphens: Hyphens | None = None, page: int = 0) -> str:
    """Normalise ligatures, spacing and unmapped glyphs and repair line-end hyphens."""
    text = _LIGATURE_RE.sub(lambda match: _LIGATURES[match.group()], text)
    text = _CID_RE.sub(REPLACEMENT, text)
    text = _SPACES_RE.sub(" ", text)
    text = _TRAILING_SPACES_RE.sub("\n", text)
    text = _SOFT_BREAK_RE.sub("", text)
    text = (hyphens or Hyphens(lexicon=word_list("en"))).repair(text, page)
    text = _SOFT_HYPHEN_RE.sub("", text)
    return text.strip()


def header_key(text: str) -> str:
    """A line as headers repeat it: case-folded, digits as ``#``, spaces collapsed."""
    return " ".join(_DIGITS_RE.sub("#", text.casefold()).split())


def repeated_lines(pages: list[PageLayout]) -> dict[tuple[str, str], list[int]]:
    """(band, key) of the lines repeated in a margin band on most pages -> those pages."""
    seen: dict[tuple[str, str], list[int]] = {}
    with_text = 0
    for page in pages:
        with_text += bool(page.boxes)
        keys = {
            (str(line.band), header_key(line.text))
            for box in page.boxes
            for line in box
            if line.band is not None and line.text.strip()
        }
        for key in keys:
            seen.setdefault(key, []).append(page.number)
    needed = max(MIN_HEADER_PAGES, with_text // 2 + 1)
    return {key: numbers for key, numbers in seen.items() if len(numbers) >= needed}


def page_texts(
    pages: list[PageLayout], filename: str, *, keep_headers: bool, language: str
) -> tuple[list[tuple[int, str | None]], list[Notice]]:
    """(page number, text or None when scanned) per page, and the notices to report."""
    notices: list[Notice] = []
    repeated = {} if keep_headers else repeated_lines(pages)
    dropped: dict[tuple[str, str], tuple[str, list[int]]] = {}
    raw: list[tuple[int, list[str]] | None] = []
    for page in pages:
        if page.scanned:
            raw.append(None)
            continue
        boxes = []
        for box in page.boxes:
            kept = []
            for line in box:
                key = (line.band or "", header_key(line.text))
                if line.band is not None and key in repeated:
                    numbers = dropped.setdefault(key, (line.text.strip(), []))[1]
                    if not numbers or numbers[-1] != page.number:
                        numbers.append(page.number)
                    continue
                kept.append(line.text)
            if kept:
                boxes.append("\n".join(kept))
        raw.append((page.number, boxes))
    known = _document_words(box for item in raw if item for box in item[1])
    hyphens = Hyphens(known=known, lexicon=word_list(language))
    texts: list[tuple[int, str | None]] = []
    for page, item in zip(pages, raw, strict=True):
        if item is None:
            texts.append((page.number, None))
            continue
        cleaned = (clean_text(box, hyphens=hyphens, page=page.number) for box in item[1])
        texts.append((page.number, BOX_SEPARATOR.join(text for text in cleaned if text)))
    notices.extend(_xobject_notice(pages, filename))
    notices.extend(_unmapped_notices(pages, filename))
    for (band, _), (text, numbers) in dropped.items():
        where = "top" if band == "top" else "bottom"
        shown = " ".join(text.split())
        notices.append(
            Notice(
                SourceRef(filename, "page", numbers[0]),
                f"the line {shown!r}, repeated at the {where} of {len(numbers)} pages "
                f"({page_ranges(numbers)}), was left out as a running "
                f"{'header' if band == 'top' else 'footer'}; import with keep_headers to keep it",
            )
        )
    notices.extend(_hyphen_notices(hyphens, filename))
    return texts, notices


def _document_words(boxes: Iterable[str]) -> set[str]:
    """Every word of the document except the halves of words broken at a line end."""
    words: set[str] = set()
    for box in boxes:
        words.update(word.lower() for word in _WORD_RE.findall(_HARD_BREAK_RE.sub(" ", box)))
    return words


def _xobject_notice(pages: list[PageLayout], filename: str) -> list[Notice]:
    numbers = [page.number for page in pages if page.xobject_chars]
    chars = sum(page.xobject_chars for page in pages)
    if not numbers:
        return []
    return [
        Notice(
            SourceRef(filename, "page", numbers[0]),
            f"{chars:,} characters on {len(numbers)} pages ({page_ranges(numbers)}) are inside "
            "form XObjects (pages or figures embedded as objects); they were read from there",
        )
    ]


def _unmapped_notices(pages: list[PageLayout], filename: str) -> list[Notice]:
    notices = []
    for page in pages:
        if not page.unmapped:
            continue
        total = sum(page.unmapped.values())
        fonts = ", ".join(f"{font} {count}" for font, count in page.unmapped.most_common())
        notices.append(
            Notice(
                SourceRef(filename, "page", page.number),
                f"{total} glyphs have no Unicode mapping in their font ({fonts}); "
                f"each was imported as {REPLACEMENT} (U+FFFD)",
            )
        )
    return notices


def _hyphen_notices(hyphens: Hyphens, filename: str) -> list[Notice]:
    notices = []
    if hyphens.kept:
        numbers = sorted(hyphens.kept)
        words = [word for number in numbers for word in hyphens.kept[number]]
        shown = ", ".join(words[:EXAMPLES]) + (", ..." if len(words) > EXAMPLES else "")
        notices.append(
            Notice(
                SourceRef(filename, "page", numbers[0]),
                f"{len(words)} line-end hyphens kept because both parts are words and the "
                f"joined form is not ({shown}) {_on_pages(numbers)}",
            )
        )
    if hyphens.joined:
        numbers = sorted(hyphens.joined)
        notices.append(
            Notice(
                SourceRef(filename, "page", numbers[0]),
                f"{sum(hyphens.joined.values())} words hyphenated at a line end were joined "
                f"{_on_pages(numbers)}",
            )
        )
    return notices


def _on_pages(numbers: list[int]) -> str:
    return f"on page{'s' if len(numbers) > 1 else ''} {page_ranges(numbers)}"


def page_ranges(numbers: Iterable[int]) -> str:
    """``[1, 2, 3, 5]`` as ``"1-3, 5"``."""
    parts: list[str] = []
    ordered = sorted(set(numbers))
    start = previous = ordered[0] if ordered else 0
    for number in [*ordered[1:], None]:
        if number is not None and number == previous + 1:
            previous = number
            continue
        parts.append(str(start) if start == previous else f"{start}\u2013{previous}")
        if number is not None:
            start = previous = number
    return ", ".join(parts) if ordered else ""
