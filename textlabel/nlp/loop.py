"""The loop's side of pre-annotation: which pipeline predicts, what the beam says about each
document, whether two models agree, and the project settings that switch these on.

Settings (``Project.settings``, all off by default):

- ``loop_queue``: ``"uncertainty"`` hands annotators the documents the active model is least
  sure of first (``nlp.uncertainty``); ``"both"`` adds to that doubt the disagreement between
  the base and the active trained model ("models as annotators", 0-1: documents the two read
  differently come first, the doubt ranks the rest); ``"import"`` keeps import order.
- ``loop_route_overlap``: annotators for documents on which the base model and the active
  trained model ("two models as annotators") predict exactly the same entities; stored per
  document in ``Document.overlap`` so the queue, review and the counts use it. None: off.
- ``loop_ruler`` / ``loop_ruler_min_count``: an entity ruler of the exact (case-sensitive)
  phrases reviewers accepted into gold at least that many times, always with one label,
  placed before ``ner``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

import spacy
from spacy.language import Language
from spacy.tokens import Doc
from sqlalchemy.orm import Session

from textlabel.annotate import store
from textlabel.errors import InvalidInput
from textlabel.models import Project
from textlabel.nlp.docs import doc_to_record
from textlabel.nlp.pipeline import default_model_name, entity_pipes, load_pipeline
from textlabel.nlp.uncertainty import (
    TokenScores,
    disagreement,
    document_uncertainty,
    greedy_scores,
)
from textlabel.nlp.versions import ActiveModel, active_model
from textlabel.records import SpanRecord

QUEUE_ORDERS = ("import", "uncertainty", "both")
SCORED_ORDERS = ("uncertainty", "both")  # the orders that need the NER's action margins


@dataclass(frozen=True, slots=True)
class LoopSettings:
    queue: str = "import"
    route_overlap: int | None = None
    ruler: bool = False
    ruler_min_count: int = 2


def loop_settings(project: Project) -> LoopSettings:
    s = project.settings
    return LoopSettings(
        queue=s.get("loop_queue", "import"),
        route_overlap=s.get("loop_route_overlap"),
        ruler=bool(s.get("loop_ruler", False)),
        ruler_min_count=int(s.get("loop_ruler_min_count", 2)),
    )


def check_loop_settings(project: Project, changes: dict[str, Any]) -> dict[str, Any]:
    """The ``Project.settings`` keys for ``changes`` (queue, route_overlap, ruler,
    ruler_min_count), refusing values out of range."""
    out: dict[str, Any] = {}
    if changes.get("queue") is not None:
        if changes["queue"] not in QUEUE_ORDERS:
            raise InvalidInput(f"queue must be one of {', '.join(QUEUE_ORDERS)}")
        out["loop_queue"] = changes["queue"]
    if "route_overlap" in changes:
        value = changes["route_overlap"]
        if value is not None and not 1 <= int(value) < project.overlap:
            raise InvalidInput(
                f"route_overlap must lie between 1 and the project's overlap - 1 "
                f"({project.overlap - 1}), or be empty",
                details={"route_overlap": value},
            )
        out["loop_route_overlap"] = None if value is None else int(value)
    if changes.get("ruler") is not None:
        out["loop_ruler"] = bool(changes["ruler"])
    if changes.get("ruler_min_count") is not None:
        if not 1 <= int(changes["ruler_min_count"]) <= 1000:
            raise InvalidInput("ruler_min_count must lie between 1 and 1000")
        out["loop_ruler_min_count"] = int(changes["ruler_min_count"])
    return out


def accepted_phrases(session: Session, project: Project, *, min_count: int) -> dict[str, str]:
    """Exact gold phrases -> label, for phrases seen ``min_count`` times with one label only."""
    rows = store.entity_texts(session, project.id, kind="gold")
    counts: Counter[tuple[str, str]] = Counter(
        (text[start:end], label or "") for text, start, end, label in rows
    )
    labels_of: dict[str, set[str]] = {}
    for phrase, label in counts:
        labels_of.setdefault(phrase, set()).add(label)
    return {
        phrase: label
        for (phrase, label), n in counts.items()
        if n >= min_count and len(labels_of[phrase]) == 1
    }


@dataclass(frozen=True, slots=True)
class Predictor:
    """The pipeline that pre-annotates a project now, and how to read its output."""

    nlp: Language
    active: ActiveModel
    label_map: dict[str, str]
    settings: LoopSettings
    base: Language | None  # the base model, when routing compares two models


def predictor_for(session: Session, project: Project) -> Predictor:
    active = active_model(session, project)
    settings = loop_settings(project)
    coref = project.has_layer("coref")
    label_map = dict(active.label_map)
    phrases = (
        accepted_phrases(session, project, min_count=settings.ruler_min_count)
        if settings.ruler
        else {}
    )
    if phrases:
        nlp = spacy.load(active.name or default_model_name())  # private: the ruler changes it
        ruler = nlp.add_pipe("entity_ruler", before="ner", config={"overwrite_ents": True})
        ruler.add_patterns([{"label": lab, "pattern": text} for text, lab in phrases.items()])  # type: ignore[attr-defined]
        label_map.update({lab: lab for lab in phrases.values()})
        if coref:
            import textlabel.nlp.coref.component  # noqa: F401

            nlp.add_pipe("textlabel_coref", last=True)
    else:
        nlp = load_pipeline(active.name, coref=coref)
    two_models = settings.route_overlap is not None or settings.queue == "both"
    base = load_pipeline(project.spacy_model) if two_models and active.version is not None else None
    return Predictor(nlp, active, label_map, settings, base)


@dataclass(frozen=True, slots=True)
class DocScores:
    tokens: TokenScores | None  # the NER's action probabilities, when the queue uses them
    uncertainty: float | None
    agreed: bool | None  # the base and the active model predict the same entities (routing)


def score_docs(predictor: Predictor, fresh: list[Doc], predicted: list[list[SpanRecord]],
               base_label_map: dict[str, str]) -> list[DocScores]:  # fmt: skip
    """Action margins and uncertainty (when the queue uses them) and the two models'
    agreement (when routing or the ``both`` order is on) for ``fresh`` docs (no pipe has run
    on them yet)."""
    nlp, settings = predictor.nlp, predictor.settings
    want_scores = settings.queue in SCORED_ORDERS
    scores: list[TokenScores | None] = [None] * len(fresh)
    if want_scores and fresh:
        docs = list(fresh)
        for name in entity_pipes(nlp):
            if name != "ner":
                docs = list(nlp.get_pipe(name).pipe(docs))  # type: ignore[attr-defined]
        scores = list(greedy_scores(nlp, docs))
    torn: list[float | None] = [None] * len(fresh)
    if predictor.base is not None and fresh:
        base_docs = [Doc(predictor.base.vocab, words=[t.text for t in d],
                         spaces=[bool(t.whitespace_) for t in d]) for d in fresh]  # fmt: skip
        for name in entity_pipes(predictor.base):
            base_docs = list(predictor.base.get_pipe(name).pipe(base_docs))  # type: ignore[attr-defined]
        torn = [
            disagreement(doc_to_record(d, label_map=base_label_map).record.spans, spans)
            for d, spans in zip(base_docs, predicted, strict=True)
        ]
    routing = settings.route_overlap is not None
    return [
        DocScores(
            s,
            _queue_score(settings.queue, s, t),
            None if t is None or not routing else t == 0.0,
        )
        for s, t in zip(scores, torn, strict=True)
    ]


def _queue_score(queue: str, scores: TokenScores | None, torn: float | None) -> float | None:
    """The document's place in an uncertainty queue: its mean doubt per token, plus (order
    ``both``) the two models' disagreement. None: not scored."""
    if scores is None:
        return None
    doubt = document_uncertainty(scores)
    return doubt + (torn or 0.0) if queue == "both" else doubt
