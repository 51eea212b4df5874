// The comment threads of a document beside its text, on the annotation and the adjudication
// screens (templates/comments/_panel.html): listed, opened, answered, resolved and reopened
// through the API (/api/v1/documents/{did}/comments, /api/v1/comments/{cid}). A new thread
// is on the whole document, or on the selected words: Shift+Q (or "On the selection") takes
// the tokens the text view marks as selected. Ctrl+Enter posts, Esc goes back to the text.
// Everything shown is built with textContent (h()): comments are plain text, never HTML.
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
  function threadNode(t) {
    const css = ["thread", t.kind === "flag" && "flag", t.resolved && "resolved", t.waiting && "waiting"].filter(Boolean).join(" ");
    return h("li", { class: css, id: `comment-${t.id}`, data: { thread: t.id } },
      h("div", { class: "c-on small" }, t.kind === "flag" ? h("span", { class: "c-flag", text: "flag" }) : null, " ", quoteNode(t),
        t.waiting ? h("span", { class: "c-new", text: "new reply" }) : null),
      ...post(t.author, t.created_at, t.body),
      h("ol", { class: "c-replies" }, t.replies.map((r) => h("li", { id: `comment-${r.id}` }, ...post(r.author, r.created_at, r.body)))),
      t.resolved ? h("p", { class: "small muted c-resolved", text: `Resolved by ${t.resolved_by || "?"}` }) : null,
      h("form", { class: "c-reply", data: { thread: t.id } },
        h("textarea", { name: "body", rows: 1, maxlength: form.body.maxLength, placeholder: "Reply…", "aria-label": `reply to ${t.author || "the thread"}` }),
        h("button", { type: "submit", text: "Reply" }),
        t.may_resolve ? h("button", { type: "button", data: { resolve: t.resolved ? "false" : "true" }, text: t.resolved ? "Reopen" : "Resolve" }) : null));
  }
  async function load() {
    try {
      const { threads } = await call(list);
      threads.sort((a, b) => Number(a.resolved) - Number(b.resolved));  // open first, order kept
      // Replies being written in other threads survive the redraw.
      const drafts = new Map([...panel.querySelectorAll(".c-reply")].map((f) => [f.dataset.thread, f.body.value]));
      $("#threads", panel).replaceChildren(...threads.map(threadNode));
      for (const f of panel.querySelectorAll(".c-reply")) f.body.value = drafts.get(f.dataset.thread) || "";
      openRanges = threads.filter((t) => !t.resolved && t.quote).map((t) => [t.token_start, t.token_end]);
      document.dispatchEvent(new CustomEvent("comments:changed"));
      const open = threads.filter((t) => !t.resolved).length;
      $("#comment-count", panel).textContent = threads.length ? `${open} open · ${threads.length - open} resolved` : "";
      problem(panel, null);
      const wanted = location.hash.startsWith("#comment-") && document.getElementById(location.hash.slice(1));
      if (wanted) wanted.scrollIntoView({ block: "nearest" });
    } catch (error) {
      problem(panel, `Comments: ${error.message}`);
    }
    panel.dataset.ready = "true";
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
}
