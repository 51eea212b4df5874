// The comment threads of a document beside its text, on the annotation and the adjudication
// screens (templates/comments/_panel.html): listed, opened, answered, resolved and reopened
// through the API (/api/v1/documents/{did}/comments, /api/v1/comments/{cid}). A new thread
// is on the whole document, or on the selected words: Shift+Q (or "On the selection") takes
// the tokens the text view marks as selected. Ctrl+Enter posts, Esc goes back to the text.
// Everything shown is built with textContent (h()): comments are plain text, never HTML.
// The card asks again every data-poll seconds (20) while the tab is visible, with the last
// ETag: the server answers 304 while nothing changed, so polling costs two small queries.
// A thread with unread comments is marked read once it has been on screen (POST .../read
// up to the last comment shown); its "N new" mark goes at the next refresh.
import { $, h, csrfToken, inField, readState, Tokens } from "./textview.js";

const panel = document.getElementById("comments");
let openRanges = [];  // token ranges [s, e) of the open threads on words

/** A text-view painter (the annotation screen registers it) that marks the words of open
 * threads; the screen repaints on the "comments:changed" event this module sends. */
export function commentPainter() {
  return (deco) => {
    for (const [s, e] of openRanges) deco.range(s, e, (i) => deco.cls(i, "commented"));
  };
}

if (panel) start(panel);

