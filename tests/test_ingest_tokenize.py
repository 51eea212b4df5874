"""The import's memoised tokenizer gives exactly what ``tokenize_text`` (spaCy's tokenizer and
the sentencizer rule, one Doc per text) gives, on real treebank text in every whitespace
spaCy cuts at, on special cases (emoticons, abbreviations) that spaCy may match across
chunks, and in the JSON bytes stored."""

from __future__ import annotations

import io
import json
import random
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import spacy
from spacy.attrs import ORTH
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.factories import make_project, make_user
from tests.helpers import fresh_python
from textlabel.ingest.chunk_arrays import ChunkArrays
from textlabel.ingest.parallel import timeline
from textlabel.ingest.service import ImportOptions, import_file
from textlabel.ingest.tokenize import _OTHER_SPACE, ChunkTokenizer
from textlabel.models import Annotation, Document, Span
from textlabel.nlp.pipeline import tokenize_text
from textlabel.tokens import Tokens

UD = Path(__file__).parent / "data" / "ud"
JOINS = [" ", "  ", "\n", "\n\n", "\t", " \n ", "\u00a0", "\u3000 ", "\x85", " \u2028", "\r\n"]
EDGE_CASES = ["", " ", "   ", "Hi!!  \n\n What?? yes.", "a . . . b", "End.\n", "x\t\ty", "...",
              "“Quoted.” Next?! ok", "Mr. Smith went. He left!", "。中文。句子", "!", " a", "a ",
              "a  ", " a b ", "a \n", "\n a", "He said: ) ok :) fine ( : x :-) ) (: o.O",
              "It's 5 a.m. now. U.S.A. ! e.g. this", "'s 'em 'cause", "no.  Yes", "x\u00a0y",
              "<3 <3 ^_^ ^ _ ^ =) = ) :'( : ' (", "C++ and C# (v2.0)... ok?!",
              "\u2028"]  # fmt: skip


def _texts() -> list[str]:
    lines = []
    for path in sorted(UD.glob("*.conllu")):
        with path.open(encoding="utf-8") as handle:
            lines += [line[9:].rstrip("\n") for line in handle if line.startswith("# text = ")]
    return [JOINS[k % len(JOINS)].join(lines[k : k + 4]) for k in range(0, len(lines), 4)]


@pytest.fixture
def tokenizer() -> ChunkTokenizer:
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    return ChunkTokenizer(nlp)


def _same(tokens: Tokens, expected: Tokens) -> bool:
    return tokens == expected and tokens.to_stored_json() == json.dumps(expected.to_stored())


@pytest.mark.parametrize("texts", [EDGE_CASES, _texts()], ids=["edge cases", "UD treebanks"])
def test_same_tokens_as_tokenize_text(tokenizer: ChunkTokenizer, texts: list[str]) -> None:
    assert len(texts) > 25
    expected = [tokenize_text(text) for text in texts]
    # one text at a time (every chunk new), all at once (chunks learnt in one Doc), again
    # (every chunk from the cache)
    assert all(_same(tokenizer(t), e) for t, e in zip(texts, expected, strict=True))
    tokenizer.cache.clear()
    for _ in range(2):
        got = tokenizer.many(texts)
        assert [t for t, g, e in zip(texts, got, expected, strict=True) if not _same(g, e)] == []
    # as a worker sends them: the JSON, spelt out from the offsets as laid out
    stored = tokenizer.many_stored(texts)
    assert [t for t, j, e in zip(texts, stored, expected, strict=True)
            if j != json.dumps(e.to_stored())] == []  # fmt: skip


