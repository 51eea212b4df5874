"""Undecided candidates: what a gold save must not settle silently.

A POS token where no tag reached the share, or a coreference link the share did not accept,
is *open*. A gold payload settles an open candidate visibly when it says something the
consolidation did not (a tag other than the fallback, the link present); it is *ambiguous*
when the payload just carries the fallback tag or leaves the link out: the reviewer may have
decided that, or never looked. The client says which (``undecided``: the keys it leaves
undecided); a client that says nothing about ambiguous candidates no reviewer decided before
is refused, so gold never decides them behind the reviewer's back.

Pure: plain data in, keys out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from textlabel.annotate.payload import Payload
from textlabel.errors import InvalidInput
from textlabel.review.draft import DocumentDraft
from textlabel.review.links import chain_links

UNDECIDED = "undecided"


class Undecided(InvalidInput):
    """Gold would settle candidates nobody decided; ``details`` counts them per kind."""

    code = "undecided"


def pos_key(index: int) -> str:
    return f"pos:{index}"


def link_key(a: Sequence[int], b: Sequence[int]) -> str:
    return f"link:{a[0]}:{a[1]}:{b[0]}:{b[1]}"


def open_keys(draft: DocumentDraft) -> list[str]:
    """The candidates the consolidation left open, POS tokens first, in text order."""
    return [pos_key(t.index) for t in draft.tags if t.accepted is None] + [
        link_key(c.a, c.b) for c in draft.links if not c.accepted
    ]


def ambiguous_keys(draft: DocumentDraft, gold: Payload) -> list[str]:
    """Open candidates that ``gold`` leaves as the consolidation had them."""
    fallback = draft.pos or []
    pos = gold.pos or ()
    links = chain_links([[(m.start, m.end) for m in c] for c in gold.coref or ()])
    out = []
    for t in draft.tags:
        tag = pos[t.index] if t.index < len(pos) else None
        if t.accepted is None and (tag is None or tag == _at(fallback, t.index)):
            out.append(pos_key(t.index))
    for c in draft.links:
        if not c.accepted and (c.a, c.b) not in links:
            out.append(link_key(c.a, c.b))
    return out


def _at(values: Sequence[str | None], index: int) -> str | None:
    return values[index] if index < len(values) else None


def counts(keys: Iterable[str]) -> dict[str, int]:
    """``{"pos": n, "links": m}`` of candidate keys."""
    keys = list(keys)
    return {
        "pos": sum(k.startswith("pos:") for k in keys),
        "links": sum(k.startswith("link:") for k in keys),
    }


def check_undecided(
    draft: DocumentDraft, gold: Payload, previous: Mapping[str, Any],
    declared: Sequence[str] | None,
) -> list[str]:  # fmt: skip
    """The keys this save leaves undecided (``declared``, checked against the open
    candidates). Without a declaration, Undecided (422) when ``gold`` would settle open
    candidates that no reviewer decided in an earlier save."""
    open_ = set(open_keys(draft))
    if declared is not None:
        unknown = [k for k in declared if k not in open_]
        if unknown:
            raise InvalidInput(
                f"undecided: {unknown[0]!r} is not an open candidate of this document "
                "(open: POS tokens without a majority tag, links the share did not accept)",
                details={"keys": unknown},
            )
        return list(dict.fromkeys(declared))
    silent = [k for k in ambiguous_keys(draft, gold) if not _decided(previous.get(k))]
    if silent:
        n = counts(silent)
        raise Undecided(
            f"{n['pos']} POS tag(s) and {n['links']} coreference link(s) are undecided; "
            'list the ones you leave undecided in "undecided" (or send "undecided": [] '
            "to let this gold decide them)",
            details={**n, "keys": silent},
        )
    return []


def _decided(decision: Any) -> bool:
    return isinstance(decision, dict) and decision.get("decision") not in (None, UNDECIDED)


def undecided_counts(decisions: Mapping[str, Any]) -> dict[str, int]:
    """How many candidates the saved gold left undecided, per kind."""
    return counts(
        k for k, d in decisions.items() if isinstance(d, dict) and d.get("decision") == UNDECIDED
    )
