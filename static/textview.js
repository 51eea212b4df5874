// The text view shared by the annotation and the adjudication screens (static/annotate.js,
// static/review.js import it; no build step). It owns what both screens do with a document's
// text: the stored token offsets (the one browser decoder of {"offsets", "sent_starts"};
// textlabel/tokens.py is its Python twin), the server-rendered token elements of the current
// window (one DOM shape, textlabel/web/textview.py), painters that decorate them, the token
// selection (mouse and keyboard, snapped to whole tokens), paging through windows, the layers'
// payload codecs, saving with PUT and 409 handling, notices, the save state, the unload guard
// and the CSRF token. Nothing here writes HTML: the DOM is built with textContent (h()).
//
// A new annotation layer adds an entry to LAYERS (its payload key, how it reads, writes and
// merges) and a painter (a function of (deco, row) registered with view.painters.push).

// ---- DOM, state, CSRF --------------------------------------------------------------------------
export const $ = (selector, root = document) => root.querySelector(selector);

/** An element with props (class, text, data, style, other attributes) and children (nodes
 * or strings, which become text nodes). */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value == null || value === false) continue;
    if (key === "class") el.className = value;
    else if (key === "text") el.textContent = value;
    else if (key === "data") Object.assign(el.dataset, value);
    else if (key === "style") for (const [p, v] of Object.entries(value)) el.style.setProperty(p, v);
    else el.setAttribute(key, value === true ? "" : value);
  }
  el.append(...children.flat().filter((c) => c != null && c !== false));
  return el;
}

export const csrfToken = () => JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"];
export const readState = (id) => JSON.parse(document.getElementById(id).textContent);

/** A label's hotkey pressed without a modifier (label hotkeys are lower-case letters and
 * digits; every command uses Shift or Ctrl, so the two never collide). */
export function labelKey(event, labels) {
  if (event.ctrlKey || event.metaKey || event.altKey) return null;
  const label = labels.find((l) => l.hotkey && l.hotkey === event.key);
  return label ? label.name : null;
}

/** Whether a key event belongs to a form field rather than to the text view. */
export const inField = (event) => Boolean(event.target.closest && event.target.closest("input, textarea, select"));

/** Shows (true), hides (false) or toggles the help overlay, opened at its top; focus goes back
 * to `back` when it closes. True if it is open. */
export function toggleHelp(show, back) {
  const help = $("#help");
  help.hidden = show === undefined ? !help.hidden : !show;
  const box = help.firstElementChild;
  if (!help.hidden) {
    box.scrollTop = 0;
    box.focus({ preventScroll: true });
  } else if (back) {
    back.focus({ preventScroll: true });
  }
  return !help.hidden;
}

// ---- tokens -----------------------------------------------------------------------------------
function bisect(list, value, right) {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid] < value || (right && list[mid] === value)) lo = mid + 1; else hi = mid;
  }
  return lo;
}

/** A document's tokens, decoded from the stored form. */
export class Tokens {
  constructor(stored, text) {
    const offsets = stored.offsets;
    this.starts = offsets.filter((_, i) => i % 2 === 0);
    this.ends = offsets.filter((_, i) => i % 2 === 1);
    this.sentStarts = [...(stored.sent_starts || [0])].sort((a, b) => a - b);
    this.text = text;
  }
  get length() { return this.starts.length; }
  /** Token indices [first, last) of the tokens [start, end) touches, as tokens.py's snap. */
  snap(start, end) {
    const first = bisect(this.ends, start, true);
    const last = bisect(this.starts, end, false);
    return first < last ? [first, last] : null;
  }
  /** Character offsets of tokens [first, last). */
  chars(first, last) { return { start: this.starts[first], end: this.ends[last - 1] }; }
  /** The text of tokens [first, last). */
  slice(first, last) {
    return last > first && first >= 0 && last <= this.length ? this.text.slice(this.starts[first], this.ends[last - 1]) : "";
  }
  /** The first token of the next (dir > 0) or this / the previous sentence. */
  sentence(i, dir) {
    const s = this.sentStarts;
    if (dir > 0) return s.find((x) => x > i) ?? this.length;
    const here = s.findLast((x) => x <= i) ?? 0;
    return i > here ? here : s.findLast((x) => x < here) ?? 0;
  }
}

