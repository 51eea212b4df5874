// Span categories on the annotation screen (static/annotate.js imports it): spans that may
// overlap and nest (unless the project keeps them apart), drawn as stacked underlines, one
// level per nesting depth; a click or Enter on a token picks the innermost span there and
// repeating it walks outward; a span label's key adds a span over the selection or relabels
// the picked one; Delete removes it. The spans live in the annotation state as
// `state.spans = [{ s, e, label }]` in tokens (textview.js's "spans" codec).
import { h } from "./textview.js";

export const MAX_LEVELS = 4;  // underlines drawn; deeper spans share the last one

/** Each span's level: outer spans low, a span nested in (or overlapping) an earlier one a
 * level above it. Returns a Map span -> level. */
export function levels(spans) {
  const out = new Map();
  const placed = [];
  const sorted = [...spans].sort((a, b) => a.s - b.s || b.e - a.e);
  for (const x of sorted) {
    let level = 0;
    while (placed.some((y) => out.get(y) === level && y.s < x.e && x.s < y.e)) level++;
    out.set(x, level);
    placed.push(x);
  }
  return out;
}

/** The spans covering token `i`, innermost (shortest) first. */
export function spansAt(spans, i) {
  return spans.filter((x) => x.s <= i && i < x.e).sort((a, b) => (a.e - a.s) - (b.e - b.s) || b.s - a.s);
}

/** The editor, bound to the screen's state and helpers. */
export function spanCatEditor({ state, change, selection, notice, tokens, labels, overlap, paint }) {
  const colors = new Map(labels.map((l) => [l.name, l.color]));
  const quote = (x) => tokens.slice(x.s, x.e);
  let active = null;  // the picked span (an object of state().spans)
  let pickedAt = null;  // the token the last click or Enter picked at: a repeat walks outward
  const list = () => state().spans || [];
  const same = (a, b) => a && b && a.s === b.s && a.e === b.e && a.label === b.label;

  function pick(x) {
    active = x;
    if (x) selection.set(x.s, x.e);
    paint();
  }
  /** Click or Enter on token `i`: the innermost span there, then the next one outward. */
  function activate(i) {
    const here = spansAt(list(), i);
    if (!here.length) { active = null; return false; }
    const k = pickedAt === i ? here.findIndex((x) => same(x, active)) : -1;
    pick(here[(k + 1) % here.length]);
    pickedAt = i;
    notice.show(`Span ${active.label} “${quote(active)}”${here.length > 1 ? ` (${here.indexOf(active) + 1} of ${here.length} here: again for the next outward)` : ""}.`);
    return true;
  }
  /** A span label's key: relabels the picked span while the selection is still its range,
   * else adds a span over the selection. */
  function label(name) {
    pickedAt = null;
    const [s, e] = selection.range();
    const picked = active && list().find((x) => same(x, active));
    if (picked && picked.s === s && picked.e === e) {
      if (picked.label === name) return;
      change(() => { picked.label = name; });
      active = { ...picked };
      return paint();
    }
    if (list().some((x) => x.s === s && x.e === e && x.label === name)) return notice.show(`“${tokens.slice(s, e)}” is already ${name}.`);
    const clash = overlap === "none" && list().find((x) => x.s < e && s < x.e);
    if (clash) return notice.show(`Refused: this project keeps span categories apart, and “${tokens.slice(s, e)}” overlaps ${clash.label} “${quote(clash)}”.`);
    change(() => {
      state().spans.push({ s, e, label: name });
      state().spans.sort((a, b) => a.s - b.s || b.e - a.e);
    });
    active = { s, e, label: name };
    paint();
  }
  /** Delete: the picked span, else the innermost one at the cursor. */
  function remove() {
    const target = (active && list().find((x) => same(x, active))) || spansAt(list(), selection.cursor)[0];
    if (!target) return notice.show("No span category under the cursor.");
    change(() => { state().spans = list().filter((x) => x !== target); });
    active = null;
    selection.clear();
    notice.show(`Removed span ${target.label} “${quote(target)}”.`);
    paint();
  }
  function relabelAt(index, name) {
    const x = list()[index];
    if (!x || x.label === name) return;
    change(() => { x.label = name; });
  }
  function removeAt(index) {
    const x = list()[index];
    if (x) change(() => { state().spans = list().filter((y) => y !== x); });
  }
  /** Stacked underlines: --scN is the color of the span at level N over the token;
   * data-sc lists "LABEL@level" of every span over it. */
  function painter(deco) {
    const spans = list();
    const at = levels(spans);
    for (const x of spans) {
      if (x.e <= deco.first || x.s >= deco.last) continue;
      const level = Math.min(at.get(x), MAX_LEVELS - 1);
      const picked = same(x, active);
      deco.range(x.s, x.e, (i, begin, end) => {
        const d = deco.get(i);
        deco.cls(i, "sc", begin && "sc-b", end && "sc-e", picked && "sc-active");
        deco.css(i, `--sc${level}`, colors.get(x.label) || "#888");
        deco.data(i, "sc", `${d.data.sc ? `${d.data.sc} ` : ""}${x.label}@${at.get(x)}`);
      });
    }
  }
  function paintList() {
    const el = document.getElementById("span-cats");
    if (!el) return;
    const at = levels(list());
    el.replaceChildren(...list().map((x, index) => h("li", { class: "span-cat", style: { "--c": colors.get(x.label) || "#888", "--lvl": at.get(x) } },
      h("button", { type: "button", class: "mention", data: { action: "pick-span", index }, text: quote(x) }), " ",
      h("select", { "aria-label": "span label", data: { action: "relabel-span", index } },
        labels.map((l) => h("option", { value: l.name, selected: l.name === x.label, text: l.name }))), " ",
      h("button", { type: "button", class: "small", data: { action: "del-span", index }, title: "delete this span" }, "delete"))));
  }
  return {
    activate, label, remove, relabelAt, removeAt, painter, paintList,
    pickAt: (index) => { pickedAt = null; pick(list()[index] || null); },
    clear: () => { active = null; pickedAt = null; },
    get active() { return active; },
  };
}
