// What every page shares (loaded from base.html): the errors of htmx requests, shown where the
// user looks. htmx does not swap 4xx / 5xx answers, so without this a refused form (an
// unknown member, a duplicate hotkey) would show nothing. The message comes from the answer
// (the API's JSON {"error": {"message"}}, or the fragment the server renders for htmx) and is
// shown as text under the form that sent the request, else in the flash area.

const CLASS = "request-error";

function messageOf(xhr) {
  const type = xhr.getResponseHeader("Content-Type") || "";
  const body = xhr.responseText || "";
  if (type.includes("json")) {
    try {
      const message = JSON.parse(body).error?.message;
      if (message) return message;
    } catch (_notJson) { /* fall through to the status */ }
  } else if (type.includes("html") && body) {
    // An inert document: nothing in it runs or loads; only its text is used.
    const doc = new DOMParser().parseFromString(body, "text/html");
    const text = (doc.querySelector(".flash, [role=alert], h1") || doc.body).textContent.replace(/\s+/g, " ").trim();
    if (text) return text;
  }
  return `${xhr.status} ${xhr.statusText || "error"}`.trim();
}

function clear(form) {
  const next = form && form.nextElementSibling;
  if (next && next.classList.contains(CLASS)) next.remove();
}

function show(elt, message) {
  const box = document.createElement("p");
  box.className = `flash error ${CLASS}`;
  box.setAttribute("role", "alert");
  box.textContent = message;
  const form = elt && elt.isConnected ? elt.closest("form") : null;
  if (form) {
    clear(form);
    form.after(box);
  } else {
    document.getElementById("flash").replaceChildren(box);
  }
  box.scrollIntoView({ block: "nearest" });
}

document.body.addEventListener("htmx:responseError", (event) => show(event.detail.elt, messageOf(event.detail.xhr)));
document.body.addEventListener("htmx:sendError", (event) => show(event.detail.elt, "The server cannot be reached; try again."));
document.body.addEventListener("htmx:beforeRequest", (event) => clear(event.detail.elt && event.detail.elt.closest("form")));

// Forms that ask first (data-confirm="question"): a listener, since the Content-Security-Policy
// runs no inline onsubmit handler.
document.addEventListener("submit", (event) => {
  const question = event.target.dataset && event.target.dataset.confirm;
  if (question && !window.confirm(question)) event.preventDefault();
});