def test_same_tokens_on_made_up_words_between_single_spaces(tokenizer: ChunkTokenizer) -> None:
    """Texts of words between single spaces (the path that lays out offsets by chunk steps)
    made of pieces spaCy splits, joins or matches as special cases: affixes, infixes,
    emoticons, abbreviations, sentence ends inside and around words."""
    pieces = ["a", "Mr", ".", ",", "!", "?", "(", ")", '"', "'", "'s", "n't", ":", "-", "...",
              "e.g", "U.S", "5", "3.5", "km", "#", "@", "http://x.org/a?b=c", "<3", ":)", "“",
              "”", "—", "can", "do", "it", "ok"]  # fmt: skip
    rng = random.Random(13)
    texts = [
        " ".join("".join(rng.choice(pieces) for _ in range(rng.randint(1, 3))) for _ in range(12))
        for _ in range(400)
    ]
    expected = [tokenize_text(text) for text in texts]
    for _ in range(2):  # chunks learnt, then from the cache
        got = tokenizer.many(texts)
        assert [t for t, g, e in zip(texts, got, expected, strict=True) if g != e] == []
        stored = [json.dumps(e.to_stored()) for e in expected]
        assert tokenizer.many_stored(texts) == stored


def test_texts_laid_out_together_while_the_cache_drops_chunks_are_alike() -> None:
    """The batch lay-out (``chunk_arrays``: numbers of chunks dropped and reused, the steps'
    pool rebuilt, the cache started over) gives the bytes of ``tokenize_text``, and it is
    the path most texts of words between single spaces take."""
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    tokenizer = ChunkTokenizer(nlp, max_cache=400)
    tokenizer.arrays = ChunkArrays(pool=64)
    lines = [text for text in _texts() for text in text.split("\n") if text.strip()]
    texts = [" ".join(line.split()) for line in lines][:600]
    texts += [f"{text} (#{n})" for n, text in enumerate(texts)]
    for first in range(0, len(texts), 50):
        batch = texts[first : first + 50]
        expected = [json.dumps(tokenize_text(text).to_stored()) for text in batch]
        assert tokenizer.many_stored(batch) == expected
        assert tokenizer.many(batch) == [tokenize_text(text) for text in batch]
    _, laid = tokenizer._prepared(texts[:50])
    assert laid is not None and len(laid.spans) >= 40


def test_words_of_letters_are_learnt_without_spacy_unless_a_rule_splits_them(
    tokenizer: ChunkTokenizer,
) -> None:
    """A new chunk of ASCII letters is one token unless a special case splits it (no
    punctuation needed: "cannot", "gonna", "Dont") or an affix rule applies; the first kind
    is laid out without spaCy, the others still go to spaCy, and the texts come out alike."""
    assert tokenizer._word("Adaline") is not None and tokenizer._word("Zyx") is not None
    assert tokenizer._word("cannot") is None and tokenizer._word("gonna") is None
    texts = [
        "I cannot go , gonna Dont lemme xD Adaline Zyx met Bo !",
        "Cannot Ima gotta whaddya Mr a b c Aint tho",
    ]
    assert tokenizer.many(texts) == [tokenize_text(text) for text in texts]
    assert tokenizer.cache["cannot"].size == 2 and tokenizer.cache["Adaline"].size == 1


def test_chunks_whose_tokens_lie_alike_share_one_entry(tokenizer: ChunkTokenizer) -> None:
    """A learnt chunk whose tokens lie as another's (same length, offsets and flags, same
    edge tokens where those have edge pieces) shares its entry; others get their own, and
    the texts come out alike."""
    texts = ["see (#12345) and (#67890) or (#123) ;) :) :( ;(", "(#11111) ! x.y a.b (#1)"]
    assert tokenizer.many(texts) == [tokenize_text(text) for text in texts]
    cache = tokenizer.cache
    assert cache["(#12345)"] is cache["(#67890)"] is cache["(#11111)"]
    assert cache["(#123)"] is not cache["(#12345)"] and cache["(#1)"] is not cache["(#123)"]
    assert cache["x.y"] is cache["a.b"]
    assert cache[":)"] is not cache[";)"] and cache[":)"] is not cache[":("]  # edge pieces