// ---- the view: token elements of the window, painters ----------------------------------------
/** Decorations of one row's tokens for one paint, collected from every painter. */
class Deco {
  constructor(first, last) {
    this.first = first;
    this.last = last;
    this.at = new Map();
  }
  get(i) {
    let d = this.at.get(i);
    if (!d) this.at.set(i, (d = { cls: [], data: {}, tx: {}, css: {}, title: null }));
    return d;
  }
  shown(i) { return i >= this.first && i < this.last; }
  /** Calls fn(i, isFirst, isLast) for tokens [s, e) inside the window; isFirst is the first
   * token shown, so a span continuing from the previous window starts there. */
  range(s, e, fn) {
    const from = Math.max(s, this.first);
    for (let i = from; i < Math.min(e, this.last); i++) fn(i, i === from, i === e - 1);
  }
  cls(i, ...names) { if (this.shown(i)) this.get(i).cls.push(...names.filter(Boolean)); }
  data(i, key, value) { if (this.shown(i)) this.get(i).data[key] = value; }
  tx(i, key, value) { if (this.shown(i)) this.get(i).tx[key] = value; }
  css(i, prop, value) { if (this.shown(i)) this.get(i).css[prop] = value; }
  title(i, text) { if (this.shown(i)) this.get(i).title = text; }
}

function sync(target, before, after, set, remove) {
  const keys = Object.keys(after);
  if (!keys.length && !before.size) return before;
  for (const key of before) if (!(key in after)) remove(target, key);
  for (const key of keys) set(target, key, after[key]);
  return new Set(keys);
}
const setData = (ds, k, v) => { if (ds[k] !== v) ds[k] = v; };
const dropData = (ds, k) => { delete ds[k]; };
const setCss = (st, k, v) => { if (st.getPropertyValue(k) !== v) st.setProperty(k, v); };
const dropCss = (st, k) => st.removeProperty(k);

const PLAIN = Object.freeze({ cls: [], data: {}, tx: {}, css: {}, title: null });
const flat = (o) => { let out = ""; for (const k in o) out += `${k}=${o[k]};`; return out; };
const signature = (d) => `${d.cls.join(" ")}\u0001${d.title}\u0001${flat(d.data)}\u0001${flat(d.tx)}\u0001${flat(d.css)}`;

/** The token elements of the window on screen, in rows (annotate: one; review: gold and one
 * per annotator), each token `<span class="t" data-i=N><span class="tx">…</span><span
 * class="ws">…</span></span>`. Painters are functions (deco, rowName) => void. */
export class TextView {
  constructor({ window, rows }) {
    this.windowSelector = window;
    this.rowsOf = rows;
    this.painters = [];
    this.first = 0;
    this.last = 0;
    this.number = 0;
    this.count = 1;
    this.rows = [];
  }
  index() {
    const win = $(this.windowSelector);
    this.rows = [];
    if (!win) return;
    this.first = +win.dataset.first;
    this.last = +win.dataset.last;
    this.number = +win.dataset.number;
    this.count = +win.dataset.count;
    for (const [name, container] of this.rowsOf(win)) {
      const els = new Map();
      const applied = new Map();
      for (const el of container.querySelectorAll(".t")) {
        const i = +el.dataset.i;
        els.set(i, el);
        // What the server rendered, so the first paint can take it away again.
        applied.set(i, {
          data: new Set(Object.keys(el.dataset).filter((k) => k !== "i")),
          tx: new Set(Object.keys(el.firstElementChild.dataset)),
          css: new Set([...el.style]),
        });
      }
      this.rows.push({ name, els, applied });
    }
  }
  elements(i, rowName) {
    return this.rows.filter((r) => !rowName || r.name === rowName).map((r) => r.els.get(i)).filter(Boolean);
  }
  paint() {
    for (const row of this.rows) {
      const deco = new Deco(this.first, this.last);
      for (const painter of this.painters) painter(deco, row.name);
      for (const [i, el] of row.els) {
        const d = deco.at.get(i) || PLAIN;
        // Only tokens whose decoration changed touch the DOM (a cursor move: two or three).
        const sig = d === PLAIN ? "" : signature(d);
        const was = row.applied.get(i);
        if (was.sig === sig) continue;
        was.sig = sig;
        const cls = d.cls.length ? `t ${d.cls.join(" ")}` : "t";
        if (el.className !== cls) el.className = cls;
        was.data = sync(el.dataset, was.data, d.data, setData, dropData);
        was.tx = sync(el.firstElementChild.dataset, was.tx, d.tx, setData, dropData);
        was.css = sync(el.style, was.css, d.css, setCss, dropCss);
        if (d.title !== null) { if (el.title !== d.title) el.title = d.title; } else if (el.hasAttribute("title")) el.removeAttribute("title");
      }
    }
  }
  /** Tokens [first, last) with at least one selected character in the DOM selection (any
   * row), or null: a selection snaps outward to whole tokens, whitespace selects nothing. */
  selected(selection = window.getSelection()) {
    if (!selection || selection.isCollapsed || !selection.rangeCount) return null;
    const range = selection.getRangeAt(0);
    let first = Infinity;
    let last = -Infinity;
    for (const row of this.rows) {
      for (const [i, el] of row.els) {
        const text = el.firstElementChild.firstChild;
        if (!text || !range.intersectsNode(text)) continue;
        const startsAfter = range.startContainer === text && range.startOffset >= text.length;
        const endsBefore = range.endContainer === text && range.endOffset === 0;
        if (startsAfter || endsBefore) continue;
        first = Math.min(first, i);
        last = Math.max(last, i + 1);
      }
    }
    return first < last ? [first, last] : null;
  }
}

