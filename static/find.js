// Find in the document (annotation screen). The whole text is in the page, only a window of
// it is drawn: the finder searches the text, case-insensitively, snaps each hit to tokens,
// marks the hits of the window shown and jumps between hits across windows (the pager opens
// the window that holds a hit, and the hit is selected there, ready for a label key).
import { h } from "./textview.js";

export class Finder {
  /** `box`: the find bar (hidden while closed); `tokens`: the document's Tokens; `cursor()`:
   * where the first jump starts from; `jump(hit)`: moves the cursor to hit.s (opening its
   * window); `select(hit)`: selects the hit if it is shown, else false. */
  constructor({ box, tokens, cursor, jump, select, paint, close }) {
    Object.assign(this, { box, tokens, cursor, jump, select, paint, onClose: close, hits: [], at: -1, wanted: null });
    this.input = box.querySelector("input");
    this.count = box.querySelector("[data-find=count]");
    this.input.addEventListener("input", () => this.search());
    this.input.addEventListener("keydown", (event) => {
      if (event.key === "Enter") { event.preventDefault(); this.step(event.shiftKey ? -1 : 1); }
      if (event.key === "Escape") { event.preventDefault(); this.close(); }
    });
    box.addEventListener("click", (event) => {
      const what = event.target.closest("[data-find]");
      if (!what) return;
      if (what.dataset.find === "next") this.step(1);
      if (what.dataset.find === "prev") this.step(-1);
      if (what.dataset.find === "close") this.close();
    });
  }
  get open() { return !this.box.hidden; }
  show() {
    this.box.hidden = false;
    this.input.focus();
    this.input.select();
  }
  close() {
    this.box.hidden = true;
    this.hits = [];
    this.at = -1;
    this.paint();
    this.onClose();
  }
  /** Every occurrence of the words, as token ranges {s, e}; none inside a single token's gap. */
  search() {
    const words = this.input.value.trim().toLowerCase();
    const text = this.tokens.text.toLowerCase();
    const hits = [];
    if (words) {
      for (let from = text.indexOf(words); from !== -1; from = text.indexOf(words, from + 1)) {
        const range = this.tokens.snap(from, from + words.length);
        const last = hits[hits.length - 1];
        if (range && !(last && last.s === range[0] && last.e === range[1])) hits.push({ s: range[0], e: range[1] });
      }
    }
    this.hits = hits;
    this.at = -1;
    this.counted();
    this.paint();
  }
  counted() {
    const n = this.hits.length;
    this.count.textContent = !this.input.value.trim() ? "" : n === 0 ? "no match"
      : this.at < 0 ? `${n} ${n === 1 ? "match" : "matches"}` : `${this.at + 1} of ${n}`;
  }
  /** The next (dir 1) or previous hit, wrapping around; from the cursor's place at first. */
  step(dir) {
    const n = this.hits.length;
    if (!n) return;
    if (this.at < 0) {
      const cursor = this.cursor();
      const after = this.hits.findIndex((x) => x.s >= cursor);
      this.at = dir > 0 ? (after < 0 ? 0 : after) : ((after < 0 ? n : after) - 1 + n) % n;
    } else {
      this.at = (this.at + dir + n) % n;
    }
    this.counted();
    this.wanted = this.hits[this.at];
    this.jump(this.wanted);
    this.landed();
  }
  /** After a jump or a window swap: selects the wanted hit if it is on screen now. */
  landed() {
    if (this.wanted && this.select(this.wanted)) this.wanted = null;
    this.paint();
  }
  painter() {
    return (deco) => {
      const current = this.hits[this.at];
      for (const hit of this.hits) deco.range(hit.s, hit.e, (i) => deco.cls(i, hit === current ? "hit-cur" : "hit"));
    };
  }
}

/** The find bar's markup, built with DOM calls (the template holds an empty container). */
export function findBar(box) {
  box.replaceChildren(
    h("input", { type: "search", placeholder: "Find in the document", "aria-label": "find in the document" }),
    " ", h("span", { class: "small muted", data: { find: "count" }, "aria-live": "polite" }),
    " ", h("button", { type: "button", data: { find: "prev" }, title: "previous (Shift+Enter)", text: "↑" }),
    h("button", { type: "button", data: { find: "next" }, title: "next (Enter)", text: "↓" }),
    h("button", { type: "button", data: { find: "close" }, title: "close (Esc)", text: "×" }),
  );
  return box;
}
