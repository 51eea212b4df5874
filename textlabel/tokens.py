"""The one token model: a document's token boundaries and sentence starts, and the arithmetic
every layer needs on them (snapping a selection, mapping offsets to tokens, splitting tokens).

A document's tokens are stored flat, ``{"offsets": [s0, e0, s1, e1, ...], "sent_starts":
[...], "last_ws": true?, "sents_guessed": true?}``, which is compact in JSON and cheap to
bisect; ``Tokens`` is the only code that reads or writes that shape (``static/textview.js``
is its browser twin).
Pure: no database, no spaCy.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from textlabel.errors import InvalidInput
from textlabel.records import TokenColumns, TokenRecord


class TokenSpan(NamedTuple):
    """A span on token boundaries: chars ``[start, end)``, tokens ``[first, last)``."""

    start: int
    end: int
    first: int
    last: int


def token_range(
    starts: Sequence[int], ends: Sequence[int], start: int, end: int
) -> tuple[int, int] | None:
    """``Tokens.range`` on bare start and end lists (an export aligns a few spans a
    document, and making a ``Tokens`` for them cost more than aligning them)."""
    first = bisect_left(starts, start)
    last = bisect_left(ends, end)
    if first >= len(starts) or starts[first] != start:
        return None
    if last >= len(ends) or ends[last] != end or last < first:
        return None
    return first, last + 1


@dataclass(frozen=True, slots=True)
class Tokens:
    """Token boundaries of one document as parallel sorted lists of start and end chars.

    ``sent_starts`` are the token indices that begin a sentence; ``last_ws`` keeps what the
    text cannot say: whether the source put a space after the final token (CoNLL-U's
    SpaceAfter on a document's last word). ``sents_guessed`` marks sentence starts from a
    rule-based splitter, which a parser's may replace.
    """

    starts: list[int]
    ends: list[int]
    sent_starts: list[int]
    text_length: int
    last_ws: bool = False
    sents_guessed: bool = False

    @classmethod
    def from_stored(cls, stored: Mapping[str, Any], *, text_length: int) -> Tokens:
        """From ``Document.tokens``."""
        offsets = stored["offsets"]
        return cls(
            list(offsets[0::2]),
            list(offsets[1::2]),
            list(stored.get("sent_starts") or [0]),
            text_length,
            bool(stored.get("last_ws")),
            bool(stored.get("sents_guessed")),
        )

    @classmethod
    def from_records(
        cls,
        records: Sequence[TokenRecord],
        sent_starts: Sequence[int] | None = None,
        *,
        text_length: int,
    ) -> Tokens:
        """From a reader's or the pipeline's token records."""
        if isinstance(records, TokenColumns):  # as readers of tokens give them: no per-token
            return cls(
                list(records.starts),
                list(records.ends),
                list(sent_starts) if sent_starts else [0],
                text_length,
                bool(records.ws and records.ws[-1]),
            )
        return cls(
            [token.start for token in records],
            [token.end for token in records],
            list(sent_starts) if sent_starts else [0],
            text_length,
            bool(records and records[-1].ws),
        )

    def to_stored_json(self) -> str:
        """``json.dumps(self.to_stored())``, built without the dict: the bulk of an imported
        row. A list of ints prints as JSON does (``[0, 3, 4]``), and ``repr`` of a list runs
        in C: half the time of joining the numbers (``bench/ingest.py``)."""
        offsets = [0] * (2 * len(self.starts))
        offsets[0::2], offsets[1::2] = self.starts, self.ends
        text = f'{{"offsets": {offsets!r}, "sent_starts": {list(self.sent_starts or [0])!r}'
        if self.last_ws:
            text += ', "last_ws": true'
        if self.sents_guessed:
            text += ', "sents_guessed": true'
        return text + "}"

    def to_stored(self) -> dict[str, Any]:
        """The shape of ``Document.tokens``."""
        offsets = [0] * (2 * len(self.starts))
        offsets[0::2], offsets[1::2] = self.starts, self.ends  # start, end, start, end, ...
        stored: dict[str, Any] = {
            "offsets": offsets,
            "sent_starts": list(self.sent_starts) or [0],
        }
        if self.last_ws:
            stored["last_ws"] = True
        if self.sents_guessed:
            stored["sents_guessed"] = True
        return stored

    def __len__(self) -> int:
        return len(self.starts)

    def pairs(self) -> list[tuple[int, int]]:
        """``(start, end)`` of every token."""
        return list(zip(self.starts, self.ends, strict=True))

    def records(self) -> list[TokenRecord]:
        """TokenRecords: ``ws`` from the gap to the next token (or the end of the text)."""
        return list(self.columns())

    def columns(self) -> TokenColumns:
        """The tokens as columns (``ws`` as in ``records``), no record made per token."""
        return TokenColumns.from_offsets(
            self.starts, self.ends, text_length=self.text_length, last_ws=self.last_ws
        )

    def token_at(self, offset: int) -> int:
        """Index of the first token that ends after character ``offset``."""
        return bisect_right(self.ends, offset)

    def range(self, start: int, end: int) -> tuple[int, int] | None:
        """Token indices ``[first, last)`` of a character span on token boundaries, else None."""
        return token_range(self.starts, self.ends, start, end)

    def snap(self, start: int, end: int, *, details: Callable[[], Any] | None = None) -> TokenSpan:
        """Widen ``[start, end)`` to the tokens it touches; refuse spans outside the text, empty
        spans and spans covering only whitespace. ``details()`` makes the error's details
        (called only on an error: a save snaps thousands of spans)."""
        problem = None
        if start < 0 or end > self.text_length:
            problem = f"span [{start}, {end}) lies outside the text (0-{self.text_length})"
        elif start >= end:
            problem = f"span [{start}, {end}) is empty or reversed"
        else:
            first = bisect_right(self.ends, start)  # first token ending after start
            last = bisect_left(self.starts, end) - 1  # last token starting before end
            if first <= last:
                return TokenSpan(self.starts[first], self.ends[last], first, last + 1)
            problem = f"span [{start}, {end}) covers no token"
        info = details() if details else {"span": {"start": start, "end": end}}
        raise InvalidInput(problem, details=info)

    def split_at(self, cuts: Iterable[int]) -> Tokens:
        """Split tokens so that every offset in ``cuts`` falls on a token boundary.

        Annotations made on another tokenization (doccano, Label Studio) keep their exact
        character offsets; our tokenization yields to them, not the other way round.
        Sentence starts follow the tokens they started with.
        """
        inside = sorted(set(cuts))
        if not inside:
            return self
        starts: list[int] = []
        ends: list[int] = []
        new_index: list[int] = []  # old token index -> index of its first piece
        position = 0
        for start, end in zip(self.starts, self.ends, strict=True):
            new_index.append(len(starts))
            while position < len(inside) and inside[position] <= start:
                position += 1
            piece = start
            while position < len(inside) and inside[position] < end:
                starts.append(piece)
                ends.append(inside[position])
                piece = inside[position]
                position += 1
            starts.append(piece)
            ends.append(end)
        sent_starts = [new_index[s] for s in self.sent_starts if s < len(new_index)] or [0]
        return Tokens(starts, ends, sent_starts, self.text_length, self.last_ws, self.sents_guessed)