// ---- selection: cursor and anchor, mouse and keyboard -----------------------------------------
/** The token selection: a cursor and, while extending, an anchor. */
export class Selection {
  constructor(view, tokens, pager = null) {
    Object.assign(this, { view, tokens, pager, cursor: 0, anchor: null, pending: null });
  }
  get active() { return this.anchor !== null; }
  range() {
    return this.anchor === null ? [this.cursor, this.cursor + 1]
      : [Math.min(this.anchor, this.cursor), Math.max(this.anchor, this.cursor) + 1];
  }
  set(first, last) { this.anchor = first; this.cursor = last - 1; }
  collapse(i) { this.anchor = null; this.cursor = i; }
  clear() { this.anchor = null; }
  /** Takes the browser's selection (snapped to tokens) and removes it; false if it covers no
   * token. */
  fromDom() {
    const got = this.view.selected();
    window.getSelection().removeAllRanges();
    if (!got) return false;
    this.set(Math.max(got[0], this.view.first), Math.min(got[1], this.view.last));
    return true;
  }
  /** Moves the cursor (extend: the selection) to token `to`; past the window's edge without
   * extending, the pager opens the window that holds it and the cursor lands there. */
  move(to, extend) {
    if (extend && this.anchor === null) this.anchor = this.cursor;
    if (!extend) this.anchor = null;
    const { first, last } = this.view;
    if (!extend && this.pager && (to >= last || to < first) && to >= 0 && to < this.tokens.length) {
      this.pending = to;
      this.pager.open(this.pager.windowOf(to));
      return;
    }
    this.cursor = Math.max(first, Math.min(last - 1, to));
  }
  /** After a window was swapped in: the cursor where it was headed, else inside the window. */
  reindexed() {
    const { first, last } = this.view;
    if (this.pending !== null && this.pending >= first && this.pending < last) this.cursor = this.pending;
    else if (this.cursor < first || this.cursor >= last) this.cursor = first;
    this.pending = null;
    this.anchor = null;
  }
  /** Keys shared by both screens: arrows move, Shift+arrows extend, Esc clears. True if
   * handled. */
  key(event) {
    const k = event.key;
    if (k === "ArrowRight" || k === "ArrowLeft") this.move(this.cursor + (k === "ArrowRight" ? 1 : -1), event.shiftKey);
    else if (k === "ArrowDown" || k === "ArrowUp") this.move(this.tokens.sentence(this.cursor, k === "ArrowDown" ? 1 : -1), event.shiftKey);
    else if (k === "Escape" && this.anchor !== null) this.clear();
    else return false;
    return true;
  }
  painter({ cursor = true, rows = null } = {}) {
    return (deco, row) => {
      if (rows && !rows.includes(row)) return;
      if (this.anchor !== null || cursor) {
        const [s, e] = this.range();
        deco.range(s, e, (i, _b, last) => deco.cls(i, "sel", last && "sel-e"));
      }
      if (cursor) deco.cls(this.cursor, "cur");
    };
  }
}

