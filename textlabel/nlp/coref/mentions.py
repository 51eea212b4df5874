"""Mention detection over spaCy's parse, favouring recall (Lee et al. 2013, section 3.1).

Mentions are noun phrases (a NOUN / PROPN head's subtree, trimmed, or "[that one]"), named
entities, personal pronouns and relative pronouns; coordinations give the whole list plus each
member; years and dates headed by a number and numbered references ("[16]"). Dropped:
pleonastic "it", other numeric entities, quantified phrases (but "all" with a plural: "[all
Americans]") and partitives. Unlike
Lee et al. (tuned to OntoNotes), bare nouns stay: GUM annotates them ("fear ... fear"), and
on GUM keeping them is worth about 2 CoNLL F1 points with GAP unchanged.
"""

from __future__ import annotations

from spacy.tokens import Doc, Token

from textlabel.nlp.coref.attributes import (
    DEMONSTRATIVES,
    NON_MENTION_NER,
    PRONOUNS,
    RELATIVE_PRONOUNS,
    TEMPORAL_NER,
    Lexicons,
)
from textlabel.nlp.coref.describe import LIST, NOMINAL, PRONOUN, PROPER, Mention, describe_mention
from textlabel.nlp.coref.expletives import is_pleonastic

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
PREMODIFIER_POS = frozenset({"PROPN", "NOUN"})
_OPEN_BRACKETS = frozenset(["(", "["])
_CLOSE_BRACKETS = frozenset([")", "]"])
# focus particles and correlative conjunctions before a noun phrase are no part of the mention
# ("only [one study]", "either [classroom training] or ...", "both [Pantha] and [Rezwan]")
_FOCUS_DEPS = frozenset({"advmod", "preconj", "cc"})
_FOCUS_WORDS = frozenset(["only", "either", "neither", "both"])
_JOINERS = frozenset(["-", "/"])
_PLACE_ADVERBS = frozenset(["home"])
# fillers, backchannels, greetings and curses the tagger calls nouns ("[Mhm].", "Oh [fuck].",
# "[Bye]!") and the "et" of "et al.": they name nothing (GUM dev and train's open genres: 94
# such mentions detected, none a gold mention), yet string matching chained them
_NON_WORDS = frozenset(
    ["mm", "hmm", "ahem", "um", "uh", "etc.", "etc", "there", "et"]
    + ["mhm", "hm", "hunh", "unhunh", "bye", "hi", "ugh", "ooh", "oops", "yay", "fuck"]
    + ["cheers", "thanks"]
)


def _trimmed_span(doc: Doc, head: Token, left: int, right: int) -> tuple[int, int]:
    """Shrink ``[left, right)`` past edge punctuation, whitespace, a final possessive marker, a
    leading focus word ("[only] one study", "[either] training") or auxiliary, keep it inside
    the head's paragraph (the parser attaches headings to the next line), and end it before a
    comma-set appositive ("[the factory], once the worst ...")."""
    for i in range(head.i - 1, left - 1, -1):
        if doc[i].is_space and "\n" in doc[i].text:
            left = i + 1
            break
    for i in range(head.i + 1, right):
        if doc[i].is_space and "\n" in doc[i].text:
            right = i
            break
    for child in head.rights:
        if is_close_appositive(head, child):
            right = min(right, child.left_edge.i)  # "[his brother] [Pierre Joseph]"
            break
        if child.dep_ in _ASIDE_DEPS and _set_off(doc, head, child):
            right = min(right, child.left_edge.i)  # "[The pilot program], if successful"
            break
        if child.dep_ == "advmod" and child.lower_ in _TRAILING_ADVERBS and child.i > head.i:
            right = min(right, child.left_edge.i)  # "[some problems] over there"
            break
        if _name_with_a_phrase(doc, head, child, left):
            right = min(right, child.left_edge.i)  # "[Holt] with the Boston Red Sox"
            break
        if child.dep_ == "appos" and child.left_edge.i > head.i + 1:
            if _place_in_place(head, child):
                continue  # "[Portland, Oregon]": the state is part of the place's name
            if doc[child.left_edge.i - 1].is_punct:
                right = min(right, child.left_edge.i - 1)
            break
    while right - 1 > head.i and (
        doc[right - 1].is_punct
        or doc[right - 1].is_space
        or doc[right - 1].dep_ in ("case", "cc")  # "[Newfoundland] and" of a misparsed list
    ):
        right -= 1
    while left < head.i and (
        doc[left].is_punct
        or doc[left].is_space
        or (
            doc[left].dep_ in _FOCUS_DEPS
            and doc[left].lower_ in _FOCUS_WORDS
            and doc[left].head.i == head.i
        )
        # a verb misparsed as a noun keeps its auxiliaries: "it seemed [to] Winterbourne"
        or (doc[left].dep_ in ("aux", "auxpass") and doc[left].head.i == head.i)
        or _leading_adverb(doc[left], head)
    ):
        left += 1
    return _quoted(doc, *_balanced(doc, head, left, right))


