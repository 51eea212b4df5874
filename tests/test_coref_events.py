"""Event mentions (``event_mentions.py``): a demonstrative that stands for the clause before it
is linked to a mention of that clause, and such a mention never stands alone.

The sentences are written for these tests (no corpus text), parsed by the real pipeline.
"""

from __future__ import annotations

import pytest
from spacy.language import Language

from textlabel.nlp.coref.output import sieves_for
from textlabel.nlp.coref.resolver import SIEVES, build_context, resolve, run_sieves
from textlabel.nlp.coref.schemes import get_scheme


def chains(nlp: Language, text: str) -> list[list[str]]:
    doc = nlp(text)
    return [[doc[m.start : m.end].text for m in chain] for chain in resolve(doc)]


@pytest.mark.parametrize(
    ("text", "chain"),
    [
        # a whole sentence keeps its period (GUM's convention for a whole sentence)
        (
            "The river floods the valley every spring. This rarely happens in dry years.",
            ["The river floods the valley every spring.", "This"],
        ),
        (
            "The committee rejected the plan. That means we start again.",
            ["The committee rejected the plan.", "That"],
        ),
        # "do that" stands for a verb phrase: no subject, no auxiliary
        ("Can you wash the car? Maria did that yesterday.", ["wash the car", "that"]),
        # the verb phrase before "and do": not the "do" itself
        ("I will cook dinner and do this again tomorrow.", ["cook dinner", "this"]),
        # the clause before it in its own sentence
        (
            "We painted the fence, and that's why the garden looks new.",
            ["We painted the fence", "that"],
        ),
        # a main clause the parser hung under the clause after it ("...: the air is dry")
        (
            "The storm weakens over land. This occurs for two reasons: the air is dry and the "
            "sea is far.",
            ["The storm weakens over land.", "This"],
        ),
        (
            "I didn't finish the report, that's what worries me, I promised it today.",
            ["I didn't finish the report", "that"],
        ),
        # "that's true": a verdict on the statement before
        (
            "Sam fixed the roof last week. That's true, but the walls still leak.",
            ["Sam fixed the roof last week.", "That"],
        ),
    ],
)
def test_a_demonstrative_that_stands_for_an_event_is_linked_to_its_clause(
    nlp: Language, text: str, chain: list[str]
) -> None:
    assert chain in chains(nlp, text)


@pytest.mark.parametrize(
    ("text", "chain"),
    [
        ("That's fine. Then that is right.", ["That", "that"]),
        # anywhere in the clause before, not only its subject
        ("You can bake bread in that. Oh, this is great.", ["that", "this"]),
    ],
)
def test_a_demonstrative_said_again_joins_the_first(
    nlp: Language, text: str, chain: list[str]
) -> None:
    assert chain in chains(nlp, text)


@pytest.mark.parametrize(
    "text",
    [
        # no sign of an event: "this" may be the painting; no clause mention is made
        "The museum bought a painting. This is the oldest one.",
        # a demonstrative inside a subordinate clause points into its own sentence
        "I know how that works.",
    ],
)
def test_no_event_mention_without_a_cue(nlp: Language, text: str) -> None:
    doc = nlp(text)
    ctx = build_context(doc)
    detected = len(ctx.mentions)
    run_sieves(ctx)
    assert len(ctx.mentions) == detected


def test_an_event_mention_never_stands_alone(nlp: Language, coref_nlp: Language) -> None:
    """Made only together with its link: never a singleton, never a chain without the pronoun
    (the editor shows every written chain as a suggestion)."""
    text = (
        "The river floods the valley every spring. This rarely happens in dry years. "
        "Can you wash the car? Maria did that yesterday. The museum bought a painting."
    )
    ctx = build_context(nlp(text))
    detected = len(ctx.mentions)
    run_sieves(ctx)
    made = ctx.mentions[detected:]
    assert len(made) == 2
    for event in made:
        cluster = ctx.clusters.of(event).mentions
        assert len(cluster) >= 2
        assert any(m.demonstrative for m in cluster)
    doc = coref_nlp(text)
    written = [group for key, group in doc.spans.items() if key.startswith("coref_clusters_")]
    for group in written:
        if any(span.root.pos_ in ("VERB", "AUX") for span in group):
            assert any(span.text.lower() in ("this", "that") for span in group)


def test_only_the_gum_scheme_makes_event_mentions(nlp: Language) -> None:
    """LitBank and OntoNotes-style projects annotate no clause for "that" (LitBank train lost
    0.11 under the gum scheme): their schemes leave the event sieve out."""
    text = "The committee rejected the plan. That means we start again."
    for name, made in (("gum", 1), ("ontonotes", 0), ("ppo", 0)):
        ctx = build_context(nlp(text))
        detected = len(ctx.mentions)
        run_sieves(ctx, sieves_for(get_scheme(name), list(SIEVES)))
        assert len(ctx.mentions) - detected == made, name
