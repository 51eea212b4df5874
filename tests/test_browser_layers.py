"""Relations and document labels on the annotation page in real Chromium, keyboard first:
an entity, a relation key, the arrows to the other entity, Enter; category hotkeys; delete,
undo, redo; deleting an entity removes its relations with a notice; submit saves them."""

from __future__ import annotations

import pytest

from tests.factories import add_documents, make_user, make_users
from tests.helpers import api_as, browser_sign_in

pytestmark = pytest.mark.browser

TEXT = "Ada Lovelace met Charles Babbage in London."
# Tokens: 0 Ada, 1 Lovelace, 2 met, 3 Charles, 4 Babbage, 5 in, 6 London, 7 "."
ADA, CHARLES, LONDON = (0, 12), (17, 32), (36, 42)


def _rel(head, child, label):
    return {"head": {"start": head[0], "end": head[1]},
            "child": {"start": child[0], "end": child[1]}, "label": label}  # fmt: skip


@pytest.fixture
def url(app, session) -> str:
    from textlabel.models import Project

    make_user(session, "mgr")
    make_users(session, "ann")
    manager = api_as(app, "mgr")
    project = manager.post("/projects", json={
        "name": "Layers", "overlap": 1,
        "labels": [{"name": "PER", "hotkey": "p"}, {"name": "LOC", "hotkey": "l"}],
        "layers": ["entities", "relations", "cats"],
        "relation_labels": [
            {"name": "lives_in", "hotkey": "i", "heads": ["PER"], "children": ["LOC"]},
            {"name": "knows", "hotkey": "k", "directed": False},
        ],
        "categories": [{"name": "science", "hotkey": "s"}, {"name": "politics", "hotkey": "o"}],
        "cats_mode": "single",
    }).json  # fmt: skip
    manager.post(f"/projects/{project['id']}/members", json={"username": "ann",
                                                            "role": "annotator"})  # fmt: skip
    (document,) = add_documents(session, session.get(Project, project["id"]), [TEXT])
    spans = [{"start": s, "end": e, "label": label}
             for (s, e), label in ((ADA, "PER"), (CHARLES, "PER"), (LONDON, "LOC"))]  # fmt: skip
    saved = api_as(app, "ann").put(f"/documents/{document.id}/annotations/me",
                                   json={"version": 0, "spans": spans})  # fmt: skip
    assert saved.status_code == 200
    return f"/documents/{document.id}"


def _relations(page) -> list[str]:
    """Each relation as "head label → child" (the label is the selected option)."""
    return page.eval_on_selector_all(
        "#relations li",
        """els => els.map(e => {
          const ends = [...e.querySelectorAll('.mention')].map(b => b.textContent);
          return `${ends[0]} ${e.querySelector('select').value} → ${ends[1]}`;
        })""",
    )


def _pressed(page) -> list[str]:
    return page.eval_on_selector_all(
        "#cats-bar [aria-pressed=true]", "els => els.map(e => e.dataset.cat)"
    )


