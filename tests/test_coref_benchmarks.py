"""The scoring code of bench/coref_gap.py and bench/coref_gum.py, and a quality floor on GAP."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import pytest
import spacy
from sklearn.metrics import f1_score
from spacy.tokens import Doc

from tests.helpers import DATA

BENCH = Path(__file__).resolve().parents[1] / "bench"


def _load(name: str):
    spec = importlib.util.spec_from_file_location(name, BENCH / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses resolve annotations through sys.modules
    spec.loader.exec_module(module)
    return module


gap = _load("coref_gap")
gum = _load("coref_gum")


def _example(eid: str, a_coref: bool, b_coref: bool, pronoun: str = "he", **kw) -> object:
    fields = {"a": "A", "a_offset": 0, "b": "B", "b_offset": 0, "pronoun_offset": 0, **kw}
    return gap.GapExample(
        id=eid, text="", pronoun=pronoun, a_coref=a_coref, b_coref=b_coref, **fields
    )


def test_gap_counts_match_sklearn_f1():
    gold = [
        _example("1", True, False),
        _example("2", False, True, "she"),
        _example("3", False, False),
        _example("4", True, False, "her"),
        _example("5", False, True),
        _example("6", False, False, "his"),
    ]
    system = {
        "1": (True, False),
        "2": (True, False),
        "3": (False, True),
        "4": (True, False),
        "5": (False, False),
        "6": (False, False),
    }
    counts = gap.score_gap(gold, system)
    for key, subset in (
        ("Overall", gold),
        ("M", [g for g in gold if g.pronoun in ("he", "his")]),
        ("F", [g for g in gold if g.pronoun in ("she", "her")]),
    ):
        y_true = [v for g in subset for v in (g.a_coref, g.b_coref)]
        y_pred = [v for g in subset for v in system[g.id]]
        assert counts[key].f1() == pytest.approx(f1_score(y_true, y_pred))


def test_gap_missing_id_is_a_false_negative_even_when_gold_is_false():
    """gap_scorer pitfall (NLP-NOTES 1.3): a missing ID costs recall for both candidates."""
    gold = [_example("1", True, False), _example("2", False, False)]
    counts = gap.score_gap(gold, {"1": (True, False)})["Overall"]
    assert (counts.tp, counts.fp, counts.fn) == (1, 0, 2)


def _doc_with_cluster(words: list[str], heads: list[int], spans: list[tuple[int, int]]) -> Doc:
    deps = ["dep" if h != i else "ROOT" for i, h in enumerate(heads)]
    doc = Doc(spacy.blank("en").vocab, words=words, heads=heads, deps=deps)
    doc.spans["coref_clusters_1"] = [doc[s:e] for s, e in spans]
    return doc


def test_gap_predict_overlap_and_ties():
    words = ["Ann", "met", "Bea", "and", "she", "left"]
    offsets = [0, 4, 8, 12, 16, 20]
    ex = _example(
        "x", False, False, "she", pronoun_offset=16, a="Ann", a_offset=0, b="Bea", b_offset=8
    )
    heads = [1, 1, 1, 1, 5, 1]
    # pronoun with A only
    assert gap.predict(ex, _doc_with_cluster(words, heads, [(0, 1), (4, 5)])) == (True, False)
    # no cluster holds the pronoun
    doc = _doc_with_cluster(words, heads, [(0, 1), (2, 3)])
    assert gap.predict(ex, doc) == (False, False)
    # both fire with their heads inside: the nearer to the pronoun (Bea) wins
    assert gap.predict(ex, _doc_with_cluster(words, heads, [(0, 1), (2, 3), (4, 5)])) == (
        False,
        True,
    )
    # neither head inside a name: the shorter (tighter) mention decides
    doc = _doc_with_cluster(words, heads, [(0, 2), (1, 4), (4, 5)])
    assert gap.predict(ex, doc) == (True, False)
    # one mention spans both names, headed by "met"->"Ann": the head decides for A over overlap
    heads_np = [0, 0, 0, 1, 5, 1]
    doc = _doc_with_cluster(words, heads_np, [(0, 3), (4, 5)])
    assert offsets[doc.spans["coref_clusters_1"][0].root.i] == 0
    assert gap.predict(ex, doc) == (True, False)


def test_gum_reader_rebuilds_text_and_mentions():
    path = DATA / "ud" / "en_gum-ud-test.GUM_news_nasa.conllu"
    (document,) = gum.read_gum(path)
    mentions = [m for cluster in document.clusters.values() for m in cluster]
    assert len(mentions) == 336  # data/ud/README.md
    sentences = re.findall(r"^# text = (.*)$", path.read_text(encoding="utf-8"), flags=re.M)
    assert len(sentences) == 50
    position = 0
    for sentence in sentences:  # every sentence's surface text, in order
        found = document.text.find(sentence, position)
        assert found >= 0, sentence
        position = found + len(sentence)
    for start, end in mentions:
        assert document.text[start:end] == document.text[start:end].strip()
        assert 0 <= start < end <= len(document.text)


# Two turns in GUM's layout (written for this test): paragraph marks, a multiword token first
SPOKEN = """# newdoc id = GUM_conversation_test
# newpar
# newpar_block = sp who:::"#Ann" whom:::"#Bob" (1 s)
# sent_id = t-1
# speaker = Ann
# text = I'm tired.
1-2\tI'm\t_\t_\t_\t_\t_\t_\t_\t_
1\tI\tI\tPRON\tPRP\t_\t3\tnsubj\t_\tEntity=(1-person-new-1-coref)
2\t'm\tbe\tAUX\tVBP\t_\t3\tcop\t_\t_
3\ttired\ttired\tADJ\tJJ\t_\t0\troot\t_\tSpaceAfter=No
4\t.\t.\tPUNCT\t.\t_\t3\tpunct\t_\t_

# newpar
# newpar_block = sp who:::"#Bob" whom:::"#Ann" (1 s)
# sent_id = t-2
# speaker = Bob
# text = You slept.
1\tYou\tyou\tPRON\tPRP\t_\t2\tnsubj\t_\tEntity=(1-person-giv-1-coref)
2\tslept\tsleep\tVERB\tVBD\t_\t0\troot\t_\tSpaceAfter=No
3\t.\t.\tPUNCT\t.\t_\t2\tpunct\t_\t_

"""


def test_gum_reader_keeps_each_sentences_speaker(tmp_path):
    path = tmp_path / "spoken.conllu"
    path.write_text(SPOKEN, encoding="utf-8")
    (document,) = gum.read_gum(path)
    turns = [(document.text[start:end], who) for start, end, who in document.speakers]
    assert turns == [("I'm tired.", "Ann"), ("You slept.", "Bob")]
    assert [document.text[a:b] for a, b in document.clusters["1"]] == ["I", "You"]


def test_gum_reader_finds_every_gold_mention():
    documents = gum.read_gum(DATA / "ud" / "en_gum-ud-test.wikinews.conllu")
    assert len(documents) == 2
    assert sum(len(c) for d in documents for c in d.clusters.values()) == 425  # data/ud/README.md


def test_gap_quality_floor_on_validation(coref_nlp):
    """Full resolver on gap-validation stays above the GAP paper's snippet baselines."""
    examples = gap.read_gap(DATA / "coref" / "gap-validation.tsv")
    counts, _, _ = gap.run_split(coref_nlp, examples)
    overall, masculine, feminine = (counts[k].f1() for k in ("Overall", "M", "F"))
    assert overall > 0.63, gap.format_scores(counts)
    assert feminine / masculine > 0.9, gap.format_scores(counts)
