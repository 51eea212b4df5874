"""Quotations and their speakers, so a third-person pronoun inside a quote is not resolved to
the person quoted ("Chandran says, 'the film is dedicated to him'": him != Chandran).
"""

from __future__ import annotations

from spacy.tokens import Doc

OPENING = frozenset({"``", "\u201c"})
CLOSING = frozenset({"''", "\u201d"})
STRAIGHT = '"'
SPEECH_VERBS = frozenset(
    [
        "say",
        "tell",
        "add",
        "write",
        "state",
        "ask",
        "explain",
        "comment",
        "note",
        "recall",
        "reply",
        "answer",
        "claim",
        "insist",
        "declare",
        "announce",
        "remark",
        "admit",
        "argue",
        "suggest",
        "joke",
        "quip",
        "warn",
        "shout",
    ]
)


def _mark(doc: Doc, i: int) -> tuple[str, int]:
    """("open" | "close" | "straight" | "", width) for the quotation mark starting at token i;
    spaCy splits the LaTeX-style marks of GAP and Wikipedia dumps into "`" "`" and "'" "'"."""
    text = doc[i].text
    pair = i + 1 < len(doc) and doc[i + 1].text == text and not doc[i].whitespace_
    if text in OPENING or (text == "`" and pair):
        return "open", 1 if text in OPENING else 2
    if text in CLOSING or (text == "'" and pair):
        return "close", 1 if text in CLOSING else 2
    return ("straight", 1) if text == STRAIGHT else ("", 1)


def quote_spans(doc: Doc) -> list[tuple[int, int]]:
    """Token ranges ``[start, end)`` inside quotation marks; an unclosed quote (a snippet cut
    mid-quote) runs to the end of the doc."""
    spans: list[tuple[int, int]] = []
    opened: int | None = None
    i = 0
    while i < len(doc):
        kind, width = _mark(doc, i)
        if opened is None and kind in ("open", "straight"):
            opened = i + width
        elif opened is not None and kind in ("close", "straight"):
            if i > opened:
                spans.append((opened, i))
            opened = None
        i += width
    if opened is not None and opened < len(doc):
        spans.append((opened, len(doc)))
    return spans


def quote_index(doc: Doc) -> dict[int, int]:
    """Map each token inside a quotation to the quotation's number (0, 1, ...)."""
    return {
        i: number for number, (start, end) in enumerate(quote_spans(doc)) for i in range(start, end)
    }


_TURN_GAP = 10  # tokens between two quotes that are turns of one exchange ('," said Tom.\n"')


def quote_speakers(doc: Doc) -> dict[int, int]:
    """Map each token inside a quotation to the head token of its speaker: the subject of the
    speech verb outside the quote that governs it, or that stands just after the quote
    ('"Go," said Dick.') or just before it in the same paragraph ('Dick said: "Go."', '"Go,"
    said Dick. "Now."'; a quote opening a paragraph is a new turn). A new turn without its own
    speaker that follows two turns of two named speakers is the earlier one's (turns
    alternate: Dick, Tom, Dick)."""
    speakers: dict[int, int] = {}
    turns: list[tuple[int, int, int | None]] = []  # start, end, speaker head
    for start, end in quote_spans(doc):
        speaker = _speaker(doc, start, end)
        if speaker is None and len(turns) >= 2 and _new_paragraph(doc, start):
            speaker = _alternating(doc, turns[-2:], start)
        turns.append((start, end, speaker))
        if speaker is not None:
            for i in range(start, end):
                speakers[i] = speaker
    return speakers


def _speaker(doc: Doc, start: int, end: int) -> int | None:
    verbs = [t.head for t in doc[start:end] if not start <= t.head.i < end]
    if not _new_paragraph(doc, start):
        before = start - 1
        while before >= 0 and doc[before].is_punct:
            before -= 1
        if before >= 0:
            verbs += [doc[before], doc[before].head]
    after = end
    while after < len(doc) and doc[after].is_punct:
        after += 1
    if after < len(doc) and after - end <= 3:
        verbs += [doc[after], doc[after].head]
    verb = next((v for v in verbs if v.lemma_ in SPEECH_VERBS), None)
    if verb is None:
        return None
    subjects = [
        child
        for child in verb.children
        if child.dep_ in ("nsubj", "nsubjpass") and not start <= child.i < end
    ]
    return subjects[0].i if subjects else None


def _new_paragraph(doc: Doc, start: int) -> bool:
    """The quote opening at token ``start`` begins a paragraph (a line break before it)."""
    before = start - 1
    while before >= 0 and (doc[before].is_space or _mark(doc, before)[0]):
        if "\n" in doc[before].text or "\n" in doc[before].whitespace_:
            return True
        before -= 1
    return before < 0


def _alternating(doc: Doc, previous: list[tuple[int, int, int | None]], start: int) -> int | None:
    """The speaker of the turn before last, when the last two turns are adjacent, had
    different named speakers, and this quote follows the last one at once."""
    (first_start, first_end, first), (second_start, second_end, second) = previous
    if first is None or second is None:
        return None
    if second_start - first_end > _TURN_GAP or start - second_end > _TURN_GAP:
        return None
    if doc[first].pos_ != "PROPN" or doc[second].pos_ != "PROPN":
        return None
    return first if doc[first].lower_ != doc[second].lower_ else None