// ---- paging through windows -------------------------------------------------------------------
/** Windows of whole sentences, swapped into `target` with htmx from `url?w=N`. */
export class Pager {
  constructor({ view, url, target, bounds, onSwap }) {
    Object.assign(this, { view, url, target, bounds: bounds && bounds.length ? bounds : [0], wanted: null });
    document.body.addEventListener("htmx:afterSwap", (event) => {
      if (event.detail.target !== $(target)) return;
      this.wanted = null;
      view.index();
      onSwap();
    });
  }
  windowOf(i) { return Math.max(0, bisect(this.bounds, i, true) - 1); }
  open(number) {
    if (number < 0 || number >= this.view.count || number === this.wanted) return;
    this.wanted = number;
    window.htmx.ajax("GET", `${this.url}?w=${number}`, { target: this.target });
  }
  step(dir) { this.open(this.view.number + dir); }
}

// ---- notices and the save state ---------------------------------------------------------------
export class Notice {
  constructor(box) { this.box = box; this.timer = null; }
  show(message, { sticky = false } = {}) {
    this.box.textContent = message;
    this.box.classList.add("shown");
    clearTimeout(this.timer);
    if (!sticky) this.timer = setTimeout(() => this.clear(), 8000);
  }
  clear() { this.box.textContent = ""; this.box.classList.remove("shown"); }
}

const WORDS = { dirty: "Unsaved changes…", saving: "Saving…", offline: "Offline: retrying…", conflict: "Conflict" };

export class SaveState {
  constructor(box, { prefix = "v", saved = () => "Saved" } = {}) { Object.assign(this, { box, prefix, saved }); }
  show(kind, version, message) {
    this.box.dataset.state = kind;
    const word = kind === "saved" ? this.saved() : kind === "error" ? message || "Not saved" : WORDS[kind];
    this.box.replaceChildren(`${word} · ${this.prefix}`, h("span", { id: "version", text: String(version) }));
  }
}

// ---- the layers' payload codecs ---------------------------------------------------------------
// Each layer: its name (the project's layer, and its key in the page state), its key in the
// API payload, how it reads from and writes to the API's JSON (token ranges inside the page,
// character offsets outside) and how a conflict merges mine into theirs.
const key = (m) => `${m.s}:${m.e}`;
const overlaps = (a, s, e) => a.s < e && s < a.e;

export const LAYERS = [
  {
    name: "entities", key: "spans",
    read: (json, tokens) => (json || []).map((x) => {
      const [s, e] = tokens.snap(x.start, x.end);
      return x.score == null ? { s, e, label: x.label } : { s, e, label: x.label, score: x.score };
    }),
    write: (ents, tokens) => ents.map((x) => ({ ...tokens.chars(x.s, x.e), label: x.label })),
    merge(mine, theirs) {  // the union; mine that overlap theirs are left out and counted
      const merged = theirs.map((x) => ({ ...x }));
      let dropped = 0;
      for (const x of mine) {
        if (merged.some((y) => y.s === x.s && y.e === x.e && y.label === x.label)) continue;
        if (merged.some((y) => overlaps(y, x.s, x.e))) dropped++; else merged.push({ ...x });
      }
      return [merged.sort((a, b) => a.s - b.s), dropped];
    },
  },
  {
    name: "pos", key: "pos",
    read: (json) => (json ? [...json] : null),
    write: (pos) => pos,
    merge(mine, theirs, tokens) {  // my changed tags over theirs
      const pos = theirs ? [...theirs] : mine ? new Array(tokens.length).fill(null) : null;
      if (mine) mine.forEach((t, i) => { if (t) pos[i] = t; });
      return [pos, 0];
    },
  },
  {
    name: "coref", key: "coref",
    read: (json, tokens) => (json || []).map((chain) => chain.map((m) => {
      const [s, e] = tokens.snap(m.start, m.end);
      return m.score == null ? { s, e } : { s, e, score: m.score };  // the model's confidence
    })),
    write: (chains, tokens) => chains.map((c) => c.map((m) => tokens.chars(m.s, m.e))),
    merge(mine, theirs) {  // my mentions join the chain that shares one, else a new chain
      const chains = theirs.map((c) => [...c]);
      for (const chain of mine) {
        const home = chains.find((c) => c.some((m) => chain.some((n) => key(n) === key(m))));
        const fresh = chain.filter((m) => !chains.some((c) => c.some((n) => key(n) === key(m))));
        if (home) home.push(...fresh); else if (fresh.length) chains.push(fresh);
      }
      return [chains, 0];
    },
  },
  {
    // relations between two entities: { hs, he, cs, ce, label } in tokens (head, child)
    name: "relations", key: "relations",
    read: (json, tokens) => (json || []).map((r) => {
      const [hs, he] = tokens.snap(r.head.start, r.head.end);
      const [cs, ce] = tokens.snap(r.child.start, r.child.end);
      return { hs, he, cs, ce, label: r.label };
    }),
    write: (relations, tokens) => relations.map((r) => (
      { head: tokens.chars(r.hs, r.he), child: tokens.chars(r.cs, r.ce), label: r.label })),
    merge(mine, theirs) {  // the union
      const id = (r) => `${r.hs}:${r.he}:${r.cs}:${r.ce}:${r.label}`;
      const merged = theirs.map((r) => ({ ...r }));
      for (const r of mine) if (!merged.some((x) => id(x) === id(r))) merged.push({ ...r });
      return [merged, 0];
    },
  },
  {
    // document labels: { LABEL: 1.0 }
    name: "cats", key: "cats",
    read: (json) => ({ ...(json || {}) }),
    write: (cats) => cats,
    merge: (mine, theirs) => [{ ...theirs, ...mine }, 0],
  },
  {
    // span categories (static/spancats.js): { s, e, label } in tokens, may overlap and nest
    name: "spans", key: "span_cats",
    read: (json, tokens) => (json || []).map((x) => {
      const [s, e] = tokens.snap(x.start, x.end);
      return { s, e, label: x.label };
    }),
    write: (spans, tokens) => spans.map((x) => ({ ...tokens.chars(x.s, x.e), label: x.label })),
    merge(mine, theirs) {  // the union
      const id = (x) => `${x.s}:${x.e}:${x.label}`;
      const merged = theirs.map((x) => ({ ...x }));
      for (const x of mine) if (!merged.some((y) => id(y) === id(x))) merged.push({ ...x });
      return [merged.sort((a, b) => a.s - b.s || b.e - a.e), 0];
    },
  },
];

