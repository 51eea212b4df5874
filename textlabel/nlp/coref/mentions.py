"""Mention detection over spaCy's parse, favouring recall (Lee et al. 2013, section 3.1).

Mentions are noun phrases (a NOUN / PROPN head's subtree, trimmed), named entities, personal
pronouns and relative pronouns; coordinations give the whole list plus each member. Dropped:
pleonastic "it", numeric and temporal entities, quantified phrases and partitives. Unlike
Lee et al. (tuned to OntoNotes), bare nouns stay: GUM annotates them ("fear ... fear"), and
on GUM keeping them is worth about 2 CoNLL F1 points with GAP unchanged.
"""

from __future__ import annotations

from spacy.tokens import Doc, Token

from textlabel.nlp.coref.attributes import (
    NON_MENTION_NER,
    PRONOUNS,
    RELATIVE_PRONOUNS,
    Lexicons,
)
from textlabel.nlp.coref.describe import LIST, NOMINAL, PRONOUN, PROPER, Mention, describe_mention

_QUANTIFIER_STARTS = frozenset(
    [
        "not",
        "every",
        "any",
        "none",
        "no",
        "everything",
        "anything",
        "nothing",
        "all",
        "enough",
        "each",
    ]
)
_PARTITIVE_HEADS = frozenset(
    [
        "half",
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "hundred",
        "thousand",
        "million",
        "billion",
        "tens",
        "hundreds",
        "thousands",
        "millions",
        "billions",
        "group",
        "groups",
        "bunch",
        "number",
        "numbers",
        "pinch",
        "amount",
        "total",
        "all",
        "lot",
        "lots",
        "couple",
    ]
)
_CONJUNCTIONS = frozenset(["and", "or", "but", "nor", "&"])
_JOINERS = frozenset(["-", "/"])
_NON_WORDS = frozenset(["mm", "hmm", "ahem", "um", "uh", "etc.", "etc", "there"])
_WEATHER_VERBS = frozenset(["rain", "snow", "hail", "drizzle", "pour", "freeze"])
_RAISING_VERBS = frozenset(
    ["seem", "appear", "happen", "turn", "follow", "mean", "matter", "occur", "take", "cost"]
)


def is_pleonastic(token: Token) -> bool:
    """True for a non-referential "it": expletive parses plus the classic clause patterns."""
    if token.lower_ != "it":
        return False
    if token.dep_ == "expl":
        return True
    if token.dep_ not in ("nsubj", "nsubjpass"):
        return False
    verb = token.head
    child_deps = {child.dep_ for child in verb.children}
    clausal = bool(child_deps & {"ccomp", "xcomp", "csubj", "advcl"})
    if verb.lemma_ in _WEATHER_VERBS:
        return True
    if verb.lemma_ in _RAISING_VERBS and clausal:
        return True
    if token.dep_ == "nsubjpass" and "ccomp" in child_deps:
        return True  # "it is said that ..."
    if verb.lemma_ == "be" and clausal:
        # "it is important to ...", "it was clear that ..."; not "it is a book that ..."
        return "attr" not in child_deps or "ccomp" in child_deps or "xcomp" in child_deps
    return False


def _trimmed_span(doc: Doc, head: Token, left: int, right: int) -> tuple[int, int]:
    """Shrink ``[left, right)`` past edge punctuation, whitespace and a final possessive marker,
    and end it before a comma-set appositive ("[the factory], once the worst ...")."""
    for child in head.rights:
        if child.dep_ == "appos" and child.left_edge.i > head.i + 1:
            if doc[child.left_edge.i - 1].is_punct:
                right = min(right, child.left_edge.i - 1)
            break
    while right - 1 > head.i and (
        doc[right - 1].is_punct or doc[right - 1].is_space or doc[right - 1].dep_ == "case"
    ):
        right -= 1
    while left < head.i and (doc[left].is_punct or doc[left].is_space):
        left += 1
    return left, right


def _coordination_end(head: Token) -> int | None:
    """End of the first member of "A, B and C" headed by ``head``, or None without conjuncts."""
    conjuncts = [child for child in head.rights if child.dep_ == "conj"]
    if not conjuncts:
        return None
    doc = head.doc
    end = conjuncts[0].left_edge.i
    while end > head.i + 1 and (doc[end - 1].is_punct or doc[end - 1].lower_ in _CONJUNCTIONS):
        end -= 1
    return end


def _is_head_candidate(token: Token) -> bool:
    pos = token.pos_
    if pos not in ("NOUN", "PROPN"):
        return False
    if token.dep_ in ("compound", "flat") and token.head.pos_ in ("NOUN", "PROPN"):
        return False
    if token.ent_type_ in NON_MENTION_NER:
        return False
    if not any(char.isalpha() for char in token.text):
        return False  # "-", "--", "2", emoticons: never a mention, whatever the tagger said
    if len(token.text) == 1 and not token.is_upper:
        return False  # "e" of "e-mail", stray letters
    return token.lower_ not in _NON_WORDS


