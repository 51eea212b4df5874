// The adjudication screen: sentence blocks with a gold row and one row per annotator (the
// shared text view of static/textview.js: tokens, selection, painting, windows, saving), and
// the candidates (spans, POS tags, coreference links) with their votes. What is this screen's
// own: the candidates and their decisions, the gold they make, and its keys (a label's hotkey
// always labels: a / r / j / k are commands only while no label has them, Shift+A / R / J / K
// always are).
import {
  $, h, readState, labelKey, inField, toggleHelp, Tokens, TextView, Selection, Pager, Notice,
  SaveState, Saver, spanPainter,
} from "./textview.js";
import { confirmUndecided, decisionText, undecidedCounts, undecidedKeys } from "./decisions.js";
import { confirmDialog } from "./confirm_dialog.js";
import { LAYER_KINDS, afterAccept, layerItemNodes, layerItems, layerPayload, layerTokens } from "./review_layers.js";
import { commentPainter } from "./comments.js";

const root = document.getElementById("review");
if (root) start(root);

function start(root) {
  const S = readState("review-data");
  const text = S.document.text;
  const tokens = new Tokens(S.tokens, text);
  const n = S.annotators.length;
  const colors = new Map(S.labels.map((l) => [l.name, l.color]));
  const GOLD = Symbol("gold");
  const KINDS = ["span", "pos", "link", ...LAYER_KINDS];
  const catsSingle = S.cats_mode === "single";
  const spanKey = (s, e, l) => `span:${s}:${e}:${l}`;
  const linkKey = (a, b) => `link:${a.start}:${a.end}:${b.start}:${b.end}`;
  const snap = (start, end) => tokens.snap(start, end) || [0, 0];
  const quote = (x) => text.slice(x.start, x.end);

  // ---- candidates and their state ----------------------------------------------------------
  let gold = S.gold;
  let decisions = (gold.info && gold.info.decisions) || {};
  const hasGold = gold.version > 0;
  const goldSpans = new Set(gold.spans.map((s) => spanKey(s.start, s.end, s.label)));
  // Open candidates the last save left undecided stay pending.
  const left = (key) => hasGold && (decisions[key] || {}).decision === "undecided";
  const goldLinks = new Set();
  for (const chain of gold.coref || []) {
    const ms = [...chain].sort((x, y) => x.start - y.start || x.end - y.end);
    for (let i = 0; i < ms.length; i++) for (let j = i + 1; j < ms.length; j++) goldLinks.add(linkKey(ms[i], ms[j]));
  }
  const spanItem = (start, end, label, rest) => {
    const [s, e] = snap(start, end);
    return { kind: "span", key: spanKey(start, end, label), start, end, s, e, label, orig: label, ...rest };
  };
  const items = [];
  for (const c of S.candidates.spans) {
    const state = hasGold ? (goldSpans.has(spanKey(c.start, c.end, c.label)) ? "accepted" : "rejected") : (c.accepted ? "accepted" : "pending");
    items.push(spanItem(c.start, c.end, c.label, { votes: c.votes, voters: c.voters, state }));
  }
  if (hasGold) {
    const known = new Set(items.map((i) => i.key));
    for (const s of gold.spans) {
      if (!known.has(spanKey(s.start, s.end, s.label))) items.push(spanItem(s.start, s.end, s.label, { votes: 0, voters: [], state: "accepted", added: true }));
    }
  }
  const basePos = hasGold && gold.pos ? [...gold.pos] : S.draft.pos ? [...S.draft.pos] : null;
  for (const t of S.candidates.pos) {
    // Most votes first (JSON objects lose the server's order), so 1 and Enter take the favourite.
    const options = Object.keys(t.votes).sort((x, y) => t.votes[y].length - t.votes[x].length || (x < y ? -1 : 1));
    const choice = left(`pos:${t.index}`) ? null : hasGold && basePos ? basePos[t.index] : t.accepted;
    items.push({ kind: "pos", key: `pos:${t.index}`, index: t.index, votes: t.votes, options, choice, state: choice ? "accepted" : "pending" });
  }
  const candidateLinks = new Set();
  for (const c of S.candidates.links) {
    const key = linkKey(c.a, c.b);
    candidateLinks.add(key);
    const state = left(key) ? "pending" : hasGold ? (goldLinks.has(key) ? "accepted" : "rejected") : (c.accepted ? "accepted" : "pending");
    items.push({ kind: "link", key, a: c.a, b: c.b, votes: c.votes, voters: c.voters, state });
  }
  // Links gold has that no annotator made (saved earlier through the API) are kept as they are.
  const extraLinks = [...goldLinks].filter((k) => !candidateLinks.has(k)).map((k) => {
    const [, as, ae, bs, be] = k.split(":").map(Number);
    return { a: { start: as, end: ae }, b: { start: bs, end: be } };
  });
  items.push(...layerItems(S, gold, hasGold));
  const order = () => items.sort((x, y) => KINDS.indexOf(x.kind) - KINDS.indexOf(y.kind)
    || (x.start ?? x.index ?? x.a.start) - (y.start ?? y.index ?? y.a.start));
  order();
  let current = items.length ? 0 : -1;

  // ---- the text view -----------------------------------------------------------------------
  const view = new TextView({
    window: "#rv-window",
    rows: (win) => [...win.querySelectorAll(".rv-row")].map((row) => [row.classList.contains("rv-gold") ? GOLD : row.dataset.who, row.querySelector(".rv-line")]),
  });
  const pager = new Pager({ view, url: S.urls.window, target: "#rv-rows", bounds: S.windows, onSwap: () => { selection.reindexed(); paint(); } });
  const selection = new Selection(view, tokens);
  const annotatorSpans = new Map(S.annotators.map((a) => [a.user, (a.spans || []).map((x) => spanItem(x.start, x.end, x.label))]));
  const accepted = () => items.filter((i) => i.kind === "span" && i.state === "accepted");
  // Tokens whose tags are disputed get a quiet marker in every row.
  const disputed = S.candidates.pos.map((t) => t.index);
  function itemTokens(item) {
    if (item.kind === "span") return [[item.s, item.e]];
    if (item.kind === "pos") return [[item.index, item.index + 1]];
    if (LAYER_KINDS.includes(item.kind)) return layerTokens(item, snap);
    return [snap(item.a.start, item.a.end), snap(item.b.start, item.b.end)];
  }
  view.painters.push(
    spanPainter((row) => (row === GOLD ? accepted() : annotatorSpans.get(row) || []), { colors }),
    (deco) => disputed.forEach((i) => deco.cls(i, "pos-dispute")),
    (deco) => { if (items[current]) for (const [s, e] of itemTokens(items[current])) deco.range(s, e, (i) => deco.cls(i, "focus")); },
    commentPainter(),
    selection.painter({ cursor: false }),
  );
  document.addEventListener("comments:changed", () => paint());
  /** Paints the rows; `follow`: a candidate whose text is in another window fetches that
   * window (painted after the swap); paging with PgUp/PgDn leaves the candidate where it is. */
  function paint(follow = false) {
    const item = items[current];
    const [range] = item ? itemTokens(item) : [];
    const first = range ? range[0] : null;
    if (follow && first !== null && (first < view.first || first >= view.last)) return pager.open(pager.windowOf(first));
    view.paint();
    const [el] = first === null ? [] : view.elements(first);
    if (el && follow) el.scrollIntoView({ block: "nearest" });
  }

  // ---- the candidate lists -----------------------------------------------------------------
  const votesBadge = (votes) => h("span", { class: `votes${votes === n ? " all" : votes === 0 ? " none" : ""}`, title: "annotators who made it", text: `${votes}/${n}` });
  const decidedBy = (item) => {
    const text = decisionText(item, decisions[item.kind === "span" ? spanKey(item.start, item.end, item.label) : item.key]);
    return text ? h("span", { class: "decided", text }) : null;
  };
  const button = (act, text, props = {}) => h("button", { type: "button", ...props, data: { act, ...props.data }, text });
  function itemEl(item, k) {
    const li = h("li", { class: "cand", data: { n: k, kind: item.kind, state: item.state }, "aria-current": String(k === current) });
    if (item.kind === "span") {
      li.append(h("q", { text: quote(item) }), h("span", { class: "label", style: { "--c": colors.get(item.label) || "#ddd" }, text: item.label }),
        votesBadge(item.votes), h("span", { class: "voters", text: item.added ? "added by a reviewer" : item.voters.join(", ") }),
        h("span", { class: "st", text: item.state }), item.label !== item.orig ? h("span", { class: "st", text: "edited" }) : "",
        button("accept", "Accept"), button("reject", "Reject"),
        h("select", { data: { act: "label" }, "aria-label": "label" }, S.labels.map((l) => h("option", { selected: l.name === item.label, text: l.name }))));
    } else if (item.kind === "pos") {
      li.append(h("q", { text: tokens.slice(item.index, item.index + 1) }),
        ...item.options.map((tag, j) => button("tag", `${j + 1}. ${tag} ${item.votes[tag].length}/${n}`,
          { data: { tag }, class: tag === item.choice ? "chosen" : null, title: item.votes[tag].join(", ") })),
        h("span", { class: "st", text: item.choice || "undecided" }));
    } else if (LAYER_KINDS.includes(item.kind)) {
      li.append(...layerItemNodes(item, { h, quote, votesBadge }), button("accept", "Accept"), button("reject", "Reject"));
    } else {
      li.append(h("q", { text: quote(item.a) }), " ↔ ", h("q", { text: quote(item.b) }), votesBadge(item.votes),
        h("span", { class: "voters", text: item.voters.join(", ") }), h("span", { class: "st", text: item.state }),
        button("accept", "Accept"), button("reject", "Reject"));
    }
    li.append(decidedBy(item) || "");
    return li;
  }
  function counts() {
    // The same numbers the save's question gives (an entity candidate under an accepted one
    // is decided), so the badge and the dialog never disagree.
    const undecided = undecidedCounts(items, { catsSingle });
    for (const kind of KINDS) {
      const count = $(`#count-${kind}`, root);
      if (!count) continue;
      const mine = items.filter((item) => item.kind === kind);
      const open = undecided[kind];
      count.textContent = `${mine.length}${open ? ` · ${open} undecided` : ""}`;
    }
  }
  function renderLists() {
    for (const kind of KINDS) {
      const list = $(`#cand-${kind}`, root);
      if (!list) continue;
      const mine = items.map((item, k) => [item, k]).filter(([item]) => item.kind === kind);
      list.replaceChildren(...(mine.length ? mine.map(([item, k]) => itemEl(item, k)) : [h("li", { class: "muted small", text: "none" })]));
    }
    counts();
    showCurrent();
  }
  const li = (k) => root.querySelector(`.cand[data-n="${k}"]`);
  function showCurrent() {
    root.querySelectorAll('.cand[aria-current="true"]').forEach((el) => el.setAttribute("aria-current", "false"));
    const el = li(current);
    if (el) { el.setAttribute("aria-current", "true"); el.scrollIntoView({ block: "nearest" }); }
  }

  // ---- decisions ---------------------------------------------------------------------------
  const notice = new Notice($("#notice"));
  function changed(item) {
    saver.changed();
    const k = items.indexOf(item);
    const old = li(k);
    if (old) old.replaceWith(itemEl(item, k));
    counts();
    paint();
  }
  function accept(item) {
    if (!item) return;
    if (item.kind === "pos") item.choice = item.choice || item.options[0];
    item.state = "accepted";
    if (afterAccept(item, items, S)) renderLists();
    changed(item);
  }
  function reject(item) {
    if (!item || item.kind === "pos") return;
    item.state = "rejected";
    changed(item);
  }
  function relabel(item, label) {
    if (!item || item.kind !== "span") return;
    Object.assign(item, { label, state: "accepted" });
    changed(item);
  }
  function choose(item, tag) {
    if (!item || item.kind !== "pos" || !tag) return;
    Object.assign(item, { choice: tag, state: "accepted" });
    changed(item);
  }
  function move(step) {
    if (!items.length) return;
    current = Math.max(0, Math.min(items.length - 1, current + step));
    showCurrent();
    paint(true);
  }
  /** A span over the selected tokens, with `label`; false without a selection. */
  function addSpan(label) {
    if (!selection.active) return false;
    const { start, end } = tokens.chars(...selection.range());
    let item = items.find((i) => i.key === spanKey(start, end, label));
    if (!item) {
      item = spanItem(start, end, label, { votes: 0, voters: [], state: "accepted", added: true });
      items.push(item);
      order();
    }
    item.state = "accepted";
    current = items.indexOf(item);
    selection.clear();
    saver.changed();
    renderLists();
    paint();
    return true;
  }

  // ---- saving ------------------------------------------------------------------------------
  function chains() {
    const parent = new Map();
    const id = (m) => `${m.start}:${m.end}`;
    const find = (x) => { while (parent.get(x) !== x) { parent.set(x, parent.get(parent.get(x))); x = parent.get(x); } return x; };
    const add = (x) => { if (!parent.has(x)) parent.set(x, x); };
    for (const l of [...items.filter((i) => i.kind === "link" && i.state === "accepted"), ...extraLinks]) {
      const a = id(l.a);
      const b = id(l.b);
      add(a);
      add(b);
      const ra = find(a);
      const rb = find(b);
      if (ra !== rb) parent.set(ra, rb);
    }
    const groups = new Map();
    for (const x of parent.keys()) {
      const r = find(x);
      if (!groups.has(r)) groups.set(r, []);
      const [start, end] = x.split(":").map(Number);
      groups.get(r).push({ start, end });
    }
    return [...groups.values()].map((g) => g.sort((x, y) => x.start - y.start || x.end - y.end));
  }
  function payload() {
    const body = { status: "submitted" };
    if (S.layers.includes("entities")) body.spans = accepted().map((i) => ({ start: i.start, end: i.end, label: i.label }));
    if (S.layers.includes("pos") && basePos) {
      const pos = [...basePos];
      for (const i of items) if (i.kind === "pos" && i.choice) pos[i.index] = i.choice;
      body.pos = pos;
    }
    if (S.layers.includes("coref")) body.coref = chains();
    Object.assign(body, layerPayload(items, S, accepted()));
    body.undecided = undecidedKeys(items);
    return body;
  }
  const saver = new Saver({
    url: S.urls.gold, version: gold.version, notice,
    state: new SaveState($("#save-state"), { prefix: "gold v" }),
    body: payload,
    snapshot: () => JSON.stringify(items.map((i) => [i.key, i.state, i.label, i.choice])),
    onSaved: (answer) => {
      gold = answer;
      decisions = (answer.info && answer.info.decisions) || {};
      renderLists();
    },
  });
  /** Shift+N: the next document; unsaved gold is asked about in the page's dialog first. */
  async function leave() {
    if (saver.dirty) {
      const go = await confirmDialog({
        title: "Leave without saving the gold?",
        lines: ["Your decisions on this document since the last save are lost."],
        note: "Enter leaves, Esc stays (Ctrl+Enter saves).",
        confirm: "Leave without saving",
        cancel: "Stay",
      });
      if (!go) return;
    }
    saver.dirty = false;
    document.getElementById("next-form").submit();
  }
  async function save() {
    notice.clear();
    if (!(await confirmUndecided(items, { catsSingle }))) return false;
    return saver.save();
  }

  // ---- mouse, keys -------------------------------------------------------------------------
  root.addEventListener("mouseup", (event) => {
    if (!event.target.closest("#rv-rows")) return;
    const dom = window.getSelection();
    if (dom && !dom.isCollapsed) {
      if (!selection.fromDom()) notice.show("The selection covers no token.");
      paint();
    }
  });
  root.addEventListener("click", (event) => {
    const target = event.target;
    const action = target.closest("[data-action]");
    if (action) {
      const what = action.dataset.action;
      if (what === "save") save();
      else if (what === "help") toggleHelp(true);
      else if (what === "help-close") toggleHelp(false);
      else if (what === "reload") saver.discard();
      else if (what === "label" && !addSpan(action.dataset.label)) relabel(items[current], action.dataset.label);
      return;
    }
    const cand = target.closest(".cand");
    if (cand && cand.dataset.n !== undefined) {
      current = Number(cand.dataset.n);
      const act = target.closest("[data-act]");
      if (act && act.dataset.act === "accept") accept(items[current]);
      else if (act && act.dataset.act === "reject") reject(items[current]);
      else if (act && act.dataset.act === "tag") choose(items[current], act.dataset.tag);
      else if (!act) { showCurrent(); paint(true); }
      return;
    }
    const tok = target.closest(".rv-line .t");
    if (tok && window.getSelection().isCollapsed && !selection.active) {
      const i = Number(tok.dataset.i);
      const hit = items.findIndex((it) => it.kind === "span" && it.s <= i && i < it.e);
      if (hit >= 0) { current = hit; showCurrent(); paint(); }
    }
  });
  root.addEventListener("change", (event) => {
    const select = event.target.closest('select[data-act="label"]');
    if (select) { current = Number(select.closest(".cand").dataset.n); relabel(items[current], select.value); }
  });
  document.addEventListener("keydown", (event) => {
    const key = event.key;
    if (!$("#help").hidden) {
      if (key === "Escape" || key === "?") { event.preventDefault(); toggleHelp(false); }
      return;
    }
    if (inField(event)) return;
    const act = (fn) => { event.preventDefault(); fn(); };
    if ((event.ctrlKey || event.metaKey) && key === "Enter") return act(save);
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const item = items[current];
    // Enter on a button, link or <summary> (the guidelines card's toggle) is the browser's.
    const onButton = event.target.closest && event.target.closest("button, a, summary");
    const name = labelKey(event, S.labels);
    // a / r / j / k are commands unless a label has that hotkey; with Shift they always are.
    const command = !name && key.length === 1 && "arjk".includes(key) ? key.toUpperCase() : key;
    switch (command) {
      case "?": return act(() => toggleHelp(true));
      case "N": return act(() => leave());
      case "PageDown": return act(() => pager.step(1));
      case "PageUp": return act(() => pager.step(-1));
      case "ArrowDown": case "J": return act(() => move(1));
      case "ArrowUp": case "K": return act(() => move(-1));
      case "A": return act(() => accept(item));
      case "R": case "Delete": case "Backspace": return act(() => reject(item));
      case "Enter": return onButton ? undefined : act(() => accept(item));
      case "Escape": return act(() => { selection.clear(); paint(); });
      case "ArrowLeft": case "ArrowRight":
        if (!event.shiftKey || !selection.active) return undefined;
        return act(() => { selection.move(selection.cursor + (key === "ArrowRight" ? 1 : -1), true); paint(); });
      default:
    }
    if (/^[1-9]$/.test(key) && !selection.active && item && item.kind === "pos") return act(() => choose(item, item.options[Number(key) - 1]));
    if (name) return act(() => { if (!addSpan(name)) relabel(item, name); });
    return undefined;
  });

  view.index();
  renderLists();
  paint();
  root.dataset.ready = "true";
}