def test_both_readers_of_a_doc_place_its_tokens_alike(tokenizer: ChunkTokenizer) -> None:
    """``_split`` reads the Doc of a few chunks in Python and of many with numpy: the same
    rows for the chunks of real text (each separator's token left out)."""
    chunks = sorted({chunk for text in _texts() for chunk in text.split()})[:3000]
    doc = tokenizer.tokenizer("\n".join(chunks))
    python, numpy = tokenizer._rows(doc, chunks), tokenizer._rows_numpy(doc, chunks)
    assert python == numpy and len(python[0]) > len(chunks)


def test_cross_chunk_special_cases_are_asked_of_spacy(tokenizer: ChunkTokenizer) -> None:
    """``: )`` holds the pieces of the emoticon ``:)`` across a space: spaCy cuts such a run
    of chunks alone, once (then remembered), and the text keeps the chunks' tokens when
    spaCy's agree; neighbours that cannot form one are not asked. A special case that holds
    a space changes the tokens there: such a text goes to spaCy whole."""
    assert (":", ")") in tokenizer.pairs
    assert tokenizer("wait : ) ok") == tokenize_text("wait : ) ok")
    assert tokenizer("plain words only") == tokenize_text("plain words only")
    assert tokenizer("then :) : ) : fine") == tokenize_text("then :) : ) : fine")
    assert tokenizer.alike == {": )": True, ":) : ) :": True}
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    nlp.tokenizer.add_special_case("a-b c", [{ORTH: "a-b c"}])
    spanned = ChunkTokenizer(nlp)
    spanned.many(["x a-b c y", "x a-b d y"])
    assert spanned.alike == {"a-b c": False}


def test_the_cache_keeps_frequent_chunks_and_spacys_vocabulary_is_bounded() -> None:
    """When the cache is full, chunks seen in one batch only go and those seen in two stay;
    spaCy's vocabulary (every string it saw) is replaced on its own size, the cache kept."""

    def english() -> spacy.language.Language:
        nlp = spacy.blank("en")
        nlp.add_pipe("sentencizer")
        return nlp

    limit = len(english().vocab.strings) + 100
    tokenizer = ChunkTokenizer(english(), max_cache=60, max_strings=limit, fresh=english)
    common = ["The", "cat", "sat", "on", "a", "mat."]
    strings, sizes = [], []
    for batch in range(6):  # 6 common chunks and 20 new ones a batch, ~60 new strings
        texts = [f"{' '.join(common)} word{n} (#{n})." for n in range(batch * 10, batch * 10 + 10)]
        assert tokenizer.many(texts) == [tokenize_text(text) for text in texts]
        sizes.append(len(tokenizer.cache))
        strings.append(len(tokenizer.tokenizer.vocab.strings))
    assert sizes == [26, 46, 26, 46, 26, 46]  # the one-off chunks of two batches went at once
    assert set(common) <= tokenizer.cache.keys()
    assert "word0" not in tokenizer.cache and "word59" in tokenizer.cache
    assert max(strings) < limit + 80  # some 360 strings came: the vocabulary started over


def test_a_full_cache_starts_over_from_the_chunks_of_the_batch_at_hand() -> None:
    """When the kept chunks fill half the cache, the others go but this batch's own chunks
    stay (not learnt again: the same entries), young again: they go at the next full cache
    unless a batch holds them again. Tokens stay those of ``tokenize_text``."""
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    tokenizer = ChunkTokenizer(nlp, max_cache=40)
    old = [f"w{n} w{n}x" for n in range(12)]  # 24 chunks, kept by a second batch
    for _ in range(2):
        assert tokenizer.many(old) == [tokenize_text(text) for text in old]
    assert len(tokenizer.cache) == 24 and not tokenizer.young
    texts = ["w0 stays", *[f"new{n} (#{n})" for n in range(10)]]
    before = tokenizer.cache["w0"]
    assert tokenizer.many(texts) == [tokenize_text(text) for text in texts]
    assert tokenizer.cache["w0"] is before and "w1" not in tokenizer.cache
    assert "w0" in tokenizer.young and len(tokenizer.cache) == 22
    assert tokenizer.many(old) == [tokenize_text(text) for text in old]


