"""The annotation page in real headless Chromium: mouse and keyboard labelling, suggestions,
POS, coreference, autosave across reloads, the two-tab conflict, submit."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.factories import add_documents, make_project, make_user
from tests.helpers import browser_sign_in
from textlabel.models import Annotation, Span
from textlabel.nlp.pipeline import tokenize_text

pytestmark = pytest.mark.browser

TEXT = "Ada Lovelace met Charles Babbage in London. She wrote the first program."
WORDS = ["Ada", "Lovelace", "met", "Charles", "Babbage", "in", "London", ".", "She"]


@pytest.fixture
def prepared(app, session):
    """A project with one pre-annotated document (LOC suggestion on London, model POS)."""
    admin = make_user(session, "admin", admin=True)
    make_user(session, "ann")
    project = make_project(
        session, admin, labels=("PER", "ORG", "LOC"), members={"ann": "annotator"},
        layers=["entities", "pos", "coref"],
    )  # fmt: skip
    for label, key in zip(project.labels, "pol", strict=True):
        label.hotkey = key
    first, _second = add_documents(session, project, [TEXT, "Grace Hopper wrote COBOL."])
    first.tokens = tokenize_text(TEXT).to_stored()
    n_tokens = len(first.tokens["offsets"]) // 2
    prediction = Annotation(document_id=first.id, kind="prediction", pos=["PROPN"] * n_tokens)
    london = TEXT.index("London")
    prediction.spans.append(
        Span(layer="ent", start_char=london, end_char=london + 6, start_token=6, end_token=7,
             label="LOC", source="model", score=0.87)
    )  # fmt: skip
    charles = TEXT.index("Charles")
    prediction.spans.append(
        Span(layer="coref", start_char=charles, end_char=charles + 15, start_token=3,
             end_token=5, cluster=1, source="model")
    )  # fmt: skip
    session.add(prediction)
    session.commit()
    return {"project": project, "document": first}


def _open(page, prepared) -> None:
    browser_sign_in(page, "ann")
    page.goto(f"/projects/{prepared['project'].id}")
    page.click("text=Start annotating")
    page.wait_for_selector("#annotate[data-ready=true]")


def _token(page, i: int):
    return page.locator(f'#text .t[data-i="{i}"]')


def _saved(page, version: int) -> None:
    # A function, not an expression: Playwright evaluates expressions with eval, which the
    # Content-Security-Policy (script-src 'self') refuses.
    page.wait_for_function(
        "(version) => document.querySelector('#save-state').dataset.state === 'saved' && "
        "+document.querySelector('#version').textContent >= version",
        arg=version,
    )


def _own_spans(session, layer: str = "ent") -> list[tuple]:
    session.expire_all()
    rows = session.execute(
        select(Span.start_char, Span.end_char, Span.label, Span.cluster)
        .join(Annotation)
        .where(Annotation.kind == "manual", Span.layer == layer)
        .order_by(Span.start_char)
    ).all()
    return [(TEXT[r[0] : r[1]], r[2] if layer == "ent" else r[3]) for r in rows]


def test_mouse_keyboard_and_suggestion_are_saved_and_survive_reload(prepared, session, page):
    _open(page, prepared)
    assert [t.strip() for t in page.locator("#text .t .tx").all_inner_texts()[:9]] == WORDS
    assert "dashed" in _token(page, 6).locator(".tx").evaluate(
        "e => getComputedStyle(e).outlineStyle"
    )
    assert "0.87" in (_token(page, 6).get_attribute("title") or "")
    # Mouse: drag from inside "Ada" to inside "Lovelace", then the PER hotkey.
    first = _token(page, 0).locator(".tx").bounding_box()
    second = _token(page, 1).locator(".tx").bounding_box()
    page.mouse.move(first["x"] + 3, first["y"] + first["height"] / 2)
    page.mouse.down()
    page.mouse.move(second["x"] + second["width"] - 4, second["y"] + second["height"] / 2, steps=5)
    page.mouse.up()
    page.keyboard.press("p")
    assert _token(page, 0).get_attribute("data-label") == "PER"
    assert "ent-e" in _token(page, 1).get_attribute("class")
    # Keyboard only: cursor to "Charles", extend over "Babbage", ORG hotkey.
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("Shift+ArrowRight")
    page.keyboard.press("o")
    assert _token(page, 3).get_attribute("data-label") == "ORG"
    # An overlapping label ("met Charles") is refused with a visible reason.
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("Shift+ArrowRight")
    page.keyboard.press("l")
    assert "overlap" in page.locator("#notice").inner_text()
    # Accept the model's suggestion on "London" with Enter.
    page.keyboard.press("Escape")
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    assert "cur" in _token(page, 6).get_attribute("class").split()
    page.keyboard.press("Enter")
    assert _token(page, 6).get_attribute("data-label") == "LOC"
    _saved(page, 2)
    page.reload()
    page.wait_for_selector("#annotate[data-ready=true]")
    labels = {i: _token(page, i).get_attribute("data-label") for i in (0, 3, 6)}
    assert labels == {0: "PER", 3: "ORG", 6: "LOC"}
    assert _own_spans(session) == [
        ("Ada Lovelace", "PER"),
        ("Charles Babbage", "ORG"),
        ("London", "LOC"),
    ]


def test_pos_change_and_coreference_chain(prepared, session, page):
    _open(page, prepared)
    page.keyboard.press("?")
    assert page.locator("#help").is_visible()
    assert "Shift" in page.locator("#help").inner_text()
    page.keyboard.press("Escape")
    page.keyboard.press("Shift+T")
    assert _token(page, 2).get_attribute("data-pos") == "PROPN"
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("Shift+P")
    page.locator("#pos-picker").select_option("VERB")
    page.keyboard.press("Enter")
    assert _token(page, 2).get_attribute("data-pos") == "VERB"
    assert "pos-changed" in _token(page, 2).get_attribute("class")
    # Coreference: "Ada Lovelace" starts a chain, "She" is linked to it with key 1.
    page.keyboard.press("Shift+C")
    page.keyboard.press("ArrowUp")
    page.keyboard.press("Shift+ArrowRight")
    page.keyboard.press("Shift+N")
    for _ in range(7):
        page.keyboard.press("ArrowRight")
    assert _token(page, 8).get_attribute("class").count("cur") == 1
    page.keyboard.press("1")
    chain = page.locator("#chains li").first
    assert chain.locator(".mention").all_inner_texts() == ["Ada Lovelace", "She"]
    page.keyboard.press("Shift+M")  # the model's chain (Charles Babbage) joins as chain 2
    assert page.locator("#chains li").nth(1).locator(".mention").all_inner_texts() == [
        "Charles Babbage"
    ]
    _saved(page, 2)
    assert _own_spans(session, "coref") == [("Ada Lovelace", 1), ("Charles Babbage", 2), ("She", 1)]
    session.expire_all()
    pos = session.scalar(select(Annotation.pos).where(Annotation.kind == "manual"))
    assert pos[2] == "VERB" and pos.count(None) == len(pos) - 1


def test_two_tabs_conflict_then_merge_loses_nothing(prepared, session, page):
    _open(page, prepared)
    other = page.context.new_page()
    other.goto(page.url)
    other.wait_for_selector("#annotate[data-ready=true]")
    page.keyboard.press("p")  # "Ada" as PER in the first tab
    _saved(page, 2)
    for _ in range(6):
        other.keyboard.press("ArrowRight")
    other.keyboard.press("l")  # "London" as LOC in the stale second tab
    other.wait_for_selector("#conflict:not([hidden])")
    assert "saved elsewhere" in other.locator("#conflict").inner_text()
    assert _own_spans(session) == [("Ada", "PER")]
    other.click("text=Merge my changes into it and save")
    _saved(other, 3)
    assert _own_spans(session) == [("Ada", "PER"), ("London", "LOC")]


def test_submit_opens_the_next_document(prepared, page):
    _open(page, prepared)
    first_url = page.url
    page.keyboard.press("p")
    page.click("button:has-text('Submit')")
    page.wait_for_function("(first) => location.href !== first", arg=first_url)
    page.wait_for_selector("#annotate[data-ready=true]")
    assert page.locator("#text").inner_text().startswith("Grace Hopper")


def test_long_document_pages_by_window_with_undo_redo_and_delete(app, prepared, session, page):
    app.config["ANNOTATE_WINDOW_TOKENS"] = 8  # two windows for the first document
    _open(page, prepared)
    assert page.locator("#text .t").count() == 8
    page.keyboard.press("PageDown")
    page.wait_for_selector('#text .t[data-i="8"]')
    assert page.locator('#text .t[data-i="0"]').count() == 0
    assert page.locator("#text .t .tx").first.inner_text() == "She"
    page.keyboard.press("p")  # "She" as PER, in the second window
    assert _token(page, 8).get_attribute("data-label") == "PER"
    page.keyboard.press("Control+z")
    assert _token(page, 8).get_attribute("data-label") is None
    page.keyboard.press("Control+Shift+Z")
    assert _token(page, 8).get_attribute("data-label") == "PER"
    _saved(page, 2)
    assert _own_spans(session) == [("She", "PER")]
    page.keyboard.press("Delete")
    assert _token(page, 8).get_attribute("data-label") is None
    _saved(page, 3)
    assert _own_spans(session) == []
    page.keyboard.press("ArrowLeft")  # past the window's start: the previous window, last token
    page.wait_for_selector('#text .t[data-i="7"].cur')
    assert page.locator('#text .t[data-i="8"]').count() == 0


def test_changes_made_offline_survive_closing_the_tab(prepared, session, page):
    _open(page, prepared)
    context, url = page.context, page.url
    page.route("**/annotations/me", lambda route: route.abort())  # the server is unreachable
    page.keyboard.press("p")
    page.wait_for_selector("#save-state[data-state=offline]")
    page.close()
    assert _own_spans(session) == []
    again = context.new_page()
    again.goto(url)
    again.wait_for_selector("#annotate[data-ready=true]")
    assert "Restored changes" in again.locator("#notice").inner_text()
    _saved(again, 2)
    assert _own_spans(session) == [("Ada", "PER")]


def test_accept_confident_chains_takes_only_sure_whole_chains(prepared, session, page):
    # the model also found "Ada Lovelace ... She" (confidence 0.9) and "London ... the first
    # program" (0.3): the button takes the first whole and leaves the weak one
    prediction = session.scalar(select(Annotation).where(Annotation.kind == "prediction"))
    found = (("Ada Lovelace", 0, 2, 2, 0.9), ("She", 8, 9, 2, 0.9), ("London", 6, 7, 3, 0.3),
             ("the first program", 10, 13, 3, 0.3))  # fmt: skip
    for text, start_token, end_token, cluster, score in found:
        start = TEXT.index(text)
        prediction.spans.append(
            Span(layer="coref", start_char=start, end_char=start + len(text),
                 start_token=start_token, end_token=end_token, cluster=cluster,
                 source="model", score=score)
        )  # fmt: skip
    session.commit()
    _open(page, prepared)
    page.keyboard.press("Shift+C")
    page.click("button[data-action=confident-chains]")
    chains = page.locator("#chains li")
    assert chains.count() == 1
    assert chains.first.locator(".mention").all_inner_texts() == ["Ada Lovelace", "She"]
    _saved(page, 1)
    assert _own_spans(session, "coref") == [("Ada Lovelace", 1), ("She", 1)]