def _word_bounds(doc: Doc, left: int, right: int) -> tuple[int, int]:
    """Widen ``[left, right)`` to whole hyphen- or slash-joined words: spaCy splits "e-mail"
    into "e", "-", "mail", and a mention must never start or end inside such a word."""
    while (
        left > 0
        and not doc[left - 1].whitespace_
        and (doc[left - 1].text in _JOINERS or doc[left].text in _JOINERS)
    ):
        left -= 1
    while (
        right < len(doc)
        and not doc[right - 1].whitespace_
        and (doc[right].text in _JOINERS or doc[right - 1].text in _JOINERS)
    ):
        right += 1
    return left, right


def sentence_indices(doc: Doc) -> list[int]:
    """The sentence number of every token (``token.sent`` is slow in a loop)."""
    sent_of = [0] * len(doc)
    for number, sent in enumerate(doc.sents):
        sent_of[sent.start : sent.end] = [number] * (sent.end - sent.start)
    return sent_of


def _entity_roots(doc: Doc) -> dict[int, int]:
    """Map each token inside a named entity to the entity's root, to drop nested heads."""
    roots: dict[int, int] = {}
    for ent in doc.ents:
        root = ent.root.i
        for i in range(ent.start, ent.end):
            roots[i] = root
    return roots


def detect_mentions(doc: Doc, lexicons: Lexicons) -> list[Mention]:
    """All candidate mentions of ``doc`` in text order (by start, longer first)."""
    spans: dict[tuple[int, int], tuple[Token, str, bool, bool]] = {}
    entity_roots = _entity_roots(doc)
    sent_of = sentence_indices(doc)
    for token in doc:
        lower = token.lower_
        if token.tag_ in ("PRP", "PRP$") and lower in PRONOUNS:
            if not is_pleonastic(token):
                spans[(token.i, token.i + 1)] = (token, PRONOUN, False, False)
            continue
        if token.tag_ in ("WDT", "WP", "WP$") or (lower == "that" and token.dep_ != "mark"):
            if lower in RELATIVE_PRONOUNS and _in_relative_clause(token):
                spans[(token.i, token.i + 1)] = (token, PRONOUN, False, True)
            continue
        if not _is_head_candidate(token):
            continue
        if entity_roots.get(token.i, token.i) != token.i:
            continue  # "America" inside "Bank of America"
        left, right = _trimmed_span(doc, token, token.left_edge.i, token.right_edge.i + 1)
        left, right = _word_bounds(doc, left, right)
        if _dropped_phrase(doc, token, left, right):
            continue
        member_end = _coordination_end(token)
        if member_end is not None:
            spans[(left, right)] = (token, LIST, False, False)
            right = member_end
        kind = PROPER if token.pos_ == "PROPN" or token.ent_type_ else NOMINAL
        spans.setdefault((left, right), (token, kind, False, False))
        role_span = _role_span(doc, token, left)
        if role_span is not None:
            spans.setdefault(role_span, (doc[role_span[1] - 1], NOMINAL, True, False))
    mentions: list[Mention] = []
    for (start, end), (head, kind, role, relative) in sorted(
        spans.items(), key=lambda item: (item[0][0], -item[0][1])
    ):
        mention = describe_mention(
            doc,
            index=len(mentions),
            start=start,
            end=end,
            head=head,
            sent=sent_of[head.i],
            kind=kind,
            lexicons=lexicons,
            role=role,
            relative=relative,
        )
        mentions.append(mention)
    return mentions


def _in_relative_clause(token: Token) -> bool:
    ancestor = token.head
    for _ in range(2):
        if ancestor.dep_ == "relcl":
            return True
        ancestor = ancestor.head
    return False


def _role_span(doc: Doc, head: Token, left: int) -> tuple[int, int] | None:
    """End of a lower-case role noun run right before a name ("actress [Jane Doe]"), or None."""
    if head.pos_ != "PROPN":
        return None
    name_start = head.i
    while name_start > left and doc[name_start - 1].pos_ == "PROPN":
        name_start -= 1
    role_start = name_start
    while role_start > left and doc[role_start - 1].pos_ == "NOUN" and doc[role_start - 1].is_lower:
        role_start -= 1
    return None if role_start == name_start else (role_start, name_start)


def _dropped_phrase(doc: Doc, head: Token, left: int, right: int) -> bool:
    """Quantified ("every student") and partitive ("half of the town") phrases."""
    if doc[left].lower_ in _QUANTIFIER_STARTS:
        return True
    return head.lower_ in _PARTITIVE_HEADS and any(child.dep_ == "prep" for child in head.children)
