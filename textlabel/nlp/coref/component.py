"""The spaCy component ``textlabel_coref``: registers the factory and writes span groups.

Registered through the ``spacy_factories`` entry point, so ``nlp.add_pipe("textlabel_coref")``
works in any spaCy program once textlabel is installed. Needs tagger, parser and NER upstream.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc

from textlabel.nlp.coref.schemes import DEFAULT_SCHEME, get_scheme

SPAN_KEY_PREFIX = "coref_clusters"
_CONFIG_FILE = "cfg.json"


class CorefResolver:
    """Writes one ``doc.spans[f"{prefix}_{n}"]`` group per entity of two or more mentions, in
    order of first mention, each group's spans in text order. Earlier groups of the same prefix
    are replaced, so re-running the component is idempotent."""

    def __init__(
        self,
        nlp: Language,
        name: str,
        *,
        span_key_prefix: str = SPAN_KEY_PREFIX,
        pronoun_window: int = 3,
        relative_pronouns: bool = False,
        scheme: str = DEFAULT_SCHEME,
    ) -> None:
        get_scheme(scheme)  # an unknown name fails when the pipeline is built
        self.name = name
        self.cfg: dict[str, Any] = {
            "span_key_prefix": span_key_prefix,
            "pronoun_window": pronoun_window,
            "relative_pronouns": relative_pronouns,
            "scheme": scheme,
        }

    def __call__(self, doc: Doc, *, scheme: str | None = None) -> Doc:
        """Resolve ``doc``; ``scheme`` overrides the configured one for this call (spaCy passes
        it from ``nlp.pipe(..., component_cfg={name: {"scheme": ...}})``)."""
        # imported here: spaCy imports this module for every pipeline it builds (entry point),
        # the sieves are needed only when the component runs
        from textlabel.nlp.coref.calibration import load_calibration
        from textlabel.nlp.coref.output import sieves_for, written_chains
        from textlabel.nlp.coref.resolver import SIEVES, build_context, run_sieves

        chosen = get_scheme(scheme or str(self.cfg.get("scheme", DEFAULT_SCHEME)))

        prefix = f"{self.cfg['span_key_prefix']}_"
        for key in [
            key for key in doc.spans if key.startswith(prefix) and key[len(prefix) :].isdigit()
        ]:
            del doc.spans[key]
        if len(doc) == 0:
            return doc
        if not doc.has_annotation("DEP"):
            raise ValueError(
                f"{self.name} needs a dependency parse, tags and entities: add it after the "
                "'parser' and 'ner' of a trained pipeline such as en_core_web_sm"
            )
        ctx = build_context(doc, pronoun_window=int(self.cfg["pronoun_window"]))
        run_sieves(ctx, sieves_for(chosen, list(SIEVES)))
        chains = written_chains(
            doc,
            ctx.clusters.chains(),
            chosen,
            ctx.lexicons,
            relative_pronouns=bool(self.cfg["relative_pronouns"]),
        )
        calibrated = load_calibration()
        for number, chain in enumerate(chains, start=1):
            key = f"{prefix}{number}"
            doc.spans[key] = [doc[start:end] for start, end in chain.spans]
            # how sure the resolver is of the chain, calibrated (calibration.py): editors offer
            # to accept confident chains at once (pre-annotation stores it as Span.score)
            doc.spans[key].attrs["confidence"] = calibrated(doc, chain.spans, chain.confidence)
            doc.spans[key].attrs["raw_confidence"] = chain.confidence
        return doc

    def pipe(
        self, docs: Iterable[Doc], *, batch_size: int = 128, scheme: str | None = None
    ) -> Iterator[Doc]:
        for doc in docs:
            yield self(doc, scheme=scheme)

    # Serialization: only the settings are state; they round trip with the pipeline.
    def to_bytes(self, *, exclude: Iterable[str] = ()) -> bytes:
        return json.dumps(self.cfg, sort_keys=True).encode("utf-8")

    def from_bytes(self, data: bytes, *, exclude: Iterable[str] = ()) -> CorefResolver:
        self.cfg.update(json.loads(data.decode("utf-8")))
        return self

    def to_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> None:
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        (path / _CONFIG_FILE).write_bytes(self.to_bytes())

    def from_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> CorefResolver:
        config_file = Path(path) / _CONFIG_FILE
        if config_file.exists():
            self.from_bytes(config_file.read_bytes())
        return self


@Language.factory(
    "textlabel_coref",
    default_config={
        "span_key_prefix": SPAN_KEY_PREFIX,
        "pronoun_window": 3,
        "relative_pronouns": False,
        "scheme": DEFAULT_SCHEME,
    },
    requires=["token.dep", "token.tag", "token.pos", "doc.ents"],
    assigns=["doc.spans"],
)
def make_coref(
    nlp: Language,
    name: str,
    span_key_prefix: str,
    pronoun_window: int,
    relative_pronouns: bool,
    scheme: str,
) -> CorefResolver:
    """Build the resolver. ``span_key_prefix`` names the output span groups;
    ``pronoun_window`` bounds how many sentences back a pronoun looks for its antecedent;
    ``relative_pronouns`` keeps "who" / "which" in the written clusters; ``scheme`` names the
    annotation scheme (``textlabel.nlp.coref.schemes.SCHEMES``: gum, ontonotes, ppo)."""
    return CorefResolver(
        nlp,
        name,
        span_key_prefix=span_key_prefix,
        pronoun_window=pronoun_window,
        relative_pronouns=relative_pronouns,
        scheme=scheme,
    )
