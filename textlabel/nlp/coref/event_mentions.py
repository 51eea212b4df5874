"""Event mentions: the clause a demonstrative stands for ("[We painted the fence], and [that]'s
why the garden looks new", "Can you [wash the car]? Maria did [that].").

GUM annotates events as mentions headed by their verb; a "this" / "that" that takes a clause
has no noun phrase to link to. Such a mention is made only here, together with its link: never
a candidate of any other sieve and never a chain of one. The pronoun must be the first mention
of its cluster and say that it stands for an event (subject of a verb of happening or meaning,
of "be" with a verdict on a statement, or object of "do"); the clause is the one just before it,
in its sentence or the previous one, and must be headed by a verb. A demonstrative in that
clause before comes first: the pronoun then joins it ("That's fine. Then [that] is right.").
Only schemes that annotate events run this sieve (``Scheme.events``)."""

from __future__ import annotations

from spacy.tokens import Doc, Span, Token

from textlabel.nlp.coref.context import SieveContext
from textlabel.nlp.coref.describe import NOMINAL, Mention, describe_mention
from textlabel.nlp.coref.syntax import verb_lemma

EVENT_SCORE = 0.5
_DEMONSTRATIVES = frozenset(["this", "that"])
_CLAUSE_DEPS = frozenset(["ccomp", "advcl", "conj", "parataxis"])
_VERBS = frozenset(["VERB", "AUX"])
# words before a clause that are no part of the event: "So [I left]", "Yeah, [we did]"
_OPENERS = frozenset(
    ["so", "and", "but", "or", "yeah", "yes", "no", "well", "oh", "now", "then", "okay", "ok", "um"]
)

# "[Therefore] both institutes joined forces": an adverb linking the clause to the one before
_LINKING_ADVERBS = frozenset(
    ["therefore", "however", "thus", "hence", "also", "still", "anyway", "instead", "again"]
)


def event_match(ctx: SieveContext) -> None:
    """Link each demonstrative that stands for an event to a new mention of that clause."""
    for pronoun in list(ctx.mentions):
        if not pronoun.demonstrative or not ctx.clusters.is_first(pronoun):
            continue
        token = ctx.doc[pronoun.head]
        if token.lower_ not in _DEMONSTRATIVES or token.tag_ != "DT":
            continue  # a relative "that" the parser hung elsewhere is tagged WDT
        said_before = _demonstrative_before(ctx, token)
        if said_before is not None:
            # "That's what I was try — [That]'s what I was trying to say": the same thing again
            ctx.clusters.merge(said_before, pronoun, score=EVENT_SCORE)
            continue
        if not stands_for_event(token):
            continue
        found = event_span(token)
        if found is None:
            continue
        start, end, head = found
        if any(other.start == start and other.end == end for other in ctx.mentions):
            continue  # a span is never two mentions
        event = _event_mention(ctx, start, end, head)
        ctx.clusters.merge(event, pronoun, score=EVENT_SCORE)


def _demonstrative_before(ctx: SieveContext, token: Token) -> Mention | None:
    """A demonstrative in the clause before ("You can bake bread in [that]. Oh, [this] is
    great"): the same thing again (GUM train's open genres 56.14 -> 56.22 against the subject
    alone)."""
    verb = _clause_before(token)
    if verb is None:
        return None
    for child in verb.subtree:
        if (
            child.i < token.i
            and child.lower_ in _DEMONSTRATIVES
            and child.tag_ == "DT"
            and child.dep_ != "det"
        ):
            found = ctx.mention_headed_by(child.i)
            if found is not None and found.demonstrative:
                return found
    return None


def stands_for_event(token: Token) -> bool:
    """A demonstrative whose verb says it is an event or a statement."""
    verb = token.head
    lemma = verb_lemma(verb)
    if _subordinate(token):
        return False
    if token.dep_ == "dobj" and lemma == "do":
        return True
    if token.dep_ not in ("nsubj", "nsubjpass") or token.i > verb.i:
        return False
    return lemma != "be" or any(_judges_a_statement(child) for child in verb.rights)


