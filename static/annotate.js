// textlabel annotation page: selection (snapped to tokens), keyboard commands, undo/redo and
// debounced autosave through PUT /api/v1/documents/{id}/annotations/me. The server renders
// the text one window of sentences at a time (htmx swaps windows); this file paints the
// layers on the tokens of the current window and keeps the annotation state.
"use strict";
(() => {
  const root = document.getElementById("annotate");
  if (!root) return;
  const D = JSON.parse(document.getElementById("annotate-data").textContent);
  const csrf = JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"];
  const starts = D.tokens.offsets.filter((_, i) => i % 2 === 0);
  const ends = D.tokens.offsets.filter((_, i) => i % 2 === 1);
  const byStart = new Map(starts.map((c, i) => [c, i]));
  const byEnd = new Map(ends.map((c, i) => [c, i]));
  const sentStarts = [...D.tokens.sent_starts].sort((a, b) => a - b);
  const labels = new Map(D.labels.map((l) => [l.name, l]));
  const hotkeys = new Map(D.labels.filter((l) => l.hotkey).map((l) => [l.hotkey, l.name]));
  const has = (layer) => D.layers.includes(layer);
  const PALETTE = ["#e63946", "#2a9d8f", "#f4a261", "#6a4c93", "#1d3557", "#e76f51", "#588157", "#b5179e", "#0077b6"];
  const $ = (sel) => document.querySelector(sel);

  const fromChars = (spans) => spans.map(([s, e, label]) => ({ s, e, label }));
  let state = {
    ents: fromChars(D.entities),
    pos: D.pos ? [...D.pos] : null,
    chains: D.chains.map((chain) => chain.map(([s, e]) => ({ s, e }))),
  };
  const suggestions = D.suggestions.map(([s, e, label, score]) => ({ s, e, label, score }));
  const rejected = new Set();
  let version = D.version;
  let status = D.status;
  const undoStack = [];
  const redoStack = [];
  let cursor = 0;
  let anchor = null;
  let mode = has("entities") ? "ent" : "coref";
  let showPos = false;
  let dirty = false;
  let saving = null;
  let timer = null;
  let inConflict = false;
  let els = new Map();
  let win = { first: 0, last: starts.length };
  let pendingCursor = null;
  // Unsaved state also goes to localStorage, so a closed tab or a crash while offline loses
  // nothing: the next visit restores it (and a stale version leads to the merge banner).
  const backupKey = `textlabel:annotation:${D.document}`;
  const backup = () => { try { localStorage.setItem(backupKey, JSON.stringify({ version, state })); } catch (_full) { /* private mode */ } };
  const dropBackup = () => { try { localStorage.removeItem(backupKey); } catch (_full) { /* private mode */ } };

  // ---- helpers -------------------------------------------------------------------------
  const text = (s, e) => (e > s && s >= 0 && e <= starts.length ? D.text.slice(starts[s], ends[e - 1]) : "");
  const overlaps = (a, s, e) => a.s < e && s < a.e;
  const entAt = (i) => state.ents.find((x) => x.s <= i && i < x.e);
  const visibleSuggestions = () =>
    suggestions.filter(
      (x) => !rejected.has(`${x.s}:${x.e}:${x.label}`) && !state.ents.some((y) => overlaps(x, y.s, y.e)),
    );
  const suggestionAt = (i) => visibleSuggestions().find((x) => x.s <= i && i < x.e);
  const selection = () =>
    anchor === null ? [cursor, cursor + 1] : [Math.min(anchor, cursor), Math.max(anchor, cursor) + 1];
  const modelTag = (i) => (D.model_pos ? D.model_pos[i] : null);
  const tagOf = (i) => (state.pos && state.pos[i]) || modelTag(i) || "";
  const chainOf = (s, e) => state.chains.findIndex((c) => c.some((m) => m.s === s && m.e === e));

  let noticeTimer = null;
  function notice(message) {
    const box = $("#notice");
    box.textContent = message;
    box.classList.add("shown");
    clearTimeout(noticeTimer);
    noticeTimer = setTimeout(() => box.classList.remove("shown"), 8000);
  }

  function saveState(kind, message) {
    const box = $("#save-state");
    box.dataset.state = kind;
    const words = { saved: status === "submitted" ? "Submitted" : "Saved", dirty: "Unsaved changes…",
      saving: "Saving…", offline: "Offline: retrying…", error: message || "Not saved", conflict: "Conflict" };
    box.innerHTML = `${words[kind]} · v<span id="version">${version}</span>`;
  }

  // ---- changes, undo, redo -------------------------------------------------------------
  function change(mutate) {
    const before = JSON.stringify(state);
    mutate();
    if (JSON.stringify(state) === before) return;
    undoStack.push(before);
    redoStack.length = 0;
    state.ents.sort((a, b) => a.s - b.s);
    touched();
  }
  function touched() {
    dirty = true;
    backup();
    saveState("dirty");
    paint();
    clearTimeout(timer);
    timer = setTimeout(save, 500);
  }
  function undo() {
    if (!undoStack.length) return notice("Nothing to undo.");
    redoStack.push(JSON.stringify(state));
    state = JSON.parse(undoStack.pop());
    touched();
  }
  function redo() {
    if (!redoStack.length) return notice("Nothing to redo.");
    undoStack.push(JSON.stringify(state));
    state = JSON.parse(redoStack.pop());
    touched();
  }

  // ---- entities ------------------------------------------------------------------------
  function label(name) {
    if (!has("entities") || !labels.has(name)) return;
    const [s, e] = selection();
    const under = anchor === null ? entAt(cursor) : null;
    const clash = under ? [under] : state.ents.filter((x) => overlaps(x, s, e));
    if (clash.length === 1 && (under || (clash[0].s === s && clash[0].e === e))) {
      change(() => { clash[0].label = name; });
    } else if (clash.length) {
      const other = clash[0];
      return notice(`Refused: entities may not overlap. The selection “${text(s, e)}” overlaps ` +
        `${other.label} “${text(other.s, other.e)}”; delete or relabel that one first.`);
    } else {
      change(() => state.ents.push({ s, e, label: name }));
    }
    anchor = null;
    paint();
  }
  function accept(x) {
    if (!x) return notice("No model suggestion under the cursor.");
    change(() => state.ents.push({ s: x.s, e: x.e, label: x.label }));
  }
  function acceptAll() {
    const open = visibleSuggestions();
    if (!open.length) return notice("No suggestions left to accept.");
    change(() => open.forEach((x) => state.ents.push({ s: x.s, e: x.e, label: x.label })));
  }
  function remove() {
    if (mode === "coref") return unlink();
    const [s, e] = selection();
    const gone = anchor === null ? [entAt(cursor)].filter(Boolean) : state.ents.filter((x) => overlaps(x, s, e));
    if (gone.length) {
      change(() => { state.ents = state.ents.filter((x) => !gone.includes(x)); });
    } else if (suggestionAt(cursor)) {
      const x = suggestionAt(cursor);
      rejected.add(`${x.s}:${x.e}:${x.label}`);
      notice(`Suggestion ${x.label} “${text(x.s, x.e)}” hidden.`);
      paint();
    } else {
      notice("Nothing to delete under the cursor.");
    }
    anchor = null;
    paint();
  }

  // ---- coreference ---------------------------------------------------------------------
  function link(n) {
    const [s, e] = selection();
    if (n > state.chains.length) return notice(`There is no chain ${n}; Shift+N starts one.`);
    change(() => {
      const old = chainOf(s, e);
      if (old >= 0) state.chains[old] = state.chains[old].filter((m) => !(m.s === s && m.e === e));
      if (n === 0) state.chains.push([{ s, e }]);
      else state.chains[n - 1].push({ s, e });
      state.chains.forEach((c) => c.sort((a, b) => a.s - b.s || a.e - b.e));
      state.chains = state.chains.filter((c) => c.length);
    });
    anchor = null;
    paint();
  }
  function unlink() {
    const [s, e] = selection();
    let target = null;
    state.chains.forEach((c, ci) => c.forEach((m) => {
      const hit = anchor !== null ? m.s === s && m.e === e : m.s <= cursor && cursor < m.e;
      if (hit && (!target || m.e - m.s < target.m.e - target.m.s)) target = { ci, m };
    }));
    if (!target) return notice("No mention under the cursor.");
    change(() => {
      state.chains[target.ci] = state.chains[target.ci].filter((m) => m !== target.m);
      state.chains = state.chains.filter((c) => c.length);
    });
  }

  function addModelChains() {
    const model = (D.model_chains || []).map((c) => c.map(([s, e]) => ({ s, e })));
    if (!model.length) return notice("The model found no coreference chains here.");
    const taken = new Set(state.chains.flat().map((m) => `${m.s}:${m.e}`));
    const fresh = model.map((c) => c.filter((m) => !taken.has(`${m.s}:${m.e}`))).filter((c) => c.length);
    if (!fresh.length) return notice("Every mention of the model's chains is already linked.");
    change(() => fresh.forEach((c) => state.chains.push(c)));
    notice(`Added ${fresh.length} chain(s) from the model.`);
  }

  // ---- part of speech ------------------------------------------------------------------
  function openPos() {
    if (!has("pos")) return;
    const panel = $("#pos-panel");
    panel.hidden = false;
    $("#pos-token").textContent = text(cursor, cursor + 1);
    const picker = $("#pos-picker");
    picker.value = tagOf(cursor);
    picker.dataset.token = cursor;
    picker.focus();
  }
  function closePos() {
    $("#pos-panel").hidden = true;
    $("#text").focus();
  }
  function setPos(i, tag) {
    change(() => {
      if (!state.pos) state.pos = new Array(starts.length).fill(null);
      state.pos[i] = tag === modelTag(i) ? null : tag;
    });
    closePos();
  }

  // ---- painting ------------------------------------------------------------------------
  function paint() {
    const ents = new Map();
    for (const x of state.ents) for (let i = Math.max(x.s, win.first); i < Math.min(x.e, win.last); i++) ents.set(i, x);
    const sugs = new Map();
    for (const x of visibleSuggestions()) for (let i = x.s; i < x.e; i++) sugs.set(i, x);
    const opens = new Map();
    const closes = new Map();
    const inside = new Map();
    state.chains.forEach((chain, ci) => chain.forEach((m) => {
      opens.set(m.s, [...(opens.get(m.s) || []), ci]);
      closes.set(m.e - 1, [...(closes.get(m.e - 1) || []), ci]);
      for (let i = m.s; i < m.e; i++) if (!inside.has(i)) inside.set(i, ci);
    }));
    const [a, b] = selection();
    for (const [i, el] of els) {
      const cls = ["t"];
      const x = ents.get(i);
      const tx = el.firstElementChild;
      if (x) {
        cls.push("ent");
        if (i === x.s || i === win.first) cls.push("ent-b");
        if (i === x.e - 1) cls.push("ent-e");
        el.style.setProperty("--c", (labels.get(x.label) || {}).color || "#ddd");
        if (i === x.s) el.dataset.label = x.label; else delete el.dataset.label;
      } else {
        delete el.dataset.label;
      }
      const g = sugs.get(i);
      if (g) {
        cls.push("sug");
        if (i === g.s) { cls.push("sug-b"); el.dataset.sug = g.label; } else delete el.dataset.sug;
        if (i === g.e - 1) cls.push("sug-e");
        el.style.setProperty("--c", (labels.get(g.label) || {}).color || "#ddd");
        el.title = `model suggestion ${g.label}` + (g.score == null ? "" : `, score ${g.score.toFixed(2)}`) + " (Enter accepts)";
      } else {
        delete el.dataset.sug;
        el.removeAttribute("title");
      }
      if (inside.has(i)) {
        cls.push("men");
        el.style.setProperty("--m", PALETTE[inside.get(i) % PALETTE.length]);
      }
      if (opens.has(i)) tx.dataset.open = opens.get(i).map((c) => `[${c + 1}`).join(""); else delete tx.dataset.open;
      if (closes.has(i)) tx.dataset.close = closes.get(i).map((c) => `${c + 1}]`).join(""); else delete tx.dataset.close;
      if (showPos) el.dataset.pos = tagOf(i) || "—"; else delete el.dataset.pos;
      if (state.pos && state.pos[i]) cls.push("pos-changed");
      if (i >= a && i < b) cls.push("sel");
      if (i === cursor) cls.push("cur");
      el.className = cls.join(" ");
    }
    root.dataset.mode = mode;
    root.classList.toggle("show-pos", showPos);
    const toggle = $("[data-action=toggle-pos]");
    if (toggle) toggle.textContent = showPos ? "Hide tags" : "Show tags";
    document.querySelectorAll("[data-action=mode]").forEach((btn) => btn.setAttribute("aria-pressed", btn.dataset.mode === mode));
    paintChains();
    paintCursorInfo();
  }
  function paintChains() {
    const list = $("#chains");
    if (!list) return;
    list.replaceChildren(...state.chains.map((chain, ci) => {
      const li = document.createElement("li");
      li.style.setProperty("--m", PALETTE[ci % PALETTE.length]);
      li.className = "chain";
      const mentions = chain.map((m) => `<button type="button" class="mention" data-action="goto" data-token="${m.s}">${escape(text(m.s, m.e))}</button>`);
      li.innerHTML = `<span class="chain-n">${ci + 1}</span> ${mentions.join(" ")} <button type="button" class="small" data-action="link" data-chain="${ci + 1}" title="link the selection to this chain (${ci + 1})">+ link selection</button>`;
      return li;
    }));
  }
  function paintCursorInfo() {
    const box = $("#cursor-info");
    const parts = [`token ${cursor + 1}: “${escape(text(cursor, cursor + 1))}”`];
    const x = entAt(cursor);
    if (x) parts.push(`entity ${escape(x.label)} “${escape(text(x.s, x.e))}”`);
    const g = suggestionAt(cursor);
    if (g) parts.push(`suggestion ${escape(g.label)}${g.score == null ? "" : ` (score ${g.score.toFixed(2)})`}: Enter accepts`);
    if (has("pos")) parts.push(`tag ${tagOf(cursor) || "—"}${state.pos && state.pos[cursor] ? " (changed)" : ""}`);
    const [s, e] = selection();
    if (anchor !== null) parts.push(`selection “${escape(text(s, e))}”`);
    box.innerHTML = parts.join("<br>");
    const el = els.get(cursor);
    if (el) el.scrollIntoView({ block: "nearest" });
  }
  const escape = (s) => s.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);

  // ---- saving --------------------------------------------------------------------------
  function payload(newStatus) {
    const body = {
      version, status: newStatus || status,
      spans: state.ents.map((x) => ({ start: starts[x.s], end: ends[x.e - 1], label: x.label })),
    };
    if (has("pos")) body.pos = state.pos;
    if (has("coref")) body.coref = state.chains.map((c) => c.map((m) => ({ start: starts[m.s], end: ends[m.e - 1] })));
    return body;
  }
  async function save(newStatus) {
    clearTimeout(timer);
    if (inConflict) return false;
    if (saving) { await saving; if (!dirty && !newStatus) return true; }
    const sent = JSON.stringify(state);
    saveState("saving");
    saving = (async () => {
      try {
        const response = await fetch(D.urls.save, {
          method: "PUT", credentials: "same-origin",
          headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
          body: JSON.stringify(payload(newStatus)),
        });
        const answer = await response.json().catch(() => ({}));
        if (response.ok) {
          version = answer.version;
          status = answer.status;
          if (JSON.stringify(state) === sent) { dirty = false; dropBackup(); } else backup();
          saveState(dirty ? "dirty" : "saved");
          if (dirty) timer = setTimeout(save, 500);
          return true;
        }
        const error = answer.error || {};
        if (response.status === 409) {
          inConflict = true;
          const box = $("#conflict");
          box.querySelector(".theirs").textContent = (error.details || {}).version;
          box.hidden = false;
          saveState("conflict");
        } else {
          notice(`Not saved: ${error.message || response.statusText}. Undo the last change or fix it.`);
          saveState("error", `Not saved (${response.status})`);
        }
        return false;
      } catch (_network) {
        saveState("offline");
        timer = setTimeout(save, 3000);
        return false;
      }
    })();
    const ok = await saving;
    saving = null;
    return ok;
  }
  async function finish(newStatus) {
    if (await save(newStatus)) {
      dirty = false;
      window.location.href = D.urls.next;
    }
  }
  async function merge() {
    const response = await fetch(D.urls.save, { credentials: "same-origin" });
    if (!response.ok) return notice("Could not load the saved version; try again.");
    const theirs = await response.json();
    const range = (m) => ({ s: byStart.get(m.start), e: byEnd.get(m.end) + 1 });
    const merged = theirs.spans.map((x) => ({ ...range(x), label: x.label }));
    let dropped = 0;
    for (const x of state.ents) {
      if (merged.some((y) => y.s === x.s && y.e === x.e && y.label === x.label)) continue;
      if (merged.some((y) => overlaps(y, x.s, x.e))) dropped++; else merged.push({ ...x });
    }
    const chains = (theirs.coref || []).map((c) => c.map(range));
    for (const chain of state.chains) {
      const key = (m) => `${m.s}:${m.e}`;
      const home = chains.find((c) => c.some((m) => chain.some((n) => key(n) === key(m))));
      const fresh = chain.filter((m) => !chains.some((c) => c.some((n) => key(n) === key(m))));
      if (home) home.push(...fresh); else if (fresh.length) chains.push(fresh);
    }
    const pos = theirs.pos ? [...theirs.pos] : state.pos ? new Array(starts.length).fill(null) : null;
    if (state.pos) state.pos.forEach((t, i) => { if (t) pos[i] = t; });
    undoStack.push(JSON.stringify(state));
    state = { ents: merged.sort((a, b) => a.s - b.s), pos, chains };
    version = theirs.version;
    inConflict = false;
    $("#conflict").hidden = true;
    if (dropped) notice(`${dropped} of your entities overlapped saved ones and were left out (Undo shows them).`);
    touched();
    await save();
  }

  // ---- windows, mouse ------------------------------------------------------------------
  function indexWindow() {
    const w = document.getElementById("window");
    win = { first: +w.dataset.first, last: +w.dataset.last };
    els = new Map();
    for (const el of document.querySelectorAll("#text .t")) els.set(+el.dataset.i, el);
    if (pendingCursor !== null && pendingCursor >= win.first && pendingCursor < win.last) cursor = pendingCursor;
    else if (cursor < win.first || cursor >= win.last) cursor = win.first;
    pendingCursor = null;
    anchor = null;
    document.getElementById("text").tabIndex = 0;
  }
  function tokenAt(node, offset, isStart) {
    let el = node.nodeType === 1 ? node : node.parentElement;
    if (node.nodeType === 1 && !el.closest(".t")) {
      const kids = node.childNodes;
      const kid = kids[isStart ? Math.min(offset, kids.length - 1) : Math.max(offset - 1, 0)];
      const inner = kid && (kid.nodeType === 1 ? (kid.closest(".t") || kid.querySelector(isStart ? ".t" : ".t:last-child")) : null);
      if (!inner) return null;
      return +inner.closest(".t").dataset.i;
    }
    const token = el.closest(".t");
    if (!token) return null;
    let i = +token.dataset.i;
    const inWs = el.closest(".ws");
    if (isStart && (inWs || (node.nodeType === 3 && offset >= node.length))) i += 1;
    if (!isStart && !inWs && node.nodeType === 3 && offset === 0) i -= 1;
    return i;
  }
  function onMouseUp(event) {
    const sel = window.getSelection();
    if (sel && !sel.isCollapsed && sel.rangeCount) {
      const r = sel.getRangeAt(0);
      const a = tokenAt(r.startContainer, r.startOffset, true);
      const b = tokenAt(r.endContainer, r.endOffset, false);
      sel.removeAllRanges();
      if (a === null || b === null || a > b) return notice("The selection covers no token.");
      anchor = Math.max(a, win.first);
      cursor = Math.min(b, win.last - 1);
    } else {
      const token = event.target.closest(".t");
      if (!token) return;
      const i = +token.dataset.i;
      const x = mode === "ent" ? entAt(i) : null;
      if (x) { anchor = x.s; cursor = x.e - 1; } else { anchor = null; cursor = i; }
    }
    document.getElementById("text").focus({ preventScroll: true });
    paint();
  }

  // ---- keyboard ------------------------------------------------------------------------
  function move(to, extend) {
    if (extend && anchor === null) anchor = cursor;
    if (!extend) anchor = null;
    const other = to >= win.last ? $(".next-window") : to < win.first ? $(".prev-window") : null;
    if (other && !extend) {
      pendingCursor = to;
      return other.click();
    }
    cursor = Math.max(win.first, Math.min(win.last - 1, to));
    paint();
  }
  function sentenceStep(dir) {
    if (dir > 0) return sentStarts.find((s) => s > cursor) ?? win.last;
    const current = [...sentStarts].reverse().find((s) => s <= cursor) ?? 0;
    return cursor > current ? current : [...sentStarts].reverse().find((s) => s < current) ?? 0;
  }
  function toggleHelp(show) {
    const help = $("#help");
    help.hidden = show === undefined ? !help.hidden : !show;
    if (!help.hidden) help.querySelector("button").focus(); else document.getElementById("text").focus();
  }
  function onKey(event) {
    const k = event.key;
    const help = $("#help");
    if (!help.hidden) {
      if (k === "Escape" || k === "?") { event.preventDefault(); toggleHelp(false); }
      return;
    }
    if (event.target.id === "pos-picker") {
      if (k === "Enter") { event.preventDefault(); setPos(+event.target.dataset.token, event.target.value); }
      if (k === "Escape") { event.preventDefault(); closePos(); }
      return;
    }
    if (event.target.closest("input, textarea, select")) return;
    const ctrl = event.ctrlKey || event.metaKey;
    const act = (fn) => { event.preventDefault(); fn(); };
    if (ctrl && k === "Enter") return act(() => finish("submitted"));
    if (ctrl && (k === "z" || k === "Z")) return act(event.shiftKey ? redo : undo);
    if (ctrl && k === "y") return act(redo);
    if (ctrl || event.altKey) return;
    switch (k) {
      case "ArrowRight": return act(() => move(cursor + 1, event.shiftKey));
      case "ArrowLeft": return act(() => move(cursor - 1, event.shiftKey));
      case "ArrowDown": return act(() => move(sentenceStep(1), event.shiftKey));
      case "ArrowUp": return act(() => move(sentenceStep(-1), event.shiftKey));
      case "PageDown": return act(() => $(".next-window") && $(".next-window").click());
      case "PageUp": return act(() => $(".prev-window") && $(".prev-window").click());
      case "Escape": return act(() => { anchor = null; paint(); });
      case "Delete": case "Backspace": return act(remove);
      case "Enter": return act(() => accept(suggestionAt(cursor)));
      case "?": return act(() => toggleHelp(true));
      case "A": return act(acceptAll);
      case "T": return act(() => { showPos = has("pos") && !showPos; paint(); });
      case "P": return act(openPos);
      case "C": return act(() => { if (has("coref") && has("entities")) { mode = mode === "coref" ? "ent" : "coref"; paint(); } });
      case "N": return act(() => mode === "coref" && link(0));
      case "M": return act(() => has("coref") && addModelChains());
      case "S": return act(() => finish("skipped"));
      default:
    }
    if (mode === "coref" && /^[1-9]$/.test(k)) return act(() => link(+k));
    if (mode === "ent" && hotkeys.has(k)) return act(() => label(hotkeys.get(k)));
  }
  function onClick(event) {
    const btn = event.target.closest("[data-action]");
    if (!btn) return;
    const a = btn.dataset.action;
    const actions = {
      undo, redo, merge, "accept-all": acceptAll,
      help: () => toggleHelp(true), "help-close": () => toggleHelp(false),
      submit: () => finish("submitted"), skip: () => finish("skipped"),
      reload: () => { dirty = false; dropBackup(); window.location.reload(); },
      label: () => label(btn.dataset.label),
      mode: () => { mode = btn.dataset.mode; paint(); },
      "toggle-pos": () => { showPos = !showPos; paint(); },
      "new-chain": () => link(0),
      "model-chains": addModelChains,
      link: () => link(+btn.dataset.chain),
      goto: () => { anchor = null; cursor = +btn.dataset.token; paint(); },
    };
    if (actions[a]) { event.preventDefault(); actions[a](); }
  }

  // ---- wiring --------------------------------------------------------------------------
  document.addEventListener("keydown", onKey);
  document.addEventListener("click", onClick);
  document.addEventListener("mouseup", (event) => { if (event.target.closest("#text")) onMouseUp(event); });
  const picker = $("#pos-picker");
  if (picker) picker.addEventListener("click", () => picker.value && setPos(+picker.dataset.token, picker.value));
  document.body.addEventListener("htmx:afterSwap", (event) => {
    if (event.detail.target.id === "text-window") { indexWindow(); paint(); document.getElementById("text").focus(); }
  });
  window.addEventListener("beforeunload", (event) => {
    if (dirty || saving) { save(); event.preventDefault(); event.returnValue = ""; }
  });
  indexWindow();
  paint();
  try {
    const kept = JSON.parse(localStorage.getItem(backupKey) || "null");
    if (kept && JSON.stringify(kept.state) !== JSON.stringify(state)) {
      undoStack.push(JSON.stringify(state));
      state = kept.state;
      version = kept.version;
      notice("Restored changes made in this browser that were not saved yet.");
      touched();
    }
  } catch (_broken) {
    dropBackup();
  }
  document.getElementById("text").focus({ preventScroll: true });
  root.dataset.ready = "true";
})();
