"""Dependency-tree distances and grammatical roles, shared by the pronoun sieve and the ranker."""

from __future__ import annotations

from spacy.tokens import Doc, Token

SUBJECT = frozenset({"nsubj", "nsubjpass"})
OBJECT = frozenset({"dobj"})


def role_of(dep: str) -> str:
    """ "subject", "object" or "" for a dependency label (parallelism compares these)."""
    if dep in SUBJECT:
        return "subject"
    if dep in OBJECT:
        return "object"
    return ""


# contractions written with a typographic apostrophe: the pipeline's lemmatizer knows "'s" but
# lemmatizes "’s" as "’" or "’s" (GUM dev: 43 of 275 contracted copulas)
_CONTRACTED_BE = frozenset(["’s", "’re", "’m", "'s", "'re", "'m"])


def verb_lemma(token: Token) -> str:
    """``token``'s lemma, "be" for a contracted "’s" / "’re" / "’m" that heads a clause."""
    if token.lower_ in _CONTRACTED_BE and token.pos_ in ("AUX", "VERB"):
        return "be"
    return token.lemma_


class DependencyTree:
    """Depths and dependency paths of one doc, computed on demand. Sentence trees hang off one
    virtual root, so two tokens of different sentences are ``depth + depth + 1 + sentences``
    apart (NLP-NOTES 1.6: the virtual root is what makes syntactic distance work on GAP)."""

    def __init__(self, doc: Doc) -> None:
        self.doc = doc
        self._depth: dict[int, int] = {}

    def chain(self, i: int) -> list[int]:
        """``i`` and its ancestors up to the sentence root."""
        chain = [i]
        token = self.doc[i]
        while token.head.i != token.i:
            token = token.head
            chain.append(token.i)
        return chain

    def depth(self, i: int) -> int:
        if i not in self._depth:
            self._depth[i] = len(self.chain(i)) - 1
        return self._depth[i]

    def distance(self, left: int, right: int, *, same_sentence: bool, sentences: int) -> int:
        if not same_sentence:
            return self.depth(left) + self.depth(right) + 1 + sentences
        up = {token: steps for steps, token in enumerate(self.chain(left))}
        for steps, token in enumerate(self.chain(right)):
            if token in up:
                return steps + up[token]
        return self.depth(left) + self.depth(right) + 2