def test_relations_and_document_labels_with_the_keyboard(app, page, url) -> None:
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    browser_sign_in(page, "ann")
    page.goto(f"{url}/annotate")
    page.wait_for_selector("#annotate[data-ready=true]")
    page.click('#text .t[data-i="0"]')  # selects the entity "Ada Lovelace"
    page.keyboard.press("i")  # lives_in: only LOC entities can be its child
    assert "“Ada Lovelace” → “London”" in page.locator("#notice").inner_text()
    page.keyboard.press("Enter")
    assert _relations(page) == ["Ada Lovelace lives_in → London"]
    page.click('#text .t[data-i="0"]')
    page.keyboard.press("k")  # knows: the next entity first, the arrows move on and back
    assert "→ “Charles Babbage”" in page.locator("#notice").inner_text()
    page.keyboard.press("ArrowRight")
    assert "→ “London”" in page.locator("#notice").inner_text()
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("Enter")
    assert _relations(page) == ["Ada Lovelace lives_in → London",
                                "Ada Lovelace knows → Charles Babbage"]  # fmt: skip
    # document labels: single choice, the hotkey of the other replaces the first
    page.keyboard.press("s")
    assert _pressed(page) == ["science"]
    page.keyboard.press("o")
    assert _pressed(page) == ["politics"]
    page.keyboard.press("Control+z")
    assert _pressed(page) == ["science"]
    page.keyboard.press("Control+Shift+z")
    assert _pressed(page) == ["politics"]
    # delete a relation from the list, undo brings it back
    page.click("#relations li:first-child [data-action=del-relation]")
    assert _relations(page) == ["Ada Lovelace knows → Charles Babbage"]
    page.keyboard.press("Control+z")
    assert len(_relations(page)) == 2
    # relabel from the list, undo takes it back
    page.select_option("#relations li:nth-child(2) select", "lives_in")
    assert _relations(page)[1] == "Ada Lovelace lives_in → Charles Babbage"
    page.keyboard.press("Control+z")
    assert _relations(page)[1] == "Ada Lovelace knows → Charles Babbage"
    # deleting an entity removes the relations on it, and says so
    page.click('#text .t[data-i="6"]')
    page.keyboard.press("Delete")
    assert "Removed 1 relation(s) on the deleted entity" in page.locator("#notice").inner_text()
    assert _relations(page) == ["Ada Lovelace knows → Charles Babbage"]
    page.keyboard.press("Control+Enter")
    page.wait_for_url(lambda address: "/annotate" not in address)  # the next task, or none
    saved = api_as(app, "ann").get(f"{url}/annotations/me").json
    assert saved["status"] == "submitted"
    assert saved["relations"] == [_rel(ADA, CHARLES, "knows")]
    assert saved["cats"] == {"politics": 1.0}
    assert [s["label"] for s in saved["spans"]] == ["PER", "PER"]
    assert errors == []


def test_typed_prefix_chooses_the_other_entity_and_arcs_join_the_ends(app, page, url) -> None:
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    browser_sign_in(page, "ann")
    page.goto(f"{url}/annotate")
    page.wait_for_selector("#annotate[data-ready=true]")
    page.click('#text .t[data-i="0"]')  # the entity "Ada Lovelace"
    page.keyboard.press("k")  # knows: Charles Babbage is offered first
    assert "→ “Charles Babbage”" in page.locator("#notice").inner_text()
    page.keyboard.type("x")
    assert "starts with “x”" in page.locator("#notice").inner_text()
    page.keyboard.type("Lo")  # case does not matter, the prefix chooses London
    notice = page.locator("#notice").inner_text()
    assert "→ “London”" in notice and "typed “Lo”" in notice
    page.keyboard.press("Enter")
    assert _relations(page) == ["Ada Lovelace knows → London"]
    # one arc, from above the head's first token to above the child's
    assert page.eval_on_selector_all(
        "svg.arcs path.arc", "els => els.map(e => e.dataset.label)"
    ) == ["knows"]
    ends = page.evaluate("""() => {
        const host = document.querySelector('svg.arcs').parentElement.getBoundingClientRect();
        const mid = (i) => { const r = document.querySelector(`#text .t[data-i="${i}"]`)
            .getBoundingClientRect(); return r.left - host.left + r.width / 2; };
        const d = document.querySelector('svg.arcs path.arc').getAttribute('d');
        const xs = d.match(/-?[0-9.]+/g).map(Number);
        return [xs[0], mid(0), xs[xs.length - 2], mid(6)];
    }""")
    assert ends[0] == pytest.approx(ends[1], abs=1) and ends[2] == pytest.approx(ends[3], abs=1)
    page.click("#relations li:first-child [data-action=del-relation]")
    assert page.locator("svg.arcs path.arc").count() == 0
    assert errors == []
