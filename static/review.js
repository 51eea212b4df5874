// The adjudication view: sentence blocks with a gold row and one row per annotator, and the
// candidates (spans, POS tags, coreference links) with their votes. Keyboard-first: j/k move,
// a/r accept or reject, 1-9 pick a tag, label hotkeys add or relabel spans, Ctrl+Enter saves
// the gold through PUT /api/v1/documents/{id}/gold. Long texts come one window of sentences at
// a time (PgUp/PgDn, or j/k onto a candidate elsewhere); the gold state is the whole document.
(() => {
  "use strict";
  const root = document.getElementById("review");
  if (!root) return;
  const S = JSON.parse(document.getElementById("review-data").textContent);
  const csrf = JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"];
  const text = S.document.text;
  const tokens = S.document.tokens || [];
  const n = S.annotators.length;
  const colors = Object.fromEntries(S.labels.map((l) => [l.name, l.color]));
  const hotkeys = Object.fromEntries(
    S.labels.filter((l) => l.hotkey).map((l) => [l.hotkey.toLowerCase(), l.name]));
  const spanKey = (s, e, l) => `span:${s}:${e}:${l}`;
  const linkKey = (a, b) => `link:${a.start}:${a.end}:${b.start}:${b.end}`;
  const esc = (s) => s.replace(/[&<>"]/g, (c) => ({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}[c]));
  const $ = (sel) => root.querySelector(sel);

  // ---- state -------------------------------------------------------------------------------
  let gold = S.gold;
  let decisions = (gold.info && gold.info.decisions) || {};
  const hasGold = gold.version > 0;
  const goldSpans = new Set(gold.spans.map((s) => spanKey(s.start, s.end, s.label)));
  const goldLinks = new Set();
  for (const chain of gold.coref || []) {
    const ms = [...chain].sort((x, y) => x.start - y.start || x.end - y.end);
    for (let i = 0; i < ms.length; i++) for (let j = i + 1; j < ms.length; j++) goldLinks.add(linkKey(ms[i], ms[j]));
  }
  const items = [];
  for (const c of S.candidates.spans) {
    const key = spanKey(c.start, c.end, c.label);
    const state = hasGold ? (goldSpans.has(key) ? "accepted" : "rejected") : (c.accepted ? "accepted" : "pending");
    items.push({kind: "span", key, start: c.start, end: c.end, label: c.label, orig: c.label,
                votes: c.votes, voters: c.voters, state});
  }
  if (hasGold) {
    const known = new Set(items.map((i) => i.key));
    for (const s of gold.spans) {
      const key = spanKey(s.start, s.end, s.label);
      if (!known.has(key)) items.push({kind: "span", key, start: s.start, end: s.end, label: s.label,
                                       orig: s.label, votes: 0, voters: [], state: "accepted", added: true});
    }
  }
  const basePos = (hasGold && gold.pos) ? [...gold.pos] : (S.draft.pos ? [...S.draft.pos] : null);
  for (const t of S.candidates.pos) {
    // Most votes first (JSON objects lose the server's order), so 1 and "a" take the favourite.
    const options = Object.keys(t.votes).sort((x, y) => t.votes[y].length - t.votes[x].length || (x < y ? -1 : 1));
    const choice = hasGold && basePos ? basePos[t.index] : t.accepted;
    items.push({kind: "pos", key: `pos:${t.index}`, index: t.index, votes: t.votes, options,
                choice, state: choice ? "accepted" : "pending"});
  }
  const candidateLinks = new Set();
  for (const c of S.candidates.links) {
    const key = linkKey(c.a, c.b);
    candidateLinks.add(key);
    const state = hasGold ? (goldLinks.has(key) ? "accepted" : "rejected") : (c.accepted ? "accepted" : "pending");
    items.push({kind: "link", key, a: c.a, b: c.b, votes: c.votes, voters: c.voters, state});
  }
  // Links gold has that no annotator made (saved earlier through the API) are kept as they are.
  const extraLinks = [...goldLinks].filter((k) => !candidateLinks.has(k)).map((k) => {
    const [, as, ae, bs, be] = k.split(":").map(Number);
    return {a: {start: as, end: ae}, b: {start: bs, end: be}};
  });
  items.sort((x, y) => ["span", "pos", "link"].indexOf(x.kind) - ["span", "pos", "link"].indexOf(y.kind)
    || (x.start ?? x.index ?? x.a.start) - (y.start ?? y.index ?? y.a.start));
  let current = items.length ? 0 : -1;
  let dirty = false;

  // ---- tokens ------------------------------------------------------------------------------
  function tokenIndex(ch) {  // first token ending after ch
    let lo = 0, hi = tokens.length;
    while (lo < hi) { const mid = (lo + hi) >> 1; if (tokens[mid].end <= ch) lo = mid + 1; else hi = mid; }
    return lo;
  }
  function tokenRange(start, end) { return [tokenIndex(start), tokenIndex(end - 1) + 1]; }

  function marks(spans) {  // token index -> [label, begin, end]
    const out = new Map();
    for (const s of spans) {
      const [first, last] = tokenRange(s.start, s.end);
      for (let i = first; i < last; i++) out.set(i, [s.label, i === first, i === last - 1]);
    }
    return out;
  }
  // Tokens whose tags are disputed get a quiet marker in every row.
  const disputedTokens = new Set(S.candidates.pos.map((t) => t.index));
  const accepted = () => items.filter((i) => i.kind === "span" && i.state === "accepted");

  // ---- windows -----------------------------------------------------------------------------
  // The server renders one window of sentences (annotators' rows marked, gold row plain);
  // htmx swaps windows into #rv-rows and this file paints the gold row from the client state.
  const bounds = S.windows && S.windows.length ? S.windows : [0];
  let wanted = null;  // the window asked for and not swapped in yet
  function shown() {
    const w = document.getElementById("rv-window");
    return w ? {first: +w.dataset.first, last: +w.dataset.last, number: +w.dataset.number} : null;
  }
  function windowOf(i) {  // the last window starting at or before token i
    let lo = 0, hi = bounds.length;
    while (lo < hi) { const mid = (lo + hi) >> 1; if (bounds[mid] <= i) lo = mid + 1; else hi = mid; }
    return Math.max(0, lo - 1);
  }
  function openWindow(number) {
    if (wanted === number) return;
    wanted = number;
    htmx.ajax("GET", `${S.urls.window}?w=${number}`, {target: "#rv-rows", swap: "innerHTML"});
  }
  function paintRows() {
    const goldMarks = marks(accepted());
    for (const el of root.querySelectorAll(".rv-line .t")) {
      const i = Number(el.dataset.i);
      el.classList.toggle("pos-dispute", disputedTokens.has(i));
      if (!el.closest(".rv-gold")) continue;
      const m = goldMarks.get(i);
      el.classList.toggle("ent", Boolean(m));
      el.classList.toggle("ent-b", Boolean(m && m[1]));
      el.classList.toggle("ent-e", Boolean(m && m[2]));
      if (m) { el.style.setProperty("--c", colors[m[0]] || "#ddd"); el.title = m[0]; }
      else { el.style.removeProperty("--c"); el.removeAttribute("title"); }
    }
    markFocus();
  }
  function itemTokens(item) {
    if (item.kind === "span") return [tokenRange(item.start, item.end)];
    if (item.kind === "pos") return [[item.index, item.index + 1]];
    return [tokenRange(item.a.start, item.a.end), tokenRange(item.b.start, item.b.end)];
  }
  function markFocus(follow = false) {
    root.querySelectorAll(".t.focus").forEach((el) => el.classList.remove("focus"));
    const item = items[current];
    if (!item) return;
    const ranges = itemTokens(item);
    const win = shown();
    // Moving onto a candidate whose text is in another window fetches that window (painted
    // after the swap); paging with PgUp/PgDn leaves the candidate where it is.
    if (follow && win && (ranges[0][0] < win.first || ranges[0][0] >= win.last)) {
      openWindow(windowOf(ranges[0][0]));
      return;
    }
    let first = null;
    for (const [s, e] of ranges) for (let i = s; i < e; i++) {
      root.querySelectorAll(`.rv-line .t[data-i="${i}"]`).forEach((el) => { el.classList.add("focus"); first = first || el; });
    }
    if (first) first.scrollIntoView({block: "nearest"});
  }
  document.body.addEventListener("htmx:afterSwap", (event) => {
    if (event.detail.target.id !== "rv-rows") return;
    wanted = null;
    paintRows();
  });

  // ---- candidates --------------------------------------------------------------------------
  const quote = (s, e) => esc(text.slice(s, e));
  function decidedBy(item) {
    const keys = item.kind === "span" ? [spanKey(item.start, item.end, item.label)] : [item.key];
    const d = decisions[keys[0]];
    return d ? `<span class="decided">${esc(d.decision)} by ${esc(d.by)}</span>` : "";
  }
  function votesBadge(votes) {
    const cls = votes === n ? " all" : votes === 0 ? " none" : "";
    return `<span class="votes${cls}" title="annotators who made it">${votes}/${n}</span>`;
  }
  function itemHtml(item, k) {
    const head = `<li class="cand" data-n="${k}" data-kind="${item.kind}" data-state="${item.state}" aria-current="${k === current}">`;
    if (item.kind === "span") {
      const options = S.labels.map((l) => `<option ${l.name === item.label ? "selected" : ""}>${esc(l.name)}</option>`).join("");
      const edited = item.label !== item.orig ? ` <span class="st">edited</span>` : "";
      return head + `<q>${quote(item.start, item.end)}</q><span class="label" style="--c:${esc(colors[item.label] || "#ddd")}">${esc(item.label)}</span>`
        + votesBadge(item.votes) + `<span class="voters">${item.added ? "added by a reviewer" : esc(item.voters.join(", "))}</span>`
        + `<span class="st">${item.state}</span>${edited}`
        + `<button type="button" data-act="accept">Accept</button><button type="button" data-act="reject">Reject</button>`
        + `<select data-act="label" aria-label="label">${options}</select>${decidedBy(item)}</li>`;
    }
    if (item.kind === "pos") {
      const tok = tokens[item.index];
      const buttons = item.options.map((tag, j) => `<button type="button" data-act="tag" data-tag="${esc(tag)}" class="${tag === item.choice ? "chosen" : ""}" title="${esc(item.votes[tag].join(", "))}">${j + 1}. ${esc(tag)} ${item.votes[tag].length}/${n}</button>`).join("");
      return head + `<q>${quote(tok.start, tok.end)}</q>${buttons}<span class="st">${item.choice ? esc(item.choice) : "undecided"}</span>${decidedBy(item)}</li>`;
    }
    return head + `<q>${quote(item.a.start, item.a.end)}</q> ↔ <q>${quote(item.b.start, item.b.end)}</q>` + votesBadge(item.votes)
      + `<span class="voters">${esc(item.voters.join(", "))}</span><span class="st">${item.state}</span>`
      + `<button type="button" data-act="accept">Accept</button><button type="button" data-act="reject">Reject</button>${decidedBy(item)}</li>`;
  }
  function renderLists() {
    for (const kind of ["span", "pos", "link"]) {
      const list = $(`#cand-${kind}`);
      if (!list) continue;
      const mine = items.map((item, k) => [item, k]).filter(([item]) => item.kind === kind);
      list.innerHTML = mine.map(([item, k]) => itemHtml(item, k)).join("") || '<li class="muted small">none</li>';
      const open = mine.filter(([item]) => item.state === "pending").length;
      const count = $(`#count-${kind}`);
      if (count) count.textContent = `${mine.length}${open ? ` · ${open} undecided` : ""}`;
    }
    const el = root.querySelector('.cand[aria-current="true"]');
    if (el) el.scrollIntoView({block: "nearest"});
  }
  function render() { paintRows(); renderLists(); }

  function setState(state, message) {
    const el = $("#save-state");
    el.dataset.state = state;
    el.textContent = message;
  }
  function notice(message) {
    const el = $("#notice");
    el.textContent = message || "";
    el.classList.toggle("shown", Boolean(message));
  }
  function changed() { dirty = true; setState("dirty", "Not saved"); render(); }

  function accept(item) {
    if (!item) return;
    if (item.kind === "pos") { item.choice = item.choice || item.options[0]; }
    item.state = "accepted";
    changed();
  }
  function reject(item) {
    if (!item || item.kind === "pos") return;
    item.state = "rejected";
    changed();
  }
  function relabel(item, label) {
    if (!item || item.kind !== "span") return;
    item.label = label;
    item.state = "accepted";
    changed();
  }
  function choose(item, tag) {
    if (!item || item.kind !== "pos" || !tag) return;
    item.choice = tag;
    item.state = "accepted";
    changed();
  }
  function move(step) {
    if (!items.length) return;
    current = Math.max(0, Math.min(items.length - 1, current + step));
    renderLists();
    markFocus(true);
  }

  function selectedRange() {
    const sel = window.getSelection();
    if (!sel || sel.isCollapsed || !sel.rangeCount) return null;
    const tokenOf = (node) => (node.nodeType === 1 ? node : node.parentElement)?.closest(".rv-line .t");
    const a = tokenOf(sel.anchorNode), b = tokenOf(sel.focusNode);
    if (!a || !b) return null;
    const i = Number(a.dataset.i), j = Number(b.dataset.i);
    return [Math.min(i, j), Math.max(i, j)];
  }
  function addSpan(label) {
    const range = selectedRange();
    if (!range) return false;
    const start = tokens[range[0]].start, end = tokens[range[1]].end;
    const key = spanKey(start, end, label);
    let item = items.find((i) => i.key === key);
    if (!item) {
      item = {kind: "span", key, start, end, label, orig: label, votes: 0, voters: [], state: "accepted", added: true};
      items.push(item);
      items.sort((x, y) => ["span", "pos", "link"].indexOf(x.kind) - ["span", "pos", "link"].indexOf(y.kind)
        || (x.start ?? x.index ?? x.a.start) - (y.start ?? y.index ?? y.a.start));
    }
    item.state = "accepted";
    current = items.indexOf(item);
    window.getSelection().removeAllRanges();
    changed();
    return true;
  }

  // ---- saving ------------------------------------------------------------------------------
  function chains() {
    const parent = new Map();
    const id = (m) => `${m.start}:${m.end}`;
    const find = (x) => { while (parent.get(x) !== x) { parent.set(x, parent.get(parent.get(x))); x = parent.get(x); } return x; };
    const add = (x) => { if (!parent.has(x)) parent.set(x, x); };
    const links = [...items.filter((i) => i.kind === "link" && i.state === "accepted"), ...extraLinks];
    for (const l of links) {
      const a = id(l.a), b = id(l.b);
      add(a); add(b);
      const ra = find(a), rb = find(b);
      if (ra !== rb) parent.set(ra, rb);
    }
    const groups = new Map();
    for (const x of parent.keys()) {
      const r = find(x);
      if (!groups.has(r)) groups.set(r, []);
      const [start, end] = x.split(":").map(Number);
      groups.get(r).push({start, end});
    }
    return [...groups.values()].map((g) => g.sort((x, y) => x.start - y.start || x.end - y.end));
  }
  function payload() {
    const body = {version: gold.version, status: "submitted",
                  spans: accepted().map((i) => ({start: i.start, end: i.end, label: i.label}))};
    if (S.layers.includes("pos") && basePos) {
      const pos = [...basePos];
      for (const i of items) if (i.kind === "pos" && i.choice) pos[i.index] = i.choice;
      body.pos = pos;
    }
    if (S.layers.includes("coref")) body.coref = chains();
    if (!S.layers.includes("entities")) delete body.spans;
    return body;
  }
  async function save() {
    setState("saving", "Saving…");
    notice("");
    let response;
    try {
      response = await fetch(S.urls.gold, {
        method: "PUT",
        headers: {"Content-Type": "application/json", "X-CSRFToken": csrf, "Accept": "application/json"},
        body: JSON.stringify(payload()),
      });
    } catch (err) {
      setState("error", "Not saved (offline?)");
      notice(`Could not reach the server: ${err}`);
      return;
    }
    const data = await response.json().catch(() => ({}));
    if (response.ok) {
      gold = data;
      decisions = (data.info && data.info.decisions) || {};
      dirty = false;
      setState("saved", `Saved · gold v${data.version}`);
      renderLists();
      return;
    }
    setState("error", response.status === 409 ? "Conflict" : "Not saved");
    const message = (data.error && data.error.message) || `HTTP ${response.status}`;
    notice(response.status === 409 ? `${message} (someone else saved this gold; reload the page to see their decision).` : message);
  }

  // ---- events ------------------------------------------------------------------------------
  root.addEventListener("click", (event) => {
    const target = event.target;
    const action = target.closest("[data-action]");
    if (action) {
      const what = action.dataset.action;
      if (what === "save") save();
      else if (what === "help") $("#help").hidden = !$("#help").hidden;
      else if (what === "label" && !addSpan(action.dataset.label)) relabel(items[current], action.dataset.label);
      return;
    }
    const li = target.closest(".cand");
    if (li) {
      current = Number(li.dataset.n);
      const act = target.closest("[data-act]");
      if (act && act.dataset.act === "accept") accept(items[current]);
      else if (act && act.dataset.act === "reject") reject(items[current]);
      else if (act && act.dataset.act === "tag") choose(items[current], act.dataset.tag);
      else if (!act) { renderLists(); markFocus(true); }
      return;
    }
    const tok = target.closest(".rv-line .t");
    if (tok && window.getSelection().isCollapsed) {
      const i = Number(tok.dataset.i);
      const hit = items.findIndex((it) => it.kind === "span" && tokenRange(it.start, it.end)[0] <= i && i < tokenRange(it.start, it.end)[1]);
      if (hit >= 0) { current = hit; renderLists(); markFocus(); }
    }
  });
  root.addEventListener("change", (event) => {
    const select = event.target.closest('select[data-act="label"]');
    if (select) { current = Number(select.closest(".cand").dataset.n); relabel(items[current], select.value); }
  });
  document.addEventListener("keydown", (event) => {
    if (event.target.closest && event.target.closest("input, textarea, select")) return;
    const key = event.key;
    if ((event.ctrlKey || event.metaKey) && key === "Enter") { event.preventDefault(); save(); return; }
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const item = items[current];
    if (key === "?" || (key === "Escape" && !$("#help").hidden)) { $("#help").hidden = !$("#help").hidden; return; }
    if (key === "N" && event.shiftKey) {
      if (!dirty || window.confirm("Leave without saving the gold?")) window.location.href = S.urls.next;
      return;
    }
    if (key === "PageDown" || key === "PageUp") {
      const link = $(key === "PageDown" ? ".next-window" : ".prev-window");
      if (link) { event.preventDefault(); link.click(); }
      return;
    }
    if (key === "j" || key === "ArrowDown") { event.preventDefault(); move(1); }
    else if (key === "k" || key === "ArrowUp") { event.preventDefault(); move(-1); }
    else if (key === "a") accept(item);
    else if (key === "r") reject(item);
    else if (/^[1-9]$/.test(key) && item && item.kind === "pos") choose(item, item.options[Number(key) - 1]);
    else if (hotkeys[key.toLowerCase()]) {
      if (!addSpan(hotkeys[key.toLowerCase()])) relabel(item, hotkeys[key.toLowerCase()]);
    } else return;
  });
  window.addEventListener("beforeunload", (event) => { if (dirty) { event.preventDefault(); event.returnValue = ""; } });

  render();
})();