# what "that is ..." says of a statement or an event ("that's true", "that's the reason")
_VERDICTS = frozenset(
    [
        "true",
        "false",
        "right",
        "wrong",
        "fine",
        "new",
        "important",
        "bogus",
        "ridiculous",
        "possible",
        "impossible",
        "unfortunate",
        "fair",
        "unfair",
        "normal",
        "common",
        "rare",
        "likely",
        "unlikely",
        "crazy",
        "funny",
        "sad",
        "great",
        "good",
        "bad",
    ]
)
_VERDICT_NOUNS = frozenset(
    [
        "case",
        "way",
        "reason",
        "idea",
        "point",
        "problem",
        "question",
        "issue",
        "trend",
        "answer",
        "beginning",
        "understanding",
        "opposite",
        "result",
        "goal",
        "plan",
        "mistake",
    ]
)


def _judges_a_statement(child: Token) -> bool:
    """ "that's [true]", "that's [the reason]", "that's [what] happened", "that's [because] ..."."""
    if child.dep_ == "acomp":
        return child.lower_ in _VERDICTS
    if child.dep_ in ("advcl", "prep") and child.lower_ in ("because", "why"):
        return True
    if child.dep_ in ("attr", "ccomp"):
        if child.lemma_.lower() in _VERDICT_NOUNS:
            return True
        return any(t.tag_ in ("WP", "WRB") for t in child.subtree if t.i <= child.i)
    return False


def _subordinate(token: Token) -> bool:
    """ "I know how [that] works", "When [this] failed": a pronoun in a subordinate clause points
    into its sentence, not at the clause before. A complement clause whose head comes after it
    is a main clause the parser hung there ("[This] occurs for two reasons: the air is dry";
    GUM dev 60.77 -> 60.89)."""
    verb = token.head
    if verb.dep_ not in ("ROOT", "conj", "parataxis", "xcomp") and not (
        verb.dep_ == "ccomp" and verb.head.i > token.i
    ):
        return True
    return any(
        child.i < token.i and (child.dep_ == "mark" or child.tag_ in ("WDT", "WP", "WRB"))
        for child in verb.children
    )


def event_span(token: Token) -> tuple[int, int, int] | None:
    """``(start, end, head)`` of the clause before ``token``, or None."""
    verb = _clause_before(token)
    if verb is None or verb.pos_ not in _VERBS:
        return None
    left = verb.left_edge.i
    right = verb.right_edge.i + 1
    # the clause ends where the pronoun's own clause begins
    right = min(right, _own_clause_start(token))
    if (token.dep_ == "dobj" and verb_lemma(token.head) == "do") or verb.dep_ == "xcomp":
        left = verb.i  # "do [that]" stands for a verb phrase: no subject, no auxiliary
    left, right = clause_span(verb, left, right)
    if not left <= verb.i < right:
        return None
    return left, _whole_sentence_end(verb.sent, left, right), verb.i


def _whole_sentence_end(sent: Span, left: int, right: int) -> int:
    """A whole sentence keeps its final punctuation (GUM train and dev: 51 such event mentions
    with it, 35 without; a part of a sentence ends before it 387 times in 405)."""
    doc = sent.doc
    first = sent.start
    while first < sent.end and (doc[first].is_punct or doc[first].is_space):
        first += 1
    if left != first:
        return right
    end = right
    while end < sent.end and doc[end].is_punct and not doc[end].is_space:
        end += 1
    rest = doc[end : sent.end]
    return end if all(token.is_space for token in rest) else right


def _clause_before(token: Token) -> Token | None:
    """The verb of the clause just before the pronoun: a clause of its own verb ending before
    it, the verb its own clause joins ("X, and that's ..."), else the previous sentence's root."""
    verb = token.head
    before = [
        child
        for child in verb.children
        if child.dep_ in _CLAUSE_DEPS and child.right_edge.i < token.i
    ]
    if before:
        return _reported(max(before, key=lambda child: child.i))
    if verb.dep_ in _CLAUSE_DEPS and verb.head.i < token.i and verb.head.i != verb.i:
        return _reported(verb.head)
    sent = token.sent
    if sent.start == 0:
        return None
    previous: Span = token.doc[sent.start - 1].sent
    return _reported(previous.root)


# "I think [we can find a hot dog]": what is thought or said is the event, not the thinking
_REPORTING = frozenset(["think", "guess", "say", "believe", "suppose", "suspect", "take"])
# "we like to [make our own original content]": what is wanted or tried is the event
_WANTING = frozenset(["like", "try", "need", "love", "hate", "decide", "plan"])