export const layersOf = (names) => LAYERS.filter((l) => names.includes(l.name));

/** An annotation's layers read from the API's JSON into the page's form (by layer name);
 * `get(layer)` finds a layer's JSON (the page state keys it by name, the API by key). */
export function readLayers(layers, get, tokens) {
  return Object.fromEntries(layers.map((l) => [l.name, l.read(get(l), tokens)]));
}
export function writeLayers(layers, state, tokens) {
  return Object.fromEntries(layers.map((l) => [l.key, l.write(state[l.name], tokens)]));
}
/** Mine merged into theirs (the API's JSON), layer by layer: [state, entities left out]. */
export function mergeLayers(layers, mine, theirs, tokens) {
  let dropped = 0;
  const state = {};
  for (const l of layers) {
    const [value, left] = l.merge(mine[l.name], l.read(theirs[l.key], tokens), tokens);
    state[l.name] = value;
    dropped += left;
  }
  return [state, dropped];
}

// ---- painters ---------------------------------------------------------------------------------
/** Spans [{s, e, label}] as marks: class `cls` (-b, -e at the ends), the label's color in
 * --c, data-`attr` (the label) on the first token shown, a title on every token. */
export function spanPainter(spans, { colors, cls = "ent", attr = "label", title = (x) => x.label, rows = null }) {
  return (deco, row) => {
    if (rows && !rows.includes(row)) return;
    for (const x of spans(row)) {
      if (x.e <= deco.first || x.s >= deco.last) continue;
      deco.range(x.s, x.e, (i, begin, end) => {
        deco.cls(i, cls, begin && `${cls}-b`, end && `${cls}-e`);
        deco.css(i, "--c", colors.get(x.label) || "#ddd");
        if (begin) deco.data(i, attr, x.label);
        deco.title(i, title(x));
      });
    }
  };
}

export const PALETTE = ["#e63946", "#2a9d8f", "#f4a261", "#6a4c93", "#1d3557", "#e76f51", "#588157", "#b5179e", "#0077b6"];
export const chainColor = (n) => PALETTE[n % PALETTE.length];

/** Coreference chains [[{s, e}]]: mentions underlined in the chain's color, "[n" and "n]"
 * brackets at their ends. */
export function chainPainter(chains) {
  return (deco) => {
    const opens = new Map();
    const closes = new Map();
    chains().forEach((chain, n) => chain.forEach((m) => {
      if (m.e <= deco.first || m.s >= deco.last) return;
      opens.set(m.s, `${opens.get(m.s) || ""}[${n + 1}`);
      closes.set(m.e - 1, `${closes.get(m.e - 1) || ""}${n + 1}]`);
      deco.range(m.s, m.e, (i) => {
        if (deco.get(i).cls.includes("men")) return;
        deco.cls(i, "men");
        deco.css(i, "--m", chainColor(n));
      });
    }));
    for (const [i, text] of opens) deco.tx(i, "open", text);
    for (const [i, text] of closes) deco.tx(i, "close", text);
  };
}

