"""Speaker turns of a conversation, so "I" and "you" follow who is speaking.

A transcript's "I" is a different person in each speaker's turns; without turns every "I" of a
document is one voice. Turns come from the caller, who knows them from the source's metadata
(GUM's ``# speaker``, a transcript's speaker column): ``doc.user_data[SPEAKERS]`` is a list of
``(start_char, end_char, speaker)``; text outside every turn has no known speaker.
"""

from __future__ import annotations

from collections.abc import Sequence

from spacy.tokens import Doc

SPEAKERS = "textlabel_coref_speakers"


def set_speakers(doc: Doc, turns: Sequence[tuple[int, int, str]]) -> Doc:
    """Record ``turns`` on ``doc`` for ``textlabel_coref`` (they survive ``DocBin``)."""
    doc.user_data[SPEAKERS] = [(int(start), int(end), str(who)) for start, end, who in turns]
    return doc


def token_speakers(doc: Doc) -> dict[int, str]:
    """Map each token inside a turn to its speaker; empty when the doc has no turns."""
    turns = doc.user_data.get(SPEAKERS) or []
    speakers: dict[int, str] = {}
    for start, end, who in turns:
        span = doc.char_span(start, end, alignment_mode="expand")
        if span is None:
            continue
        for token in span:
            speakers[token.i] = who
    return speakers


def token_addressees(doc: Doc) -> dict[int, str]:
    """Map each token inside a turn to whom it is most likely said: the last other speaker
    before the turn (the one being answered), else the first other speaker after it."""
    turns = sorted(doc.user_data.get(SPEAKERS) or [])
    addressees: dict[int, str] = {}
    for index, (start, end, who) in enumerate(turns):
        before = [other for _, _, other in turns[:index] if other != who]
        after = [other for _, _, other in turns[index + 1 :] if other != who]
        addressee = before[-1] if before else after[0] if after else None
        span = doc.char_span(start, end, alignment_mode="expand")
        if addressee is None or span is None:
            continue
        for token in span:
            addressees[token.i] = addressee
    return addressees