_OPEN_QUOTES = frozenset(["\u201c", "``"])
_CLOSE_QUOTES = frozenset(["\u201d", "''"])


def _quoted(doc: Doc, left: int, right: int) -> tuple[int, int]:
    """No half quotation: "our [\u201ceconomy\u201d]" keeps the closing mark that trimming took
    off, 'the word ["modify]' without it loses the opening one."""
    texts = [token.text for token in doc[left:right]]
    opened = sum(text in _OPEN_QUOTES for text in texts) - sum(
        text in _CLOSE_QUOTES for text in texts
    )
    straight = texts.count('"') % 2
    if opened <= 0 and not straight:
        return left, right
    if right < len(doc) and (
        doc[right].text in _CLOSE_QUOTES or (straight and doc[right].text == '"')
    ):
        return left, right + 1
    if doc[left].text in _OPEN_QUOTES or doc[left].text == '"':
        return left + 1, right
    return left, right


# an adjective phrase, participle, interjection or negation set off after the noun is an aside,
# no part of the mention ("[Dennis Hopper], famous for ...", "[office buildings], often designed
# by ...", "[the cheese], um"): GUM dev and train's open genres cut the adjective, interjection
# or negation 23 times and keep it 3, the participle (acl) 41 and 26
_ASIDE_DEPS = frozenset({"amod", "intj", "neg", "acl"})


def _set_off(doc: Doc, head: Token, child: Token) -> bool:
    """``child`` follows the head after a comma, dash, colon or parenthesis."""
    first = child.left_edge.i
    return first > head.i + 1 and doc[first - 1].is_punct and doc[first - 1].text != "'"


# a place or time adverb the parser hung on the noun ("[some problems] over there", "[a good
# foundation] here", "[producers] too") belongs to the clause: GUM dev and train's open genres
# cut it 25 times and keep it 15
_TRAILING_ADVERBS = frozenset(
    ["here", "there", "back", "too", "again", "now", "then", "anyway", "though", "also", "instead"]
)


def _name_with_a_phrase(doc: Doc, head: Token, child: Token, left: int) -> bool:
    """A name without a determiner and a prepositional phrase after it other than "of" ("[Holt]
    with the Boston Red Sox", "[Daniel Montalvo] in September 2010"): the phrase mostly belongs
    to the verb or a caption (GUM train's open genres: the name alone 63 times, with the phrase
    40)."""
    if head.pos_ != "PROPN" or child.dep_ != "prep" or child.lower_ == "of":
        return False
    if doc[left].pos_ == "DET" or child.i <= head.i:
        return False
    return not (head.ent_iob_ != "O" and child.ent_iob_ == "I")  # "Bank [of] America"


