"""The shared text view (static/textview.js) in real Chromium: a selection maps to the same
whole tokens on the annotation and the adjudication screens, and review's commands never
swallow a label's hotkey."""

from __future__ import annotations

import pytest

from tests.factories import add_documents, make_project, make_user, make_users
from tests.helpers import api_as, browser_sign_in

pytestmark = pytest.mark.browser

TEXT = "Ada Lovelace met Charles Babbage in London."
# Tokens: 0 Ada, 1 Lovelace, 2 met, 3 Charles, 4 Babbage, 5 in, 6 London, 7 "."

# A DOM selection from (token, part, offset) to (token, part, offset); part "tx" is a token's
# text, "ws" the whitespace after it; offset -1 is the end of that text.
CASES = {
    "inside one token to inside another": ((0, "tx", 1), (1, "tx", 2), [0, 1]),
    "from the end of a token to the start of another": ((0, "tx", -1), (3, "tx", 0), [1, 2]),
    "from whitespace to whitespace": ((1, "ws", 0), (3, "ws", 1), [2, 3]),
    "a word, backwards selections snap the same": ((4, "tx", 7), (3, "tx", 0), [3, 4]),
}

SELECT = """([container, from, to]) => {
  const point = ([i, part, offset]) => {
    const node = document.querySelector(`${container} .t[data-i="${i}"] > .${part}`).firstChild;
    return [node, offset < 0 ? node.length : offset];
  };
  const [a, b] = [point(from), point(to)];
  const range = document.createRange();
  const backwards = a[0].compareDocumentPosition(b[0]) & Node.DOCUMENT_POSITION_PRECEDING;
  range.setStart(...(backwards ? b : a));
  range.setEnd(...(backwards ? a : b));
  const selection = getSelection();
  selection.removeAllRanges();
  selection.addRange(range);
  document.querySelector(container).dispatchEvent(new MouseEvent("mouseup", {bubbles: true}));
}"""


@pytest.fixture
def screens(app, session) -> dict:
    """One document an annotator annotates and one (the same words) a reviewer adjudicates."""
    admin = make_user(session, "admin", admin=True)
    make_users(session, "ann", "rev")
    project = make_project(session, admin, labels=("PER", "LOC"), overlap=1,
                           members={"ann": "annotator", "rev": "reviewer"})  # fmt: skip
    for label, key in zip(project.labels, "pl", strict=True):
        label.hotkey = key
    reviewed, annotated = add_documents(session, project, [TEXT, TEXT.replace(".", "!")])
    api = api_as(app, "ann")
    body = {"version": 0, "status": "submitted", "spans": []}
    assert api.put(f"/documents/{reviewed.id}/annotations/me", json=body).status_code == 200
    return {
        "annotate": f"/documents/{annotated.id}/annotate",
        "review": f"/documents/{reviewed.id}/review",
    }


SCREENS = {
    "annotate": ("ann", "#text", "#annotate[data-ready=true]"),
    "review": ("rev", ".rv-gold .rv-line", "#review[data-ready=true]"),
}


def _open(page, screens, screen: str) -> str:
    user, container, ready = SCREENS[screen]
    browser_sign_in(page, user)
    page.goto(screens[screen])
    if screen == "annotate":  # opening shows; the button takes the document
        page.click("text=Annotate this document")
    page.wait_for_selector(ready)
    return container


def _selected(page, container: str) -> list[int]:
    return page.eval_on_selector_all(f"{container} .t.sel", "els => els.map(e => +e.dataset.i)")