function start(panel) {
  const { list, comment, state: stateId, text: textSelector } = panel.dataset;
  const pollSeconds = Number(panel.dataset.poll) || 20;
  const closed = panel.dataset.closed === "true";  // an archived document: read, resolve, no posts
  let etag = null;  // of the threads shown: a poll with it is answered 304 while unchanged
  let first = true;
  const form = $("#comment-form", panel);
  const anchorText = $("#comment-anchor", panel);
  const toDocument = $("[data-comment-on=document]", panel);
  let anchor = null;  // { start, end, quote } of the selected words, or null: the document
  let tokens = null;  // the page's tokens, read when first needed (a long document's JSON)

  const when = (iso) => new Date(iso).toLocaleString([], { dateStyle: "medium", timeStyle: "short" });
  const textView = () => document.querySelector(textSelector);

  async function call(url, method = "GET", body = undefined) {
    const answer = await fetch(url, {
      method, credentials: "same-origin",
      headers: { Accept: "application/json", "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const data = await answer.json().catch(() => ({}));
    if (!answer.ok) throw new Error((data.error && data.error.message) || `${answer.status} ${answer.statusText}`);
    return data;
  }

  function problem(where, message) {
    const old = where.querySelector(":scope > .request-error");
    if (old) old.remove();
    if (message) where.append(h("p", { class: "flash error request-error", role: "alert", text: message }));
  }

  // ---- the threads -------------------------------------------------------------------------
  function quoteNode(t) {
    if (!t.quote) return h("span", { class: "muted", text: "on the document" });
    if (!panel.dataset.goto) return h("q", { class: "c-quote", text: t.quote });
    // data-action=goto: the annotation screen moves its cursor there (opening the window).
    return h("button", { type: "button", class: "c-quote linkish", data: { action: "goto", token: t.token_start },
      title: "Show these words in the text", text: `“${t.quote}”` });
  }
  function post(author, created, body) {
    return [
      h("div", { class: "c-head small" }, h("b", { text: author || "(deleted user)" }), " ", h("span", { class: "muted", text: when(created) })),
      h("p", { class: "c-body", text: body }),
    ];
  }
  // What was new when this page showed it stays marked "N new" (outlined once read) until
  // the page is left: the server's count drops to 0 as soon as the card marks it read.
  const shownNew = new Map();  // thread id -> { count, last }
  function news(t) {
    if (t.unread) {
      shownNew.set(t.id, { count: t.unread, last: t.last_id });
      return { count: t.unread, read: false };
    }
    const earlier = shownNew.get(t.id);
    return earlier && earlier.last === t.last_id ? { count: earlier.count, read: true } : { count: 0, read: false };
  }
  function newMark({ count, read }) {
    if (!count) return null;
    return h("span", { class: read ? "c-new seen" : "c-new", text: `${count} new`,
      title: read ? "new when you opened the page; read now" : "comments you have not read" });
  }
  function threadNode(t) {
    const fresh = news(t);
    const css = ["thread", t.kind === "flag" && "flag", t.resolved && "resolved", t.waiting && "waiting",
      t.unread && "unread"].filter(Boolean).join(" ");
    const data = { thread: t.id, last: t.last_id, ...(fresh.read ? { read: "true" } : {}) };
    return h("li", { class: css, id: `comment-${t.id}`, data },
      h("div", { class: "c-on small" }, t.kind === "flag" ? h("span", { class: "c-flag", text: "flag" }) : null, " ", quoteNode(t),
        newMark(fresh)),
      ...post(t.author, t.created_at, t.body),
      h("ol", { class: "c-replies" }, t.replies.map((r) => h("li", { id: `comment-${r.id}` }, ...post(r.author, r.created_at, r.body)))),
      t.resolved ? h("p", { class: "small muted c-resolved", text: `Resolved by ${t.resolved_by || "?"}` }) : null,
      h("form", { class: "c-reply", data: { thread: t.id } },
        closed ? null : h("textarea", { name: "body", rows: 1, maxlength: form.body.maxLength, placeholder: "Reply…", "aria-label": `reply to ${t.author || "the thread"}` }),
        closed ? null : h("button", { type: "submit", text: t.resolved ? "Reply and reopen" : "Reply",
          title: t.resolved ? "A reply reopens the resolved thread" : "Reply (Ctrl+Enter)" }),
        t.may_resolve ? h("button", { type: "button", data: { resolve: t.resolved ? "false" : "true" }, text: t.resolved ? "Reopen" : "Resolve" }) : null));
  }
  // ---- read markers: a thread on screen is read up to its last comment shown -----------------
  const seen = new IntersectionObserver((entries) => {
    if (document.visibilityState !== "visible") return;
    for (const entry of entries) if (entry.isIntersecting) markRead(entry.target);
  }, { threshold: 0.2 });
  function markRead(node) {
    seen.unobserve(node);
    call(`${comment}${node.dataset.thread}/read`, "POST", { up_to: Number(node.dataset.last) })
      .then(() => {
        node.dataset.read = "true";
        const mark = node.querySelector(".c-new");
        if (mark) mark.classList.add("seen");
      })
      .catch((error) => problem(panel, `Comments: ${error.message}`));
  }

  async function fetchThreads(conditional) {
    const headers = { Accept: "application/json" };
    if (conditional && etag) headers["If-None-Match"] = etag;
    const answer = await fetch(list, { credentials: "same-origin", cache: "no-store", headers });
    if (answer.status === 304) return null;
    const data = await answer.json().catch(() => ({}));
    if (!answer.ok) throw new Error((data.error && data.error.message) || `${answer.status} ${answer.statusText}`);
    etag = answer.headers.get("ETag");
    return data.threads;
  }
  function redraw(threads) {
    // Replies being written survive the redraw, and so do the focus and caret in one.
    const replies = () => [...panel.querySelectorAll(".c-reply")].filter((f) => f.body);  // none when closed
    const drafts = new Map(replies().map((f) => [f.dataset.thread, f.body.value]));
    const active = document.activeElement && document.activeElement.closest(".c-reply");
    const caret = active && [document.activeElement.selectionStart, document.activeElement.selectionEnd];
    seen.disconnect();
    $("#threads", panel).replaceChildren(...threads.map(threadNode));
    for (const f of replies()) f.body.value = drafts.get(f.dataset.thread) || "";
    const again = active && panel.querySelector(`.c-reply[data-thread="${active.dataset.thread}"]`);
    if (again) {
      again.body.focus({ preventScroll: true });
      again.body.setSelectionRange(...caret);
    }
    watchUnread();
  }
  function watchUnread() {  // observing anew reports at once whether each is on screen
    seen.disconnect();
    for (const node of panel.querySelectorAll(".thread.unread:not([data-read])")) seen.observe(node);
  }
  async function load({ conditional = false } = {}) {
    try {
      const threads = await fetchThreads(conditional);
      if (threads === null) return;  // 304: nothing changed
      threads.sort((a, b) => Number(a.resolved) - Number(b.resolved));  // open first, order kept
      redraw(threads);
      openRanges = threads.filter((t) => !t.resolved && t.quote).map((t) => [t.token_start, t.token_end]);
      document.dispatchEvent(new CustomEvent("comments:changed"));
      const open = threads.filter((t) => !t.resolved).length;
      $("#comment-count", panel).textContent = threads.length ? `${open} open · ${threads.length - open} resolved` : "";
      problem(panel, null);
      const wanted = first && location.hash.startsWith("#comment-") && document.getElementById(location.hash.slice(1));
      if (wanted) wanted.scrollIntoView({ block: "nearest" });
      first = false;
    } catch (error) {
      problem(panel, `Comments: ${error.message}`);
    }
    panel.dataset.ready = "true";
  }
  function poll() {
    if (document.visibilityState !== "visible") return;
    watchUnread();  // threads shown while the tab was hidden were not read
    load({ conditional: true });
  }

  // ---- the anchor: the selected words, or the document --------------------------------------
  function setAnchor(value) {
    anchor = value;
    anchorText.textContent = anchor ? `On “${anchor.quote}”` : "On the whole document";
    toDocument.hidden = !anchor;
  }
  function selectedWords() {
    const view = textView();
    const marked = view ? [...view.querySelectorAll(".t.sel")].map((el) => Number(el.dataset.i)) : [];
    if (!marked.length) return null;
    if (!tokens) {
      const S = readState(stateId);
      tokens = new Tokens(S.tokens, S.text ?? S.document.text);
    }
    const first = Math.min(...marked);
    const last = Math.max(...marked) + 1;
    return { ...tokens.chars(first, last), quote: tokens.slice(first, last) };
  }
  function commentOnSelection() {
    const words = selectedWords();
    setAnchor(words);
    problem(form, words ? null : "Select some words in the text first (or write about the whole document).");
    form.body.focus();
  }

  // ---- posting -------------------------------------------------------------------------------
  async function submitThread() {
    const body = { body: form.body.value, kind: form.flag.checked ? "flag" : "comment" };
    if (anchor) Object.assign(body, { start: anchor.start, end: anchor.end });
    try {
      await call(list, "POST", body);
    } catch (error) {
      return problem(form, error.message);
    }
    form.reset();
    setAnchor(null);
    problem(form, null);
    await load();
    back();
  }
  async function submitReply(replyForm) {
    const id = replyForm.dataset.thread;
    try {
      await call(`${comment}${id}/replies`, "POST", { body: replyForm.body.value });
    } catch (error) {
      return problem(replyForm, error.message);
    }
    replyForm.body.value = "";  // sent: no draft to keep
    await load();
  }
  async function resolve(button) {
    const id = button.closest("form").dataset.thread;
    try {
      await call(`${comment}${id}`, "PATCH", { resolved: button.dataset.resolve === "true" });
    } catch (error) {
      return problem(button.closest("form"), error.message);
    }
    await load();
  }
  function back() {  // to the text, where the screen's keys work again
    const view = textView();
    const target = view && (view.querySelector("[tabindex]") || view.closest("[tabindex]"));
    if (target) target.focus({ preventScroll: true });
    else document.activeElement.blur();
  }

  // ---- wiring ------------------------------------------------------------------------------
  panel.addEventListener("submit", (event) => {
    event.preventDefault();
    if (event.target === form) submitThread();
    else if (event.target.matches(".c-reply")) submitReply(event.target);
  });
  panel.addEventListener("click", (event) => {
    const on = event.target.closest("[data-comment-on]");
    if (on) return on.dataset.commentOn === "selection" ? commentOnSelection() : setAnchor(null);
    const button = event.target.closest("[data-resolve]");
    if (button) resolve(button);
    return undefined;
  });
  panel.addEventListener("keydown", (event) => {
    if (!event.target.matches("textarea")) return;
    if ((event.ctrlKey || event.metaKey) && event.key === "Enter") {
      event.preventDefault();
      event.stopPropagation();
      event.target.form.requestSubmit();
    } else if (event.key === "Escape") {
      event.preventDefault();
      back();
    }
  });
  // Shift+Q from the text: captured before the screen's own keys (Q labels nothing: label
  // hotkeys are lower-case letters and digits). A page without selectable words has no text.
  if (textSelector) window.addEventListener("keydown", (event) => {
    if (event.key !== "Q" || !event.shiftKey || event.ctrlKey || event.metaKey || event.altKey || inField(event)) return;
    if (document.querySelector(".help-overlay:not([hidden])")) return;  // the help, the guidelines
    event.preventDefault();
    event.stopImmediatePropagation();
    commentOnSelection();
  }, true);
  load();
  setInterval(poll, pollSeconds * 1000);
  document.addEventListener("visibilitychange", poll);  // back to the tab: at once
}