def is_close_appositive(head: Token, child: Token) -> bool:
    """A name right after a common noun, with no comma: "his brother [Pierre Joseph]", "the
    novel [Dark Matters]". GUM marks the noun phrase and the name as two mentions of one entity
    (GUM train's open genres: 35 times, against 8 as one mention). What the name carries stays
    with the name ("the film [Watchmen (2009)]", "the appellants [Chase and Chelsea McCombs]",
    "his wife [Manju Sam, 36, from Sydney]"): GUM dev and train's open genres mark the noun
    phrase without it 20 times, the whole span 3."""
    if child.dep_ != "appos" or head.pos_ != "NOUN" or child.pos_ != "PROPN":
        return False
    first = child.left_edge.i
    return first > head.i and not any(
        token.i > head.i for token in head.rights if token.i < first
    )  # nothing else of the head's (a post-modifier, a comma) comes between


def _place_in_place(head: Token, appositive: Token) -> bool:
    """ "Portland, Oregon", "Dhaka, Bangladesh": a place name and the larger place after it."""
    if head.ent_type_ != "GPE" or appositive.ent_type_ != "GPE" or appositive.pos_ != "PROPN":
        return False
    return all(token.pos_ == "PROPN" or token.is_punct for token in appositive.subtree)


def _leading_adverb(token: Token, head: Token) -> bool:
    """ "[just] a street party", "[usually] a hereditary ruler", "[And] the second part", "[Oh]
    my God": an adverb of the phrase, a conjunction or an interjection before it."""
    if token.dep_ not in ("advmod", "cc", "intj", "preconj"):
        return False
    if token.pos_ == "ADV":
        return token.head.i == head.i
    return token.pos_ in ("CCONJ", "INTJ")


def _balanced(doc: Doc, head: Token, left: int, right: int) -> tuple[int, int]:
    """No unmatched parenthesis: a parenthetical aside of the head itself ("the Library
    [(KB)]") is cut off, one deeper inside the phrase keeps its closing bracket
    ("[research on second language (L2)]")."""
    depth = 0
    opened = None
    for i in range(left, right):
        if doc[i].text in _OPEN_BRACKETS:
            depth += 1
            opened = i if depth == 1 else opened
        elif doc[i].text in _CLOSE_BRACKETS and depth:
            depth -= 1
    if not depth or opened is None:
        return left, right
    if opened < head.i:
        return opened + 1, right
    aside = doc[opened + 1 : right]
    if any(token.head.i == head.i for token in aside) or right >= len(doc):
        return left, opened
    if doc[right].text in _CLOSE_BRACKETS:
        return left, right + 1
    return left, opened


def _coordination_end(head: Token) -> int | None:
    """End of the first member of "A, B and C" headed by ``head``, or None without conjuncts."""
    conjuncts = [child for child in head.rights if child.dep_ == "conj"]
    if not conjuncts:
        return None
    doc = head.doc
    end = conjuncts[0].left_edge.i
    while end > head.i + 1 and (
        doc[end - 1].is_punct or doc[end - 1].dep_ == "cc" or doc[end - 1].lower_ in _CONJUNCTIONS
    ):
        end -= 1
    return end


def _is_head_candidate(token: Token) -> bool:
    pos = token.pos_
    if pos not in ("NOUN", "PROPN"):
        return _pronominal_one(token)
    if token.dep_ in ("compound", "flat") and token.head.pos_ in ("NOUN", "PROPN"):
        return False
    if token.ent_type_ in NON_MENTION_NER:
        return False
    if not any(char.isalpha() for char in token.text):
        return False  # "-", "--", "2", emoticons: never a mention, whatever the tagger said
    if len(token.text) == 1 and not token.is_upper:
        return False  # "e" of "e-mail", stray letters
    if _in_hyphenated_modifier(token) or _adverbial_idiom(token):
        return False
    return token.lower_ not in _NON_WORDS