/** A tag under each token (data-pos), changed ones marked. */
export function tagPainter(tagOf, changed) {
  return (deco) => {
    for (let i = deco.first; i < deco.last; i++) {
      deco.data(i, "pos", tagOf(i) || "—");
      if (changed(i)) deco.cls(i, "pos-changed");
    }
  };
}

// ---- saving -----------------------------------------------------------------------------------
/** Saves an annotation with PUT and its version: autosave after `autosave` ms, retry offline
 * after `retry` ms, a 409 shows the conflict banner (#conflict) and stops saving until the
 * screen merges or discards. `body(status)` is the payload, `snapshot()` the state to compare
 * (a change while saving keeps it dirty). */
export class Saver {
  constructor(options) {
    Object.assign(this, {
      autosave: 0, retry: 0, hint: "", onSaved: () => {}, onDirty: () => {}, onClean: () => {},
      ...options, dirty: false, saving: null, timer: null, inConflict: false,
    });
    window.addEventListener("beforeunload", (event) => {
      if (!this.dirty && !this.saving) return;
      if (this.autosave) this.save();
      event.preventDefault();
      event.returnValue = "";
    });
  }
  changed() {
    this.dirty = true;
    this.onDirty();
    this.state.show("dirty", this.version);
    clearTimeout(this.timer);
    if (this.autosave) this.timer = setTimeout(() => this.save(), this.autosave);
  }
  async save(status) {
    clearTimeout(this.timer);
    if (this.inConflict) return false;
    if (this.saving) {
      await this.saving;
      if (!this.dirty && !status) return true;
    }
    const sent = this.snapshot();
    this.state.show("saving", this.version);
    this.saving = this.put(status, sent);
    const ok = await this.saving;
    this.saving = null;
    return ok;
  }
  async put(status, sent) {
    let response;
    try {
      response = await fetch(this.url, {
        method: "PUT", credentials: "same-origin",
        headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrfToken() },
        body: JSON.stringify({ version: this.version, ...this.body(status) }),
      });
    } catch (_offline) {
      this.state.show("offline", this.version);
      if (this.retry) this.timer = setTimeout(() => this.save(), this.retry);
      else this.notice.show("Not saved: the server cannot be reached. Try again.", { sticky: true });
      return false;
    }
    const answer = await response.json().catch(() => ({}));
    if (response.ok) {
      this.version = answer.version;
      this.dirty = this.snapshot() !== sent;
      if (this.dirty) this.onDirty(); else this.onClean();
      this.onSaved(answer);
      this.state.show(this.dirty ? "dirty" : "saved", this.version);
      if (this.dirty && this.autosave) this.timer = setTimeout(() => this.save(), this.autosave);
      return true;
    }
    const error = answer.error || {};
    if (response.status === 409 && (error.details || {}).archived) {
      // Archived (the document or its project): read-only, nothing to merge; saving stops.
      this.inConflict = true;
      this.notice.show(`Not saved: ${error.message}.`, { sticky: true });
      this.state.show("error", this.version, "Not saved (archived)");
    } else if (response.status === 409) {
      this.inConflict = true;
      const box = $("#conflict");
      box.querySelector(".theirs").textContent = String((error.details || {}).version ?? "?");
      box.hidden = false;
      this.state.show("conflict", this.version);
    } else {
      this.notice.show(`Not saved: ${error.message || response.statusText}.${this.hint}`, { sticky: true });
      this.state.show("error", this.version, `Not saved (${response.status})`);
    }
    return false;
  }
  /** After a conflict: what is saved now, in the API's JSON; the screen merges and calls
   * resolved(). */
  async theirs() {
    const response = await fetch(this.url, { credentials: "same-origin", headers: { Accept: "application/json" } });
    if (!response.ok) {
      this.notice.show("Could not load the saved version; try again.");
      return null;
    }
    return response.json();
  }
  resolved(version) {
    this.version = version;
    this.inConflict = false;
    $("#conflict").hidden = true;
    this.changed();
    return this.save();
  }
  /** Drops the changes made here and reloads the page. */
  discard() {
    this.dirty = false;
    this.onClean();
    window.location.reload();
  }
}
