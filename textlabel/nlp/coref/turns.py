"""Speaker turns of a conversation, so "I" and "you" follow who is speaking.

A transcript's "I" is a different person in each speaker's turns; without turns every "I" of a
document is one voice. Turns come from the caller, who knows them from the source's metadata
(GUM's ``# speaker``, a transcript's speaker column): ``doc.user_data[SPEAKERS]`` is a list of
``(start_char, end_char, speaker)``; text outside every turn has no known speaker. Without
them, a transcript's own labels are read: lines opening with "Name:" ("KATIE BLAKE: I ...",
"Q: ..."), when at least two labels each open two or more lines (so "Phone:" and "Copyright
Information:" of a letter's footer are no conversation).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from typing import Any

from spacy.tokens import Doc

SPEAKERS = "textlabel_coref_speakers"


def set_speakers(doc: Doc, turns: Sequence[tuple[int, int, str]]) -> Doc:
    """Record ``turns`` on ``doc`` for ``textlabel_coref`` (they survive ``DocBin``)."""
    doc.user_data[SPEAKERS] = [(int(start), int(end), str(who)) for start, end, who in turns]
    return doc


def sentence_speaker(row: Any) -> str | None:
    """The speaker an imported sentence's metadata names: a ``speaker`` key (CoNLL-2012's
    column 10) or a ``# speaker = ...`` comment (CoNLL-U, as GUM writes it)."""
    if not isinstance(row, dict):
        return None
    speaker = row.get("speaker")
    if isinstance(speaker, str) and speaker.strip() not in ("", "-", "_"):
        return speaker.strip()
    for comment in row.get("comments") or ():
        key, _, value = str(comment).lstrip("#").partition("=")
        if key.strip() == "speaker" and value.strip():
            return value.strip()
    return None


def sentence_turns(
    sentences: Any, starts: Sequence[int], ends: Sequence[int], sent_starts: Sequence[int]
) -> list[tuple[int, int, str]] | None:
    """Turns from an imported document's sentence metadata (``meta["sentences"]``, one row per
    stored sentence): one ``(start_char, end_char, speaker)`` per sentence that names one.

    None when no sentence names a speaker, or when the rows no longer match the stored
    sentences (then the component falls back to the text's own "Name:" lines)."""
    if not isinstance(sentences, list) or len(sentences) != len(sent_starts) or not starts:
        return None
    bounds = [*sent_starts[1:], len(starts)]
    turns = []
    for row, first, after in zip(sentences, sent_starts, bounds, strict=True):
        speaker = sentence_speaker(row)
        if speaker is not None and first < after:
            turns.append((starts[first], ends[after - 1], speaker))
    return turns or None


# a line opening with one to four capitalised words and a colon: "Dan:", "Ms. Blake:", "Q:"
_LABEL = re.compile(r"^[ \t]*([A-Z][A-Za-z.'-]*(?: [A-Z][A-Za-z.'-]*){0,3})[ \t]*:[ \t]+", re.M)


def labelled_turns(text: str) -> list[tuple[int, int, str]]:
    """Turns from the transcript's own "Name:" lines: each runs from after the colon to the
    next label; none unless two labels each open at least two lines."""
    found = list(_LABEL.finditer(text))
    counts = Counter(match.group(1) for match in found)
    if sum(1 for count in counts.values() if count >= 2) < 2:
        return []
    ends = [match.start() for match in found[1:]] + [len(text)]
    return [(match.end(), end, match.group(1)) for match, end in zip(found, ends, strict=True)]


def _turns(doc: Doc) -> list[tuple[int, int, str]]:
    given = doc.user_data.get(SPEAKERS)
    return list(given) if given is not None else labelled_turns(doc.text)


def token_speakers(doc: Doc) -> dict[int, str]:
    """Map each token inside a turn to its speaker; empty when the doc has no turns."""
    turns = _turns(doc)
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
    turns = sorted(_turns(doc))
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