def _pronominal_one(token: Token) -> bool:
    """ "[that one]", "[the one in the middle]", "[my other one]": "one" tagged as a number but
    standing for a noun (it has a determiner, possessor or adjective)."""
    return token.lower_ == "one" and any(
        child.dep_ in ("det", "poss", "amod") for child in token.children
    )


_NEGATIONS = frozenset(["not", "n't", "n\u2019t"])
_OCCASION_WORDS = frozenset(["next", "last", "first", "many", "every", "each"])
# fixed adverbial phrases whose noun refers to nothing: "for example", "of course", "in fact"
_IDIOMS = frozenset(
    [
        ("example", "for"),
        ("instance", "for"),
        ("course", "of"),
        ("fact", "in"),
        ("general", "in"),
        ("particular", "in"),
        ("addition", "in"),
        ("purpose", "on"),
    ]
)


def _adverbial_idiom(token: Token) -> bool:
    """A negation the tagger called a noun ("do[n\u2019t]", curly apostrophe) or the noun of "for
    example", "of course" and the like: they refer to nothing, yet string matching chained them.
    """
    if token.dep_ == "neg" or token.lower_ in _NEGATIONS:
        return True
    if token.lemma_.lower() == "time" and any(
        child.lower_ in _OCCASION_WORDS for child in token.children
    ):
        return True  # "the next time", "every time": an occasion, not a thing said again
    return (
        (token.lower_, token.head.lower_) in _IDIOMS
        and token.dep_ == "pobj"
        and not any(True for _ in token.children)
    )


def _in_hyphenated_modifier(token: Token) -> bool:
    """The noun of an adjective or participle written as one hyphenated word ("[adult]-learned",
    "[classroom]-like", "[self]-directed"): the word describes, it names no entity (GUM dev: 17
    such candidates, none a gold mention)."""
    head = token.head
    if head.i <= token.i or head.pos_ not in ("ADJ", "VERB"):
        return False
    return _word_bounds(token.doc, token.i, token.i + 1)[1] == head.i + 1


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


# organisations and buildings named after a place or field: "the University of [California]"
_NAMED_AFTER = frozenset({"ORG", "FAC"})


def _entity_roots(doc: Doc) -> dict[int, int]:
    """Map each token inside a named entity to the entity's root, to drop nested heads ("America"
    inside "Bank of America"). The name after "of" inside an organisation's or building's name is
    a mention of its own ("the University of [California]", "the Department of [Linguistics]"):
    GUM dev and train's open genres chain 57 of the 143 such names and mark 31 more as mentions
    (13 of the rest are one "Church of Scientology")."""
    roots: dict[int, int] = {}
    for ent in doc.ents:
        root = ent.root.i
        for i in range(ent.start, ent.end):
            roots[i] = root
        if ent.label_ not in _NAMED_AFTER or len(ent) < 3:
            continue
        for token in ent:
            if token.pos_ != "PROPN" or token.dep_ != "pobj" or token.head.lower_ != "of":
                continue
            inner = [t.i for t in token.subtree]
            if ent.start <= token.head.i and all(ent.start <= i < ent.end for i in inner):
                for i in inner:
                    roots[i] = token.i
    return roots