def _reported(verb: Token) -> Token:
    lemma = verb_lemma(verb)
    dep = "ccomp" if lemma in _REPORTING else "xcomp" if lemma in _WANTING else None
    said = [child for child in verb.rights if child.dep_ == dep]
    return said[0] if said else verb


# "[When] I was a little girl, he did that": a clause that sets the time or condition
_SETTING_WORDS = frozenset(["when", "if", "while", "as", "after", "before", "since", "once"])


def _setting(clause: Token) -> bool:
    return clause.dep_ == "advcl" and clause.doc[clause.left_edge.i].lower_ in _SETTING_WORDS


def _own_clause_start(token: Token) -> int:
    """Where the pronoun's clause starts (its verb's leftmost word not in an earlier clause; the
    verb itself when it comes first: "cook dinner and [do] this")."""
    verb = token.head
    start = min(token.i, verb.i)
    for child in verb.lefts:
        if child.dep_ in _CLAUSE_DEPS or child.right_edge.i >= token.i:
            continue
        start = min(start, child.left_edge.i)
    return min(start, token.left_edge.i)


def clause_span(verb: Token, left: int, right: int) -> tuple[int, int]:
    """GUM's extent of the clause headed by ``verb`` inside ``[left, right)``: no final
    punctuation, no opening conjunction, discourse word, linking adverb, subordinator other than
    "that" ("because [it was drizzling]") or fronted adjunct ("In later years, [he described
    the affair ...]"), no coordinated clause with its own subject after it ("[I left the phone
    in my bedroom], and so I'm grounded") and no vocative set off by a comma. Given the gold
    verb, 80 of GUM dev's 180 event mentions get exactly this extent."""
    doc = verb.doc
    for child in verb.rights:
        if _own_clause(child) or (
            child.dep_ in ("npadvmod", "intj", "dep", "appos")
            and doc[child.left_edge.i - 1].is_punct
        ):
            right = min(right, child.left_edge.i)
            break
    for child in verb.lefts:
        follower = child.right_edge.i + 1
        if (
            child.dep_ in ("advcl", "prep", "npadvmod", "advmod", "intj")
            and follower < verb.i
            and doc[follower].text == ","
        ):
            left = max(left, follower + 1)
    return _trimmed(doc, left, right, verb.i)


def _own_clause(child: Token) -> bool:
    """A coordinated clause with its own subject ("..., and [I] don't deserve this"), not a
    second verb of the same subject ("[it does the opposite, and hollows us out]")."""
    if child.dep_ == "parataxis":
        return True
    return child.dep_ == "conj" and any(
        grandchild.dep_ in ("nsubj", "nsubjpass", "expl") for grandchild in child.children
    )


def _trimmed(doc: Doc, left: int, right: int, head: int) -> tuple[int, int]:
    """Without edge punctuation, spaces and a leading conjunction or discourse word."""
    while right - 1 > head and (doc[right - 1].is_punct or doc[right - 1].is_space):
        right -= 1
    while right - 1 > head and doc[right - 1].dep_ == "cc":
        right -= 1
        while right - 1 > head and doc[right - 1].is_punct:
            right -= 1
    if right < len(doc) and doc[right].text == ")" and "(" in doc[left:right].text:
        right += 1  # "a new constitution [(594)]": no half parenthesis
    while left < head and (
        doc[left].is_punct
        or doc[left].is_space
        or doc[left].lower_ in _OPENERS
        or doc[left].dep_ in ("cc", "intj")
        or (doc[left].dep_ == "mark" and doc[left].lower_ != "that")
        or (doc[left].dep_ == "advmod" and doc[left].lower_ in _LINKING_ADVERBS)
    ):
        left += 1
    return left, right


def _event_mention(ctx: SieveContext, start: int, end: int, head: int) -> Mention:
    """A new mention of the clause, added to the context's mentions and clusters."""
    mention = describe_mention(
        ctx.doc,
        index=len(ctx.mentions),
        start=start,
        end=end,
        head=ctx.doc[head],
        sent=ctx.sent_of[head],
        kind=NOMINAL,
        lexicons=ctx.lexicons,
    )
    ctx.mentions.append(mention)
    ctx.clusters.add(mention)
    return mention
