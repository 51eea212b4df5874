// The annotation screen: one annotator's entities, POS tags and coreference chains on the
// shared text view (static/textview.js: tokens, selection, painting, windows, saving). What
// is this screen's own: the edits, undo / redo, the model's suggestions, the localStorage
// backup of unsaved work, and its keys.
import {
  $, h, readState, labelKey, inField, toggleHelp, Tokens, TextView, Selection, Pager, Notice,
  SaveState, Saver, LAYERS, layersOf, readLayers, writeLayers, mergeLayers, spanPainter,
  chainPainter, chainColor, tagPainter,
} from "./textview.js";
import { ChainPanel } from "./chains.js";
import { spanCatEditor, spansAt } from "./spancats.js";
import { drawArcs, prefixIndex } from "./relations.js";
import { Finder, findBar } from "./find.js";
import { commentPainter } from "./comments.js";

const root = document.getElementById("annotate");
if (root) start(root);

function start(root) {
  const D = readState("annotate-data");
  const tokens = new Tokens(D.tokens, D.text);
  const has = (layer) => D.layers.includes(layer);
  const layers = layersOf(D.layers);
  const labels = new Map(D.labels.map((l) => [l.name, l]));
  const colors = new Map(D.labels.map((l) => [l.name, l.color]));
  const model = readLayers(LAYERS, (l) => (D.model || {})[l.name], tokens);
  const suggestions = has("entities") ? model.entities : [];
  const rejected = new Set();
  const sugKey = (x) => `${x.s}:${x.e}:${x.label}`;
  let state = readLayers(LAYERS, (l) => D[l.name], tokens);
  const relationLabels = D.relation_labels || [];
  const categories = D.categories || [];
  let linking = null;  // { label, head, candidates, i } while a relation is being drawn
  let visible = [];  // suggestions neither rejected nor overlapping an entity
  const undoStack = [];
  const redoStack = [];
  let mode = has("entities") ? "ent" : has("spans") ? "span" : "coref";
  let showPos = false;

  const text = () => $("#text");
  const view = new TextView({ window: "#window", rows: (win) => [["text", win.querySelector("#text")]] });
  const pager = new Pager({ view, url: D.urls.window, target: "#text-window", bounds: D.windows, onSwap: swapped });
  const selection = new Selection(view, tokens, pager);
  const notice = new Notice($("#notice"));
  // Unsaved state also goes to localStorage, so a closed tab or a crash while offline loses
  // nothing: the next visit restores it (and a stale version leads to the merge banner).
  const backupKey = `textlabel:annotation:${D.document}`;
  const saver = new Saver({
    url: D.urls.save, version: D.version, status: D.status, notice, autosave: 500, retry: 3000,
    state: new SaveState($("#save-state"), { saved: () => (saver.status === "submitted" ? "Submitted" : "Saved") }),
    hint: " Undo the last change or fix it.",
    body: (status) => ({ status: status || saver.status, ...writeLayers(layers, state, tokens) }),
    snapshot: () => JSON.stringify(state),
    onSaved: (answer) => { saver.status = answer.status; },
    onDirty: () => { try { localStorage.setItem(backupKey, JSON.stringify({ version: saver.version, state })); } catch (_full) { /* private mode */ } },
    onClean: () => { try { localStorage.removeItem(backupKey); } catch (_full) { /* private mode */ } },
  });

  const spanLabels = D.span_labels || [];
  const spanCats = has("spans") ? spanCatEditor({
    state: () => state, change, selection, notice, tokens, labels: spanLabels, overlap: D.span_overlap, paint,
  }) : null;

  // ---- helpers -----------------------------------------------------------------------------
  const overlaps = (a, s, e) => a.s < e && s < a.e;
  const entAt = (i) => state.entities.find((x) => x.s <= i && i < x.e);
  const suggestionAt = (i) => visible.find((x) => x.s <= i && i < x.e);
  const modelTag = (i) => (model.pos ? model.pos[i] : null);
  const tagOf = (i) => (state.pos && state.pos[i]) || modelTag(i) || "";
  const chainOf = (s, e) => state.coref.findIndex((c) => c.some((m) => m.s === s && m.e === e));
  const quote = (x) => tokens.slice(x.s, x.e);
  function visibleSuggestions() {
    const taken = new Set();
    for (const x of state.entities) for (let i = x.s; i < x.e; i++) taken.add(i);
    return suggestions.filter((x) => {
      if (rejected.has(sugKey(x))) return false;
      for (let i = x.s; i < x.e; i++) if (taken.has(i)) return false;
      return true;
    });
  }

  // ---- changes, undo, redo -----------------------------------------------------------------
  function change(mutate) {
    const before = JSON.stringify(state);
    mutate();
    if (JSON.stringify(state) === before) return;
    undoStack.push(before);
    redoStack.length = 0;
    state.entities.sort((a, b) => a.s - b.s);
    touched();
  }
  function touched() {
    saver.changed();
    paintChains();
    paintRelations();
    paintCats();
    if (spanCats) spanCats.paintList();
    paint();
  }
  function undo() {
    if (!undoStack.length) return notice.show("Nothing to undo.");
    redoStack.push(JSON.stringify(state));
    state = JSON.parse(undoStack.pop());
    touched();
  }
  function redo() {
    if (!redoStack.length) return notice.show("Nothing to redo.");
    undoStack.push(JSON.stringify(state));
    state = JSON.parse(redoStack.pop());
    touched();
  }
  async function merge() {
    const theirs = await saver.theirs();
    if (!theirs) return;
    undoStack.push(JSON.stringify(state));
    const [merged, dropped] = mergeLayers(layers, state, theirs, tokens);
    state = { ...state, ...merged };
    if (dropped) notice.show(`${dropped} of your entities overlapped saved ones and were left out (Undo shows them).`);
    paintChains();
    paint();
    await saver.resolved(theirs.version);
  }
  async function finish(status) {
    if (await saver.save(status)) {
      saver.dirty = false;
      document.getElementById("next-form").submit(); // a POST: handing out work is a write
    }
  }

  // ---- entities ----------------------------------------------------------------------------
  function label(name) {
    if (!has("entities") || !labels.has(name)) return;
    const [s, e] = selection.range();
    const under = selection.active ? null : entAt(selection.cursor);
    const clash = under ? [under] : state.entities.filter((x) => overlaps(x, s, e));
    if (clash.length === 1 && (under || (clash[0].s === s && clash[0].e === e))) {
      change(() => { clash[0].label = name; });
    } else if (clash.length) {
      const other = clash[0];
      return notice.show(`Refused: entities may not overlap. The selection “${tokens.slice(s, e)}” overlaps ` +
        `${other.label} “${quote(other)}”; delete or relabel that one first.`);
    } else {
      change(() => state.entities.push({ s, e, label: name }));
    }
    selection.clear();
    paint();
  }
  function accept(x) {
    if (!x) return notice.show("No model suggestion under the cursor.");
    change(() => state.entities.push({ s: x.s, e: x.e, label: x.label }));
  }
  function acceptAll() {
    if (!visible.length) return notice.show("No suggestions left to accept.");
    const open = visible;
    change(() => open.forEach((x) => state.entities.push({ s: x.s, e: x.e, label: x.label })));
  }
  function remove() {
    if (mode === "coref") return unlink();
    if (mode === "span") return spanCats.remove();
    const [s, e] = selection.range();
    const gone = selection.active ? state.entities.filter((x) => overlaps(x, s, e)) : [entAt(selection.cursor)].filter(Boolean);
    const sug = suggestionAt(selection.cursor);
    if (gone.length) {
      let pruned = 0;
      change(() => {
        state.entities = state.entities.filter((x) => !gone.includes(x));
        pruned = pruneRelations();
      });
      paintRelations();
      if (pruned) notice.show(`Removed ${pruned} relation(s) on the deleted entity (Undo brings them back).`);
    } else if (sug) {
      rejected.add(sugKey(sug));
      notice.show(`Suggestion ${sug.label} “${quote(sug)}” hidden.`);
    } else {
      notice.show("Nothing to delete under the cursor.");
    }
    selection.clear();
    paint();
  }

  // ---- coreference -------------------------------------------------------------------------
  function link(n) {
    const [s, e] = selection.range();
    if (n > state.coref.length) return notice.show(`There is no chain ${n}; Shift+N starts one.`);
    change(() => {
      const old = chainOf(s, e);
      if (old >= 0) state.coref[old] = state.coref[old].filter((m) => !(m.s === s && m.e === e));
      if (n === 0) state.coref.push([{ s, e }]);
      else state.coref[n - 1].push({ s, e });
      state.coref.forEach((c) => c.sort((a, b) => a.s - b.s || a.e - b.e));
      state.coref = state.coref.filter((c) => c.length);
    });
    selection.clear();
    paint();
  }
  function unlink() {
    const [s, e] = selection.range();
    let target = null;
    state.coref.forEach((c, ci) => c.forEach((m) => {
      const hit = selection.active ? m.s === s && m.e === e : m.s <= selection.cursor && selection.cursor < m.e;
      if (hit && (!target || m.e - m.s < target.m.e - target.m.s)) target = { ci, m };
    }));
    if (!target) return notice.show("No mention under the cursor.");
    change(() => {
      state.coref[target.ci] = state.coref[target.ci].filter((m) => m !== target.m);
      state.coref = state.coref.filter((c) => c.length);
    });
  }
  function addModelChains() {
    if (!model.coref.length) return notice.show("The model found no coreference chains here.");
    const taken = new Set(state.coref.flat().map((m) => `${m.s}:${m.e}`));
    const fresh = model.coref.map((c) => c.filter((m) => !taken.has(`${m.s}:${m.e}`))).filter((c) => c.length);
    if (!fresh.length) return notice.show("Every mention of the model's chains is already linked.");
    change(() => fresh.forEach((c) => state.coref.push(c.map((m) => ({ s: m.s, e: m.e })))));
    notice.show(`Added ${fresh.length} chain(s) from the model.`);
  }
  function acceptConfidentChains(min) {  // whole chains only, none touching a chain of mine
    const taken = new Set(state.coref.flat().map((m) => `${m.s}:${m.e}`));
    const sure = model.coref.filter((c) => Math.min(...c.map((m) => m.score ?? 0)) >= min
      && !c.some((m) => taken.has(`${m.s}:${m.e}`)));
    if (!sure.length) return notice.show(`No model chain of confidence ${min} or more is left to accept.`);
    change(() => sure.forEach((c) => state.coref.push(c.map((m) => ({ s: m.s, e: m.e })))));
    notice.show(`Accepted ${sure.length} confident chain(s) from the model.`);
  }

  // ---- part of speech ----------------------------------------------------------------------
  function openPos() {
    if (!has("pos")) return;
    $("#pos-panel").hidden = false;
    $("#pos-token").textContent = tokens.slice(selection.cursor, selection.cursor + 1);
    const picker = $("#pos-picker");
    picker.value = tagOf(selection.cursor);
    picker.dataset.token = selection.cursor;
    picker.focus();
  }
  function closePos() {
    $("#pos-panel").hidden = true;
    text().focus();
  }
  function setPos(i, tag) {
    change(() => {
      if (!state.pos) state.pos = new Array(tokens.length).fill(null);
      state.pos[i] = tag === modelTag(i) ? null : tag;
    });
    closePos();
  }

  // ---- relations and document labels ----------------------------------------------------
  const isEntity = (s, e) => state.entities.some((x) => x.s === s && x.e === e);
  const entityAt = (s, e) => state.entities.find((x) => x.s === s && x.e === e);
  function pruneRelations() {  // relations whose entity is gone; returns how many
    if (!state.relations) return 0;
    const before = state.relations.length;
    state.relations = state.relations.filter((r) => isEntity(r.hs, r.he) && isEntity(r.cs, r.ce));
    return before - state.relations.length;
  }
  function startRelation(name) {
    if (!has("relations")) return;
    const [s, e] = selection.range();
    const head = selection.active ? entityAt(s, e) : entAt(selection.cursor);
    if (!head) return notice.show(`Select an entity first: a ${name} relation starts at one.`);
    const rule = relationLabels.find((r) => r.name === name);
    if (rule.heads && rule.heads.length && !rule.heads.includes(head.label) && rule.directed) {
      return notice.show(`A ${name} relation does not start at a ${head.label} entity (heads: ${rule.heads.join(", ")}).`);
    }
    const fits = (x) => !rule.children || !rule.children.length || rule.children.includes(x.label) || !rule.directed;
    const candidates = state.entities.filter((x) => x !== head && fits(x));
    if (!candidates.length) return notice.show(`No other entity a ${name} relation can link to.`);
    const after = candidates.findIndex((x) => x.s >= head.e);
    linking = { label: name, head, candidates, i: after >= 0 ? after : candidates.length - 1, prefix: "" };
    showLinking();
  }
  function showLinking() {
    const c = linking.candidates[linking.i];
    selection.set(c.s, c.e);
    const typed = linking.prefix ? ` typed “${linking.prefix}”,` : "";
    notice.show(`${linking.label}: “${quote(linking.head)}” → “${quote(c)}” (${linking.i + 1} of ${linking.candidates.length}):${typed} ←/→ or type its first letters to choose, Enter links, Esc cancels.`);
    paint();
  }
  function finishRelation() {
    const { label: name, head } = linking;
    const child = linking.candidates[linking.i];
    linking = null;
    const rule = relationLabels.find((r) => r.name === name);
    let [a, b] = [head, child];
    if (rule && !rule.directed && b.s < a.s) [a, b] = [b, a];  // symmetric: earlier entity first
    const same = (r) => r.hs === a.s && r.he === a.e && r.cs === b.s && r.ce === b.e && r.label === name;
    if (state.relations.some(same)) {
      notice.show(`“${quote(a)}” ${name} “${quote(b)}” is already linked.`);
    } else {
      change(() => state.relations.push({ hs: a.s, he: a.e, cs: b.s, ce: b.e, label: name }));
      notice.show(`Linked “${quote(a)}” ${name} “${quote(b)}”.`);
    }
    selection.clear();
    paintRelations();
    paint();
  }
  function linkingKey(event) {  // true when the key belonged to the relation being drawn
    const k = event.key;
    const step = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 }[k];
    if (step) {
      const n = linking.candidates.length;
      linking.i = (linking.i + step + n) % n;
      linking.prefix = "";
      showLinking();
    } else if (k === "Backspace" && linking.prefix) {
      linking.prefix = linking.prefix.slice(0, -1);
      showLinking();
    } else if (k.length === 1 && !event.ctrlKey && !event.metaKey && !event.altKey) {
      // typed-prefix choice: the next entity whose text starts with what was typed
      const i = prefixIndex(linking.candidates, quote, linking.prefix + k, linking.i);
      if (i < 0) notice.show(`No entity a ${linking.label} relation can link to starts with “${linking.prefix + k}”.`);
      else { linking.prefix += k; linking.i = i; showLinking(); }
    } else if (k === "Enter") {
      finishRelation();
    } else if (k === "Escape") {
      linking = null;
      selection.clear();
      notice.show("Relation cancelled.");
      paint();
    } else {
      return false;
    }
    event.preventDefault();
    return true;
  }
  function deleteRelation(index) {
    change(() => state.relations.splice(index, 1));
    paintRelations();
  }
  function relabelRelation(index, name) {
    if (!state.relations[index] || state.relations[index].label === name) return;
    change(() => { state.relations[index].label = name; });
    paintRelations();
  }
  function toggleCat(name) {
    if (!has("cats")) return;
    change(() => {
      const on = (state.cats[name] || 0) >= 0.5;
      if (D.cats_mode === "single") state.cats = {};
      if (on) delete state.cats[name]; else state.cats[name] = 1.0;
    });
    paintCats();
  }
  function paintCats() {
    document.querySelectorAll("[data-action=cat]").forEach((btn) => {
      btn.setAttribute("aria-pressed", String((state.cats && state.cats[btn.dataset.cat] || 0) >= 0.5));
    });
  }
  function paintRelations() {
    const list = $("#relations");
    if (!list) return;
    list.replaceChildren(...(state.relations || []).map((r, index) => h("li", { class: "relation" },
      h("button", { type: "button", class: "mention", data: { action: "goto", token: r.hs }, text: quote({ s: r.hs, e: r.he }) }),
      " ", h("select", { class: "rel-label", "aria-label": "relation label", data: { action: "relabel-relation", index } },
        relationLabels.map((l) => h("option", { value: l.name, selected: l.name === r.label, text: l.name }))), " → ",
      h("button", { type: "button", class: "mention", data: { action: "goto", token: r.cs }, text: quote({ s: r.cs, e: r.ce }) }),
      " ", h("button", { type: "button", class: "small", data: { action: "del-relation", index }, title: "delete this relation" }, "delete"))));
  }

  // ---- finding -----------------------------------------------------------------------------
  const finder = new Finder({
    box: findBar($("#find")), tokens, cursor: () => selection.cursor,
    jump: (hit) => { selection.move(hit.s, false); },
    select: (hit) => {
      if (hit.s < view.first || hit.s >= view.last) return false;
      selection.set(hit.s, Math.min(hit.e, view.last));
      return true;
    },
    paint: () => paint(), close: () => text().focus(),
  });

  // ---- painting ----------------------------------------------------------------------------
  const tags = tagPainter(tagOf, (i) => Boolean(state.pos && state.pos[i]));
  view.painters.push(
    spanPainter(() => state.entities, { colors }),
    spanPainter(() => visible, {
      colors, cls: "sug", attr: "sug",
      title: (x) => `model suggestion ${x.label}${x.score == null ? "" : `, score ${x.score.toFixed(2)}`} (Enter accepts)`,
    }),
    chainPainter(() => state.coref),
    (deco) => spanCats && spanCats.painter(deco),
    (deco, row) => showPos && tags(deco, row),
    finder.painter(),
    commentPainter(),
    selection.painter(),
  );
  document.addEventListener("comments:changed", () => paint());
  function paint() {
    visible = visibleSuggestions();
    view.paint();
    arcs();
    root.dataset.mode = mode;
    root.classList.toggle("show-pos", showPos);
    const toggle = $("[data-action=toggle-pos]");
    if (toggle) toggle.textContent = showPos ? "Hide tags" : "Show tags";
    document.querySelectorAll("[data-action=mode]").forEach((btn) => btn.setAttribute("aria-pressed", btn.dataset.mode === mode));
    paintCursorInfo();
  }
  const chainPanel = new ChainPanel({ list: $("#chains"), search: $("#chain-search"), count: $("#chain-count"),
    quote, color: chainColor, onSearch: () => paintChains() });
  const relationColors = new Map(relationLabels.map((l) => [l.name, l.color]));
  let arcsDrawn = null;  // what the arcs were drawn for: a cursor move redraws nothing
  function arcs(force = false) {  // the visible window's relations as arcs over the text
    if (!has("relations")) return;
    const drawn = JSON.stringify([state, showPos, view.first, view.number]);
    const present = text().parentElement.querySelector(":scope > svg.arcs");  // gone after a window swap
    if (!force && present && drawn === arcsDrawn) return;
    arcsDrawn = drawn;
    drawArcs(text(), state.relations || [], (i) => view.elements(i)[0], (l) => relationColors.get(l) || "#555");
  }
  function paintChains() {  // when the chains or the window change, never on a cursor move
    chainPanel.render(state.coref, view.first, view.last);
  }
  function paintCursorInfo() {
    const i = selection.cursor;
    const lines = [`token ${i + 1}: “${tokens.slice(i, i + 1)}”`];
    const x = entAt(i);
    if (x) lines.push(`entity ${x.label} “${quote(x)}”`);
    const g = suggestionAt(i);
    if (g) lines.push(`suggestion ${g.label}${g.score == null ? "" : ` (score ${g.score.toFixed(2)})`}: Enter accepts`);
    if (has("pos")) lines.push(`tag ${tagOf(i) || "—"}${state.pos && state.pos[i] ? " (changed)" : ""}`);
    const nested = spanCats ? spansAt(state.spans, i) : [];
    if (nested.length) lines.push(`span categories ${nested.map((y) => y.label).join(" ⊂ ")}`);
    if (selection.active) lines.push(`selection “${tokens.slice(...selection.range())}”`);
    $("#cursor-info").replaceChildren(...lines.flatMap((line, k) => (k ? [h("br"), line] : [line])));
    const [el] = view.elements(i);
    if (el) el.scrollIntoView({ block: "nearest" });
  }

  // ---- mouse, keys, clicks -----------------------------------------------------------------
  function onMouseUp(event) {
    const dom = window.getSelection();
    if (dom && !dom.isCollapsed) {
      if (!selection.fromDom()) return notice.show("The selection covers no token.");
      if (spanCats) spanCats.clear();
    } else {
      const token = event.target.closest(".t");
      if (!token) return;
      const x = mode === "ent" ? entAt(+token.dataset.i) : null;
      if (x) selection.set(x.s, x.e);
      else if (!(mode === "span" && spanCats.activate(+token.dataset.i))) selection.collapse(+token.dataset.i);
    }
    text().focus({ preventScroll: true });
    paint();
  }
  function onKey(event) {
    const k = event.key;
    if (!$("#help").hidden) {
      if (k === "Escape" || k === "?") { event.preventDefault(); toggleHelp(false, text()); }
      return;
    }
    if (event.target.id === "pos-picker") {
      if (k === "Enter") { event.preventDefault(); setPos(+event.target.dataset.token, event.target.value); }
      if (k === "Escape") { event.preventDefault(); closePos(); }
      return;
    }
    if (inField(event)) return;
    // Enter on a <summary> (the guidelines card's toggle) folds it: the browser's own action.
    if (k === "Enter" && event.target.closest && event.target.closest("summary")) return;
    const ctrl = event.ctrlKey || event.metaKey;
    const act = (fn) => { event.preventDefault(); fn(); };
    if (ctrl && k === "Enter") return act(() => finish("submitted"));
    if (ctrl && (k === "z" || k === "Z")) return act(event.shiftKey ? redo : undo);
    if (ctrl && k === "y") return act(redo);
    if (ctrl || event.altKey) return;
    if (linking && linkingKey(event)) return;
    if (mode === "span" && k === "Enter") {
      return act(() => spanCats.activate(selection.cursor) || notice.show("No span category under the cursor."));
    }
    if (selection.key(event)) return act(() => { if (spanCats) spanCats.clear(); paint(); });
    switch (k) {
      case "PageDown": return act(() => pager.step(1));
      case "PageUp": return act(() => pager.step(-1));
      case "Escape": return act(() => { if (spanCats) spanCats.clear(); selection.clear(); paint(); });
      case "Delete": case "Backspace": return act(remove);
      case "Enter": return act(() => accept(suggestionAt(selection.cursor)));
      case "?": return act(() => toggleHelp(true));
      case "/": return act(() => finder.show());
      case "A": return act(acceptAll);
      case "T": return act(() => { showPos = has("pos") && !showPos; paint(); });
      case "P": return act(openPos);
      case "C": return act(() => { if (has("coref") && has("entities")) { mode = mode === "coref" ? "ent" : "coref"; paint(); } });
      case "O": return act(() => { if (has("spans") && has("entities")) { mode = mode === "span" ? "ent" : "span"; paint(); } });
      case "N": return act(() => mode === "coref" && link(0));
      case "M": return act(() => has("coref") && addModelChains());
      case "S": return act(() => finish("skipped"));
      default:
    }
    if (mode === "coref" && /^[1-9]$/.test(k)) return act(() => link(+k));
    const spanName = mode === "span" ? labelKey(event, spanLabels) : null;
    if (spanName) return act(() => spanCats.label(spanName));
    const name = mode === "ent" ? labelKey(event, D.labels) : null;
    if (name) return act(() => label(name));
    const cat = labelKey(event, categories);
    if (cat) return act(() => toggleCat(cat));
    const relation = mode === "ent" ? labelKey(event, relationLabels) : null;
    if (relation) return act(() => startRelation(relation));
  }
  function onClick(event) {
    const btn = event.target.closest("[data-action]");
    if (!btn) return;
    const actions = {
      undo, redo, merge, "accept-all": acceptAll,
      help: () => toggleHelp(true), "help-close": () => toggleHelp(false, text()),
      find: () => finder.show(),
      submit: () => finish("submitted"), skip: () => finish("skipped"),
      reload: () => saver.discard(),
      label: () => label(btn.dataset.label),
      mode: () => { mode = btn.dataset.mode; paint(); },
      "toggle-pos": () => { showPos = !showPos; paint(); },
      "new-chain": () => link(0),
      "model-chains": addModelChains,
      "confident-chains": () => acceptConfidentChains(+btn.dataset.min),
      link: () => link(+btn.dataset.chain),
      goto: () => { selection.move(+btn.dataset.token, false); paint(); },
      cat: () => toggleCat(btn.dataset.cat),
      "del-relation": () => deleteRelation(+btn.dataset.index),
      "span-label": () => { mode = "span"; spanCats.label(btn.dataset.label); },
      "pick-span": () => { mode = "span"; spanCats.pickAt(+btn.dataset.index); },
      "del-span": () => spanCats.removeAt(+btn.dataset.index),
    };
    const action = actions[btn.dataset.action];
    if (action) { event.preventDefault(); action(); }
  }
  function swapped() {
    selection.reindexed();
    finder.landed();
    paintChains();
    text().tabIndex = 0;
    paint();
    if (!finder.open) text().focus();  // walking the hits keeps the find box's focus
  }

  // ---- wiring ------------------------------------------------------------------------------
  document.addEventListener("keydown", onKey);
  window.addEventListener("resize", () => arcs(true));
  document.addEventListener("click", onClick);
  document.addEventListener("change", (event) => {
    const select = event.target.closest("[data-action=relabel-relation]");
    if (select) relabelRelation(+select.dataset.index, select.value);
    const spanSelect = event.target.closest("[data-action=relabel-span]");
    if (spanSelect) spanCats.relabelAt(+spanSelect.dataset.index, spanSelect.value);
  });
  document.addEventListener("mouseup", (event) => { if (event.target.closest("#text")) onMouseUp(event); });
  const picker = $("#pos-picker");
  if (picker) picker.addEventListener("click", () => picker.value && setPos(+picker.dataset.token, picker.value));
  view.index();
  selection.reindexed();
  text().tabIndex = 0;
  paintChains();
  paintRelations();
  paintCats();
  if (spanCats) spanCats.paintList();
  paint();
  try {
    const kept = JSON.parse(localStorage.getItem(backupKey) || "null");
    // Backups written before the shared text view named the layers ents / chains.
    const restored = kept && (kept.state.entities ? kept.state : { entities: kept.state.ents, pos: kept.state.pos, coref: kept.state.chains });
    if (restored && JSON.stringify(restored) !== JSON.stringify(state)) {
      undoStack.push(JSON.stringify(state));
      state = restored;
      saver.version = kept.version;
      notice.show("Restored changes made in this browser that were not saved yet.");
      touched();
    }
  } catch (_broken) {
    saver.onClean();
  }
  text().focus({ preventScroll: true });
  root.dataset.ready = "true";
}