def detect_mentions(doc: Doc, lexicons: Lexicons) -> list[Mention]:
    """All candidate mentions of ``doc`` in text order (by start, longer first)."""
    spans: dict[tuple[int, int], tuple[Token, str, str]] = {}
    entity_roots = _entity_roots(doc)
    sent_of = sentence_indices(doc)
    joined = -1  # the word a pronoun took in ("you [guys]")
    for token in doc:
        lower = token.lower_
        if token.i == joined:
            continue
        if token.tag_ in ("PRP", "PRP$") and lower in PRONOUNS:
            if not is_pleonastic(token):
                end = token.i + 1
                if _pronoun_with_noun(doc, token):
                    end, joined = end + 1, end
                spans[(token.i, end)] = (token, PRONOUN, "")
            continue
        relative_form = token.tag_ in ("WDT", "WP", "WP$") or (
            lower == "that" and token.dep_ != "mark"
        )
        if relative_form and lower in RELATIVE_PRONOUNS and _in_relative_clause(token):
            spans[(token.i, token.i + 1)] = (token, PRONOUN, "relative")
            continue
        if lower in DEMONSTRATIVES and token.pos_ == "PRON" and token.dep_ not in ("det", "mark"):
            spans[(token.i, token.i + 1)] = (token, PRONOUN, "demonstrative")
            continue
        if token.tag_ in ("WDT", "WP", "WP$"):
            continue
        if lower == "there" and token.dep_ == "advmod" and token.pos_ == "ADV":
            # "go [there]": a place said before (sieves_place); "[there] is" is an expletive
            if _presentational(token) or _pointing(token):
                continue
            spans[(token.i, token.i + 1)] = (token, PRONOUN, "demonstrative")
            continue
        if lower in _PLACE_ADVERBS and token.dep_ == "advmod":
            # "go [home]" is the place "home" names elsewhere (GUM chains them)
            spans[(token.i, token.i + 1)] = (token, NOMINAL, "")
            continue
        number_span = _number_mention(doc, token, entity_roots)
        if number_span is not None:
            spans.setdefault(number_span, (token, PROPER, ""))
            continue
        premodifier = _premodifier_span(doc, token)
        if premodifier is not None:
            kind = PROPER if token.pos_ == "PROPN" else NOMINAL
            spans.setdefault(premodifier, (token, kind, "premodifier"))
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
            spans[(left, right)] = (token, LIST, "")
            right = member_end
            if right <= left:
                continue  # the list's first member starts before the phrase: no member span
        kind = PROPER if token.pos_ == "PROPN" or token.ent_type_ else NOMINAL
        spans.setdefault((left, right), (token, kind, ""))
        role_span = _role_span(doc, token, left)
        if role_span is not None:
            spans.setdefault(role_span, (doc[role_span[1] - 1], NOMINAL, "role"))
    mentions: list[Mention] = []
    for (start, end), (head, kind, flag) in sorted(
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
            role=flag == "role",
            relative=flag == "relative",
            premodifier=flag == "premodifier",
            demonstrative=flag == "demonstrative",
        )
        mentions.append(mention)
    return mentions


_PRESENTING_VERBS = frozenset(["be", "go", "come"])


def _presentational(there: Token) -> bool:
    """ "There you go", "there they were": "there" before "be" / "go" / "come" and their subject
    points at the scene, not at a place said before. A fronted place keeps its verb ("there I
    studied", "there she lives"): those are places."""
    verb = there.head
    return (
        there.i < verb.i
        and verb.lemma_ in _PRESENTING_VERBS
        and any(
            child.dep_ in ("nsubj", "nsubjpass") and there.i < child.i for child in verb.children
        )
    )


_PAIRED_WITH_THERE = frozenset(["here", "then", "back"])


def _pointing(there: Token) -> bool:
    """ "right there" points at what the speaker shows; "here and there", "then and there" are
    idioms: no place said before in either."""
    doc = there.doc
    before = [doc[i].lower_ for i in range(max(0, there.i - 2), there.i)]
    after = [doc[i].lower_ for i in range(there.i + 1, min(len(doc), there.i + 3))]
    return (
        before[-1:] == ["right"]
        or (len(before) == 2 and before[1] == "and" and before[0] in _PAIRED_WITH_THERE)
        or (len(after) == 2 and after[0] == "and" and after[1] in _PAIRED_WITH_THERE)
    )


def _number_mention(doc: Doc, token: Token, entity_roots: dict[int, int]) -> tuple[int, int] | None:
    """A year or date headed by a number ("in [1859] ... [1859]") and a numbered reference
    ("[17], [18]" in a paper): names that string matching may link."""
    if token.pos_ != "NUM":
        return None
    if 0 < token.i < len(doc) - 1 and doc[token.i - 1].text == "[" and doc[token.i + 1].text == "]":
        return token.i, token.i + 1
    if token.ent_type_ not in TEMPORAL_NER or entity_roots.get(token.i) != token.i:
        return None
    ent = next(ent for ent in doc.ents if ent.start <= token.i < ent.end)
    return ent.start, ent.end


