"""DEPREL as Universal Dependencies has it, whatever parser produced the ``deps`` layer.

A treebank imported from CoNLL-U already speaks UD: its labels are written unchanged. A
parser trained on another scheme (spaCy's English models use ClearNLP labels: ``prep``,
``pobj``, ``dobj``, ``ROOT``...) does not, and its labels must not pass for UD ones. Such a
document's labels are mapped where a UD relation has the same definition (``dobj`` ->
``obj``, ``nsubjpass`` -> ``nsubj:pass``, ``poss`` -> ``nmod:poss``...; table below) and
become UD's ``dep`` ("unspecified dependency") everywhere else, so the file stays valid UD
(the validator requires a relation on every word) without claiming what was not parsed.
``ROOT`` is ``root`` in every scheme. The heads are the parser's: spaCy's English trees
attach prepositions and copulas differently from UD, which only the labels can't fix.
"""

from __future__ import annotations

from collections.abc import Sequence

# UD v2 universal relations (https://universaldependencies.org/u/dep/)
UD_RELATIONS = frozenset({
    "acl", "advcl", "advmod", "amod", "appos", "aux", "case", "cc", "ccomp", "clf", "compound",
    "conj", "cop", "csubj", "dep", "det", "discourse", "dislocated", "expl", "fixed", "flat",
    "goeswith", "iobj", "list", "mark", "nmod", "nsubj", "nummod", "obj", "obl", "orphan",
    "parataxis", "punct", "reparandum", "root", "vocative", "xcomp",
})  # fmt: skip

# ClearNLP (spaCy English) labels whose definition is that of a UD relation. Anything else
# (prep, pobj, pcomp, attr, agent, dative, oprd, npadvmod, quantmod, neg, nmod, meta...)
# has no exact UD counterpart and is written as ``dep``.
CLEAR_TO_UD = {
    "ROOT": "root",
    "acl": "acl",
    "advcl": "advcl",
    "advmod": "advmod",
    "amod": "amod",
    "appos": "appos",
    "aux": "aux",
    "auxpass": "aux:pass",
    "case": "case",
    "cc": "cc",
    "ccomp": "ccomp",
    "compound": "compound",
    "conj": "conj",
    "csubj": "csubj",
    "csubjpass": "csubj:pass",
    "dep": "dep",
    "det": "det",
    "dobj": "obj",
    "expl": "expl",
    "iobj": "iobj",
    "intj": "discourse",
    "mark": "mark",
    "nsubj": "nsubj",
    "nsubjpass": "nsubj:pass",
    "nummod": "nummod",
    "parataxis": "parataxis",
    "poss": "nmod:poss",
    "preconj": "cc:preconj",
    "predet": "det:predet",
    "prt": "compound:prt",
    "punct": "punct",
    "relcl": "acl:relcl",
    "xcomp": "xcomp",
}
UNSPECIFIED = "dep"


def is_ud(label: str) -> bool:
    """A UD relation, with or without a subtype (``nmod:poss``, ``obl:tmod``)."""
    base, _, subtype = label.partition(":")
    return base in UD_RELATIONS and (not subtype or subtype.isalpha() and subtype.islower())


def ud_deprels(deps: Sequence[str | None] | None) -> list[str | None] | None:
    """The DEPREL of each token: the labels themselves when they are all UD, else each
    mapped through ``CLEAR_TO_UD`` or written as ``dep`` (None stays None)."""
    if deps is None:
        return None
    labels = ["root" if label == "ROOT" else label for label in deps]
    if all(label is None or is_ud(label) for label in labels):
        return labels
    return [None if label is None else CLEAR_TO_UD.get(label, UNSPECIFIED) for label in deps]
