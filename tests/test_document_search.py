"""Document search and filters (GET /projects/{pid}/documents?q=&status=&annotator=&label=&gold=
&sort=) on both backends: whole words through the full-text index, kept in sync on delete."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from flask import Flask
from sqlalchemy import delete, select, text

from tests.factories import add_documents, add_gold, make_project, make_users, wikigold_passages
from tests.helpers import api_as, sign_in
from textlabel.models import Document, User
from textlabel.projects import documents, search
from textlabel.projects.documents import list_documents
from textlabel.projects.search import DocumentFilters

TEXTS = [
    "The cat sat on the mat in Paris.",  # 1
    "Cats and dogs live in Berlin.",  # 2
    "A dog barked at the CAT, loudly.",  # 3
    "Catalogue prices rose in Paris and in Rome.",  # 4
    "Der Bär schläft; the bear sleeps, café au lait.",  # 5
    "Nothing to see here, concatenation aside.",  # 6
]


@pytest.fixture
def project(session):
    boss, *_ = make_users(session, "boss", "ann1", "ann2", "rev")
    project = make_project(
        session, boss, members={"ann1": "annotator", "ann2": "annotator", "rev": "reviewer"},
        overlap=2, blind=True,
    )  # fmt: skip
    add_documents(session, project, TEXTS)
    return project


def _ids(api, project, query: str = "", status: int = 200) -> list[int]:
    response = api.get(f"/projects/{project.id}/documents?{query}")
    assert response.status_code == status, response.get_data(as_text=True)
    return [item["id"] for item in response.json["items"]] if status == 200 else response.json


def _words_regex(texts: list[str], words: list[str]) -> list[int]:
    """An independent answer: whole-word, case-insensitive matches of every word by regex."""
    return [
        i + 1
        for i, text in enumerate(texts)
        if all(re.search(rf"(?<![^\W_]){re.escape(w)}(?![^\W_])", text, re.I) for w in words)
    ]


@pytest.mark.parametrize(
    "q", ["cat", "CAT", "paris", "in paris", "cats", "dog", "bär", "café", "concatenation", "zebra"]
)
def test_q_matches_whole_words_case_insensitively(app: Flask, project, q: str) -> None:
    api = api_as(app, "boss")
    expected = _words_regex(TEXTS, q.split())
    assert _ids(api, project, f"q={q}") == expected
    page = api.get(f"/projects/{project.id}/documents?q={q}").json
    assert page["total"] == len(expected)


def test_search_follows_deletes_and_new_documents(app: Flask, project, session) -> None:
    api = api_as(app, "boss")
    assert _ids(api, project, "q=paris") == [1, 4]
    session.execute(delete(Document).where(Document.id == 1))
    session.commit()
    assert _ids(api, project, "q=paris") == [4]
    (added,) = add_documents(session, project, ["Paris again, and a zebra."])
    assert _ids(api, project, "q=paris") == [4, added.id]
    assert _ids(api, project, "q=zebra") == [added.id]


def test_search_stays_inside_the_project(app: Flask, project, session) -> None:
    other = make_project(session, project.memberships[0].user, "Other")
    add_documents(session, other, ["The cat of another project."])
    api = api_as(app, "boss")
    assert _ids(api, project, "q=cat") == [1, 3]


def test_a_search_without_words_and_unknown_values_are_refused(app: Flask, project) -> None:
    api = api_as(app, "boss")
    no_words = _ids(api, project, "q=%22%2A%28%29", status=422)
    assert "no words" in no_words["error"]["message"]
    assert _ids(api, project, "status=finished", status=422)["error"]["details"]["status"]
    assert _ids(api, project, "sort=colour", status=422)["error"]["details"]["sort"]
    unknown = _ids(api, project, "annotator=nobody", status=422)
    assert "nobody" in unknown["error"]["message"]
    assert "XYZ" in _ids(api, project, "label=XYZ", status=422)["error"]["message"]
    mixed = _ids(api, project, "sort=length&after=2", status=422)
    assert "after" in mixed["error"]["message"]
    # FTS5 operators in the words are words, not syntax.
    assert _ids(api, project, "q=cat%20OR%20NEAR%28dog%29") == []


def _annotate(app: Flask, project, username: str, did: int, spans: list, status: str) -> None:
    api = api_as(app, username)
    document = api.get(f"/projects/{project.id}/next").json
    assert document["document"]["id"] == did, document
    version = document["annotation"]["version"]
    saved = api.put(f"/documents/{did}/annotations/me",
                    json={"version": version, "status": status, "spans": spans})  # fmt: skip
    assert saved.status_code == 200, saved.json


def test_filters_status_annotator_label_gold_and_sort(app: Flask, project) -> None:
    cat = {"start": 4, "end": 7, "label": "PER"}
    _annotate(app, project, "ann1", 1, [cat], "submitted")
    _annotate(app, project, "ann2", 1, [cat], "submitted")
    _annotate(app, project, "ann1", 2, [{"start": 22, "end": 28, "label": "LOC"}], "draft")
    boss = api_as(app, "boss")
    rev = api_as(app, "rev")
    assert rev.get("/documents/1/gold").json["info"]["auto_accepted"]  # two agreeing: gold
    _annotate(app, project, "ann2", 2, [], "submitted")

    assert _ids(boss, project, "status=reviewed") == [1]
    assert _ids(boss, project, "status=in%20progress") == [2]
    assert _ids(boss, project, "status=new") == [3, 4, 5, 6]
    assert _ids(boss, project, "status=annotated") == []
    assert _ids(boss, project, "gold=true") == [1]
    assert _ids(boss, project, "gold=false") == [2, 3, 4, 5, 6]
    assert _ids(boss, project, "annotator=ann1") == [1, 2]
    assert _ids(boss, project, "annotator=ann2&q=berlin") == [2]
    assert _ids(rev, project, "label=LOC") == [2]
    assert _ids(rev, project, "label=PER&status=reviewed") == [1]
    assert _ids(boss, project, "sort=-id&per_page=2") == [6, 5]
    lengths = sorted((len(t), i + 1) for i, t in enumerate(TEXTS))
    assert _ids(boss, project, "sort=length") == [i for _, i in lengths]
    # The SQL status filter agrees with the status each row reports.
    for item in boss.get(f"/projects/{project.id}/documents").json["items"]:
        assert item["id"] in _ids(boss, project, f"status={item['status']}")


def test_blind_projects_keep_who_did_what_from_annotators(app: Flask, project) -> None:
    ann = api_as(app, "ann1")
    assert _ids(ann, project, "q=cat") == [1, 3]
    refused = _ids(ann, project, "annotator=ann2", status=403)
    assert "annotator" in refused["error"]["message"]
    assert _ids(ann, project, "label=PER", status=403)["error"]["code"] == "forbidden"


def test_keyset_pages_of_a_search_cover_every_hit_once(app: Flask, project, session) -> None:
    add_documents(session, project, [f"Paris number {i}." for i in range(7)])
    api = api_as(app, "boss")
    seen: list[int] = []
    query = "q=paris&per_page=3"
    while True:
        page = api.get(f"/projects/{project.id}/documents?{query}").json
        seen += [item["id"] for item in page["items"]]
        if page["next_after"] is None:
            break
        query = f"q=paris&per_page=3&after={page['next_after']}"
    assert seen == _words_regex([*TEXTS, *(f"Paris number {i}." for i in range(7))], ["paris"])
    assert page["total"] == len(seen)


def test_before_pages_backwards_by_key_and_page_by_offset_agrees(app: Flask, project) -> None:
    api = api_as(app, "boss")
    assert _ids(api, project, "per_page=2&before=5") == [3, 4]
    assert _ids(api, project, "per_page=2&page=2") == [3, 4]  # by offset, over ids
    assert _ids(api, project, "per_page=2&page=2&sort=-id") == [4, 3]
    first = api.get(f"/projects/{project.id}/documents?per_page=2&page=3&before=2").json
    assert [item["id"] for item in first["items"]] == [1] and first["page"] == 1
    assert first["next_after"] == 1
    assert _ids(api, project, "per_page=2&before=3&sort=-id") == [5, 4]
    assert _ids(api, project, "per_page=2&before=4&q=paris") == [1]
    _ids(api, project, "before=3&after=1", status=422)
    _ids(api, project, "before=3&sort=length", status=422)


def test_last_reads_the_final_page_from_the_end_as_offset_pages_line_up(app, project) -> None:
    """6 documents by 4: the last page is the 2 an offset read of page 2 gives, numbered 2,
    and the page before it by key is page 1 again. A capped count cannot number it."""
    api = api_as(app, "boss")
    last = api.get(f"/projects/{project.id}/documents?per_page=4&last=true").json
    assert [item["id"] for item in last["items"]] == [5, 6] and last["page"] == 2
    assert last["next_after"] is None
    assert _ids(api, project, "per_page=4&page=2") == [5, 6]
    assert _ids(api, project, "per_page=4&before=5") == [1, 2, 3, 4]
    assert _ids(api, project, "per_page=4&last=true&sort=-id") == [2, 1]
    assert _ids(api, project, "per_page=2&last=true&q=in") == [4]  # hits 1, 2, 4
    assert _ids(api, project, "per_page=3&last=true&q=in") == [1, 2, 4]
    _ids(api, project, "last=true&after=1", status=422)
    _ids(api, project, "last=true&sort=length", status=422)


def test_the_service_takes_filters_without_the_web(app: Flask, project, session) -> None:
    page = list_documents(session, project, filters=DocumentFilters(q="in", sort="-id"))
    assert [row.id for row in page.items] == [4, 2, 1]


def test_listings_count_documents_up_to_a_cap(app: Flask, project, session, monkeypatch) -> None:
    if session.get_bind().dialect.name == "postgresql":
        # A search the planner expects past 10x the cap is not counted: the estimate must come
        # from these 6 documents, not from statistics an earlier test's rows left behind.
        session.execute(text("ANALYZE document"))
    monkeypatch.setattr(documents, "COUNT_CAP", 2)
    api = api_as(app, "boss")
    capped = api.get(f"/projects/{project.id}/documents?q=in&per_page=2").json
    assert capped["total"] == 2 and capped["total_exact"] is False
    assert [item["id"] for item in capped["items"]] == [1, 2]
    page2 = api.get(f"/projects/{project.id}/documents?q=in&per_page=2&after=2").json
    assert [item["id"] for item in page2["items"]] == [4]
    exact = api.get(f"/projects/{project.id}/documents?q=paris").json
    assert exact["total"] == 2 and exact["total_exact"] is True
    # Other filters too: 6 new documents, counted up to 2.
    new = api.get(f"/projects/{project.id}/documents?status=new&per_page=4").json
    assert new["total"] == 2 and new["total_exact"] is False and len(new["items"]) == 4
    monkeypatch.setattr(documents, "COUNT_CAP", 6)
    assert api.get(f"/projects/{project.id}/documents?status=new").json["total_exact"] is True
    monkeypatch.setattr(documents, "COUNT_CAP", 2)
    # Unfiltered, the project's maintained count (tests/test_document_counts.py): exact.
    plain = api.get(f"/projects/{project.id}/documents?per_page=4").json
    assert plain["total"] == 6 and plain["total_exact"] is True
    # The page says "2+" while its pages are full (the pager then offers a next page past a
    # capped count: tests/test_browser_documents.py); a first page that is not full knows.
    client = sign_in(app.test_client(), "boss")
    html = client.get(f"/projects/{project.id}?status=new&q=in").get_data(as_text=True)
    assert re.search(r'id="documents-total"[^>]*>3 found</span>', html), html


def test_a_search_the_planner_puts_far_past_the_cap_is_not_counted(
    app: Flask, project, session, monkeypatch
) -> None:
    """On PostgreSQL a search whose estimated hits are over ESTIMATE_FACTOR x COUNT_CAP is
    reported as "COUNT_CAP+" without counting (a common word's count read 50,000+ rows at
    1M); a search estimated near the cap is still counted exactly."""
    from sqlalchemy import event, text

    add_documents(session, project, [f"Plenty of words, number {i}." for i in range(300)])
    postgres = session.get_bind().dialect.name == "postgresql"
    if postgres:
        session.execute(text("ANALYZE document"))
    monkeypatch.setattr(documents, "COUNT_CAP", 5)
    counts: list[str] = []
    engine = session.get_bind()

    def seen(conn, cursor, statement, params, context, many) -> None:  # noqa: ANN001
        if "count(" in statement.lower():
            counts.append(statement)

    event.listen(engine, "before_cursor_execute", seen)
    try:
        common = list_documents(session, project, filters=DocumentFilters(q="plenty"))
        common_counts = len(counts)
        rare = list_documents(session, project, filters=DocumentFilters(q="paris"))
        filtered = list_documents(session, project,
                                  filters=DocumentFilters(q="plenty", status="new"))  # fmt: skip
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert (common.total, common.total_exact) == (5, False)
    assert [row.id for row in common.items] == list(range(7, 57))
    # Words alone on PostgreSQL: the planner's estimate (300) settles it, nothing is counted.
    assert common_counts == (0 if postgres else 1)
    assert (rare.total, rare.total_exact) == (2, True)
    # Another filter beside the words: the estimate of an EXISTS is a guess, so it is counted.
    assert (filtered.total, filtered.total_exact) == (5, False)
    assert len(counts) == common_counts + 2


def test_a_word_common_elsewhere_but_rare_here_is_not_shown_past_the_cap(
    app: Flask, project, session, monkeypatch
) -> None:
    """PostgreSQL's estimate for a word comes from the whole table: a word in every document
    of another, larger project is estimated common in this one too. The first page, when not
    full, says how many there are: never "10,000+ found" above 0 or 3 hits."""
    boss = session.get(User, project.created_by_id)
    assert boss is not None
    other = make_project(session, boss, name="other")
    add_documents(session, other, [f"Plenty of words, number {i}." for i in range(300)])
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("ANALYZE document"))
    monkeypatch.setattr(documents, "COUNT_CAP", 1)
    monkeypatch.setattr(documents, "ESTIMATE_FACTOR", 1)
    none = list_documents(session, project, filters=DocumentFilters(q="plenty"))
    assert (none.total, none.total_exact, none.items) == (0, True, [])
    add_documents(session, project, [f"Plenty here too, {i}." for i in range(3)])
    few = list_documents(session, project, filters=DocumentFilters(q="plenty"))
    assert (few.total, few.total_exact, len(few.items)) == (3, True, 3)
    full = list_documents(session, project, per_page=2, filters=DocumentFilters(q="plenty"))
    assert (full.total, full.total_exact) == (1, False)  # a full page: the cap stands


def _walk(session, project, filters: DocumentFilters) -> list[tuple]:
    """Every way the list reads a search: totals, offset pages, keyset pages each way,
    the last page and the page before it."""
    seen: list[tuple] = []

    def page(**kwargs) -> documents.DocumentPage:
        got = list_documents(session, project, per_page=3, filters=filters, **kwargs)
        seen.append((kwargs, [item.id for item in got.items], got.total, got.total_exact,
                     got.next_after, got.page))  # fmt: skip
        return got

    first = page()
    page(page=2)
    if filters.sort in ("id", "-id"):
        after = first.next_after
        while after is not None:
            after = page(after=after).next_after
        last = page(last=True)
        if last.items:
            page(before=last.items[0].id)
    return seen


def test_a_search_in_a_small_project_beside_a_big_one_reads_as_before(
    app: Flask, project, session, monkeypatch
) -> None:
    """FTS5 is given the project's span of ids (``search._fts_span``), narrowed by a keyset
    page's bound: every listing, count and page, with each filter and sort, is what the
    query without the span returned, on both backends (PostgreSQL never used it). The
    projects' documents interleave, so the span holds the other project's too."""
    boss = session.get(User, project.created_by_id)
    assert boss is not None
    big = make_project(session, boss, name="big")
    add_documents(
        session, big, [f"The cat of Paris, number {i} in the big one." for i in range(40)]
    )
    gold = add_gold(session, project, wikigold_passages(4))
    add_documents(session, big, [f"In the big one the dog {i}." for i in range(30)])
    mine = add_documents(session, project, [f"The cat in the hat, {i}." for i in range(9)])
    add_documents(session, big, [f"The last of the big one, cat {i}." for i in range(20)])
    mine[2].meta, mine[5].meta, gold[1].meta = {"source": "a"}, {"source": "a"}, {"source": "b"}
    mine[3].archived_at = mine[4].archived_at = gold[2].archived_at = datetime.now(UTC)
    session.commit()
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("ANALYZE document"))
    filters = [DocumentFilters(), DocumentFilters(status="reviewed"), DocumentFilters(status="new"),
               DocumentFilters(label="PER"), DocumentFilters(meta="source=a"),
               DocumentFilters(archived=True), DocumentFilters(archived=False)]  # fmt: skip
    cases = [replace(f, q=q, sort=sort) for f in filters for sort in search.SORTS
             for q in ("the", "cat", "paris", "in the", "zebra")]  # fmt: skip
    monkeypatch.setattr(documents, "COUNT_CAP", 4)  # some counts capped, some exact
    now = [_walk(session, project, f) for f in cases]

    def unbounded(rowid, project, after, descending):  # noqa: ANN001, ANN202
        """The query before the span: only a keyset page's bound."""
        return [] if after is None else [rowid < after if descending else rowid > after]

    monkeypatch.setattr(search, "_fts_span", unbounded)
    assert [_walk(session, project, f) for f in cases] == now
    # and the answers are right: an independent regex over the project's texts
    texts = {d.id: d.text for d in session.scalars(
        select(Document).where(Document.project_id == project.id))}  # fmt: skip
    for q in ("the", "cat", "paris", "in the"):
        hits = list_documents(session, project, per_page=100, filters=DocumentFilters(q=q))
        ids = sorted(texts)
        assert [i.id for i in hits.items] == [ids[k - 1] for k in _words_regex(
            [texts[i] for i in ids], q.split())]  # fmt: skip
    assert sum(len(walk[0][1]) for walk in now) > 100  # the walks saw hits