# "you guys" is one mention of the addressees (GUM); "we all", "you both" are left apart:
# LitBank marks the pronoun alone
_PRONOUN_NOUNS = {"you": frozenset(["guys"])}


def _pronoun_with_noun(doc: Doc, token: Token) -> bool:
    """ "[you guys]": one mention, the pronoun its head."""
    words = _PRONOUN_NOUNS.get(token.lower_)
    if words is None or token.i + 1 >= len(doc) or not token.whitespace_:
        return False
    return doc[token.i + 1].lower_ in words


def _premodifier_span(doc: Doc, token: Token) -> tuple[int, int] | None:
    """A name or noun modifying another noun ("[DH] projects", "the [United States] Congress"):
    a mention that only string matching may link (GUM annotates them; they never take a
    pronoun)."""
    if token.dep_ != "compound" or token.head.pos_ not in ("NOUN", "PROPN"):
        return None
    if token.pos_ not in PREMODIFIER_POS or token.i + 1 >= len(doc):
        return None
    if doc[token.i + 1].dep_ == "compound" and doc[token.i + 1].head.i == token.head.i:
        return None  # not the last word of the modifier
    if token.ent_type_ in NON_MENTION_NER or not any(char.isalpha() for char in token.text):
        return None
    if token.ent_type_ == "NORP":
        return None  # "[Moriori] carvings" describes the carvings (GUM: 3 chained in 27)
    if (len(token.text) == 1 and not token.is_upper) or token.lower_ in _NON_WORDS:
        return None
    if _word_bounds(doc, token.i, token.i + 1) != (token.i, token.i + 1):
        return None  # part of a hyphenated word: "[e]-mail", "[cross]-border"
    left = token.left_edge.i
    while left < token.i and (doc[left].is_punct or doc[left].pos_ == "DET"):
        left += 1
    head = token.head
    if head.pos_ == "PROPN" and (token.pos_ == "PROPN" or token.is_title):
        # part of one name ("[John] Smith", "[Penn] State") unless NER splits them
        if not token.ent_type_ or token.ent_iob_ == "I" and head.ent_iob_ == "I":
            return (left, token.i + 1) if _place_in_a_name(doc, token, left) else None
        if head.ent_type_ and head.ent_iob_ == "I" and token.ent_iob_ != "O":
            return (left, token.i + 1) if _place_in_a_name(doc, token, left) else None
    return left, token.i + 1


def _place_in_a_name(doc: Doc, token: Token, left: int) -> bool:
    """ "the [Dhaka] University", "the [Kenya] Vision 2030": a place that opens an organisation's
    or building's name and is named on its own elsewhere in the text (GUM dev and train's open
    genres: 28 such places chained, 18 not)."""
    if token.ent_type_ not in _NAMED_AFTER:
        return False
    name = next(ent for ent in doc.ents if ent.start <= token.i < ent.end)
    if left < name.start:
        return False
    text = doc[left : token.i + 1].text
    return any(
        ent.label_ in ("GPE", "LOC") and ent.text == text and not ent.start <= token.i < ent.end
        for ent in doc.ents
    )


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
    """Quantified ("every student") and partitive ("half of the town") phrases; "all" with a
    plural names the whole group ("[all Americans] ... [all Americans]", GUM and LitBank)."""
    if doc[left].lower_ in _QUANTIFIER_STARTS:
        return not (doc[left].lower_ == "all" and head.tag_ in ("NNS", "NNPS"))
    return head.lower_ in _PARTITIVE_HEADS and any(child.dep_ == "prep" for child in head.children)
