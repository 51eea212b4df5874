"""The rule lemmatizer's word lists held as one string each: the same answers, a seventh of the
memory.

en_core_web_sm's lemmatizer ("rule" mode) keeps ``lemma_index``, for four parts of speech the
words it knows: 91,000 strings in lists, 5.7 MiB of Python objects in every process holding the
model. spaCy only asks ``form in index`` of a list (``Lemmatizer.rule_lemmatize``: a scan of up
to 57,000 strings) and whether it is empty. ``Words`` answers both, and ``len`` and iteration,
from the words joined by newlines (no word holds one: ``compact`` leaves a list alone otherwise).
Saving the pipeline writes the lists as before: a srsly msgpack encoder turns ``Words`` back
into the same list, so ``to_bytes``/``to_disk`` give the same bytes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import srsly
from spacy.language import Language

_SEP = "\n"


class Words:
    """A list of words, for ``in``, ``len``, truth and iteration only."""

    __slots__ = ("_joined", "_count")

    def __init__(self, words: list[str]) -> None:
        self._joined = _SEP + _SEP.join(words) + _SEP
        self._count = len(words)

    def __contains__(self, form: object) -> bool:
        if not self._count or type(form) is not str or _SEP in form:
            return False  # a list of words without newlines holds no such thing
        return _SEP + form + _SEP in self._joined

    def __len__(self) -> int:
        return self._count

    def __iter__(self) -> Iterator[str]:
        return iter(self._joined[1:-1].split(_SEP) if self._count else [])


def _encode(obj: Any, chain: Callable[[Any], Any] | None = None) -> Any:
    """srsly's msgpack encoder: a ``Words`` is written as the list it was made from."""
    if isinstance(obj, Words):
        return list(obj)
    return obj if chain is None else chain(obj)


srsly.msgpack_encoders.register("textlabel_words", func=_encode)


def compact(nlp: Language) -> int:
    """Hold ``nlp``'s lemmatizer's ``lemma_index`` lists as ``Words``; how many lists."""
    if "lemmatizer" not in nlp.pipe_names:
        return 0
    lookups = getattr(nlp.get_pipe("lemmatizer"), "lookups", None)
    if lookups is None or not lookups.has_table("lemma_index"):
        return 0
    table = lookups.get_table("lemma_index")
    done = 0
    for key, words in list(table.items()):
        if isinstance(words, list) and all(
            isinstance(word, str) and _SEP not in word for word in words
        ):
            table[key] = Words(words)
            done += 1
    return done