def test_threads_sharing_a_small_cache_get_the_same_tokens() -> None:
    """A web process's threads share the tokenizer: one thread's batch may make room in the
    cache (dropping chunks) while another lays out its texts."""
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    tokenizer = ChunkTokenizer(nlp, max_cache=40)
    texts = [f"Item {n} costs ${n}.{n % 7} (#{n})! Ok." for n in range(240)]
    expected = [tokenize_text(text) for text in texts]
    failures: list[str] = []

    def run(first: int) -> None:
        for k in range(first, len(texts), 12):
            try:
                if tokenizer.many(texts[k : k + 3]) != expected[k : k + 3]:
                    failures.append(texts[k])
            except Exception as e:  # noqa: BLE001 - the failure to report
                failures.append(repr(e))

    threads = [threading.Thread(target=run, args=(first,)) for first in (0, 3, 6, 9)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []


@pytest.mark.parametrize("processes", [2, 3])
def test_batches_tokenized_in_worker_processes_are_the_same_bytes(processes: int) -> None:
    """``tokenized_batches`` with one worker (2 processes, this one storing) and with two,
    against ``tokenize_text``: same order, same batches, same tokens (a file of one batch
    stays in this process)."""
    from textlabel.ingest.parallel import tokenized_batches

    texts = _texts()[:300] + EDGE_CASES
    batches = [texts[k : k + 40] for k in range(0, len(texts), 40)]
    got = list(tokenized_batches(iter(batches), list, processes))
    assert [batch for batch, _, _ in got] == batches
    for batch, tokenized, spelt in got:
        # workers send the JSON only, the row's bytes (export_pinned reads them)
        assert tokenized == {} and spelt.keys() == set(batch)
        assert all(spelt[t] == json.dumps(tokenize_text(t).to_stored()) for t in batch)
    first = list(tokenized_batches(iter(batches[:1]), list, processes))
    assert first[0][1].keys() == set(batches[0])


def test_workers_are_forked_from_a_single_threaded_process_only() -> None:
    """A process with one thread (an import child, the CLI) forks its workers, which then
    start with spaCy imported and the tokenizer built (once, for every pool) and freeze what
    they inherit (their collections never finalize this process's objects); their batches
    are the same bytes as one process's. With another thread running (a web server's),
    workers are spawned. In a new interpreter: pytest's worker runs threads of its own."""
    fresh_python(
        "import json, multiprocessing, threading\n"
        "from textlabel.ingest import parallel\n"
        "import gc, os\n"
        "freeze, (told, tell) = gc.freeze, os.pipe()\n"
        "gc.freeze = lambda: os.write(tell, b'frozen') and freeze()  # in the worker\n"
        "asked, get_context = [], multiprocessing.get_context\n"
        "multiprocessing.get_context = lambda method: asked.append(method) or get_context(method)\n"
        "from textlabel.nlp.pipeline import tokenize_text\n"
        "assert parallel.start_method() == 'fork'\n"
        f"texts = {EDGE_CASES!r} * 3\n"
        "batches = [texts[k : k + 20] for k in range(0, len(texts), 20)]\n"
        "got = list(parallel.tokenized_batches(iter(batches), list, 2))\n"
        "assert [batch for batch, _, _ in got] == batches and asked == ['fork']\n"
        "from textlabel.ingest.tokenize import chunk_tokenizer\n"
        "assert chunk_tokenizer.cache_info().currsize == 1  # built here, for every pool\n"
        "os.set_blocking(told, False)\n"
        "assert os.read(told, 100) == b'frozen'  # what it inherited, before its first batch\n"
        "for batch, _, spelt in got:\n"
        "    assert all(spelt[t] == json.dumps(tokenize_text(t).to_stored()) for t in batch)\n"
        "stop = threading.Event()\n"
        "thread = threading.Thread(target=stop.wait)\n"
        "thread.start()\n"
        "assert parallel.start_method() == 'spawn'\n"
        "stop.set()\n"
    )


def test_batches_are_read_as_they_are_stored_not_all_at_once() -> None:
    """In one process, the file is read a batch ahead of the one being stored: holding every
    batch first made an import's memory grow with the file (about 3 KB a row)."""
    from textlabel.ingest.parallel import tokenized_batches

    read: list[int] = []

    def batches() -> Iterator[list[str]]:
        for k in range(6):
            read.append(k)
            yield [f"Batch {k} has words."]

    out = tokenized_batches(batches(), list, 1)
    for k, (batch, tokenized, _) in enumerate(out):
        assert batch == [f"Batch {k} has words."] and set(tokenized) == set(batch)
        assert len(read) <= max(k + 1, 2)  # the first two are read to choose the path
    assert read == list(range(6))


def test_an_import_with_a_worker_stores_the_tokens_a_span_cut(work: Session) -> None:
    """With a tokenizing worker, rows store the JSON the worker spelt out, except a row whose
    span cut a token: its tokens are the cut ones, spelt out by the storing process."""
    admin = make_user(work, "admin", admin=True)
    project = make_project(work, admin)
    texts = [f"Row {n} says Adaline met Bo in Paris." for n in range(5)]
    lines = [json.dumps({"text": t, "label": []}) for t in texts]
    lines[3] = json.dumps({"text": texts[3], "label": [[11, 14, "PER"]]})  # "Ada" of "Adaline"
    # a span on token boundaries: its tokens are read back from the worker's JSON
    lines[1] = json.dumps({"text": texts[1], "label": [[23, 25, "PER"]]})  # "Bo"
    # a batch a row: more batches than the worker's queue (parallel.AHEAD) holds
    options = ImportOptions(processes=2, batch_size=1, add_labels=True)
    data = io.BytesIO(("\n".join(lines) + "\n").encode())
    with timeline() as recorded:
        result = import_file(work, project, data, "rows.jsonl", user=admin, options=options)
    assert (result.imported, result.annotations) == (5, 2)
    # bench/ingest.py's timeline: five batches, each tokenized before it was handed back
    assert len(recorded.worker) == len(recorded.waits) == 5
    in_order = select(Document.text).where(Document.project_id == project.id)
    assert list(work.scalars(in_order.order_by(Document.id))) == texts  # file order
    assert recorded.began <= recorded.pool <= recorded.worker[0][0] <= recorded.worker[0][1]
    for (began, ready, ended), (_, handed) in zip(recorded.worker, recorded.waits, strict=True):
        assert began <= ready <= ended <= handed <= recorded.ended
    stored: dict[str, Any] = dict(work.execute(select(Document.text, Document.tokens)).all())
    for n, text in enumerate(texts):
        tokens = tokenize_text(text).split_at([11, 14] if n == 3 else [])
        assert stored[text] == tokens.to_stored()
    assert len(stored[texts[3]]["offsets"]) == len(stored[texts[2]]["offsets"]) + 2
    found = select(Document.text, Span.start_char, Span.end_char, Span.start_token, Span.label)
    found = found.join(Annotation, Annotation.document_id == Document.id).join(Span)
    assert sorted(work.execute(found).all()) == [
        (texts[1], 23, 25, 5, "PER"),  # "Row 1 says Adaline met Bo": Bo is token 5
        (texts[3], 11, 14, 3, "PER"),
    ]


def test_a_printable_text_holds_no_whitespace_but_the_plain_space() -> None:
    """``_chunks`` takes a printable text (``str.isprintable``) for one without the other
    whitespace spaCy cuts at (what ``_OTHER_SPACE`` finds): true of every code point."""
    every = "".join(map(chr, range(sys.maxunicode + 1)))
    assert [c for c in _OTHER_SPACE.findall(every) if c.isprintable()] == []
    assert len(_OTHER_SPACE.findall(every)) > 20  # tabs, newlines, no-break spaces...