@pytest.mark.parametrize("screen", ["annotate", "review"])
def test_a_selection_snaps_to_the_same_whole_tokens_on_both_screens(screens, page, screen) -> None:
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    container = _open(page, screens, screen)
    for name, (start, end, tokens) in CASES.items():
        page.evaluate(SELECT, [container, start, end])
        assert _selected(page, container) == tokens, name
        assert page.evaluate("getSelection().isCollapsed"), name  # the tokens show it now
    # Whitespace alone selects nothing, and says so.
    page.evaluate(SELECT, [container, (2, "ws", 0), (2, "ws", 1)])
    assert "covers no token" in page.locator("#notice").inner_text()
    # A mouse drag from inside "Charles" to inside "Babbage", then the PER hotkey.
    first = page.locator(f'{container} .t[data-i="3"] > .tx').bounding_box()
    second = page.locator(f'{container} .t[data-i="4"] > .tx').bounding_box()
    page.mouse.move(first["x"] + 3, first["y"] + first["height"] / 2)
    page.mouse.down()
    page.mouse.move(second["x"] + second["width"] - 4, second["y"] + second["height"] / 2, steps=5)
    page.mouse.up()
    assert _selected(page, container) == [3, 4]
    page.keyboard.press("Shift+ArrowRight")  # the keyboard extends it by a token
    assert _selected(page, container) == [3, 4, 5]
    page.keyboard.press("Shift+ArrowLeft")
    page.keyboard.press("p")
    marked = page.eval_on_selector_all(
        f"{container} .t.ent > .tx", "els => els.map(e => e.textContent)"
    )
    assert marked == ["Charles", "Babbage"]
    assert page.get_attribute(f'{container} .t[data-i="3"]', "data-label") == "PER"
    assert errors == []


def test_review_commands_never_swallow_a_label_hotkey(app, session, page) -> None:
    """Labels on the letters review's commands used to take (a accept, r reject, j / k move):
    each now labels, and the commands still work with Shift."""
    admin = make_user(session, "admin", admin=True)
    make_users(session, "rev", "ann1", "ann2", "ann3")
    members = {"ann1": "annotator", "ann2": "annotator", "ann3": "annotator", "rev": "reviewer"}
    project = make_project(session, admin, labels=("A", "R", "J", "K"), overlap=3, members=members)
    for label in project.labels:
        label.hotkey = label.name.lower()
    (document,) = add_documents(session, project, [TEXT])

    def span(word: str, label: str) -> dict:
        return {"start": TEXT.index(word), "end": TEXT.index(word) + len(word), "label": label}

    ada, babbage, london = (
        span("Ada Lovelace", "A"),
        span("Charles Babbage", "A"),
        span("London", "A"),
    )
    for name, spans in {"ann1": [ada, london], "ann2": [ada, babbage], "ann3": [ada]}.items():
        body = {"version": 0, "status": "submitted", "spans": spans}
        assert (
            api_as(app, name).put(f"/documents/{document.id}/annotations/me", json=body).status_code
            == 200
        )
    browser_sign_in(page, "rev")
    page.goto(f"/documents/{document.id}/review")
    page.wait_for_selector("#review[data-ready=true]")
    page.keyboard.press("r")  # Ada Lovelace (current) becomes R, not rejected
    page.keyboard.press("j")  # ... then J; the current candidate stays
    page.keyboard.press("Shift+J")  # Charles Babbage
    page.keyboard.press("a")  # relabelled A and accepted
    page.keyboard.press("Shift+J")  # London
    page.keyboard.press("Shift+R")  # rejected
    page.keyboard.press("Shift+K")
    page.keyboard.press("Shift+K")
    current = page.locator('.cand[aria-current="true"] q').inner_text()
    assert current == "Ada Lovelace"
    page.evaluate(SELECT, [".rv-gold .rv-line", (6, "tx", 0), (6, "tx", -1)])
    page.keyboard.press("k")  # with text selected: a span nobody made, labelled K
    page.keyboard.press("Control+Enter")
    page.wait_for_selector("#save-state[data-state=saved]:has-text('gold v')")
    gold = api_as(app, "rev").get(f"/documents/{document.id}/gold").json
    spans = [(TEXT[s["start"] : s["end"]], s["label"]) for s in gold["spans"]]
    assert spans == [("Ada Lovelace", "J"), ("Charles Babbage", "A"), ("London", "K")]
