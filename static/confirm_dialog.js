// An inline, modal confirmation in the page instead of window.confirm (which blocks the page,
// cannot be styled and reads the same for every question): a native <dialog> opened with
// showModal, so the rest of the page is inert and assistive tools announce it. Focus moves
// to the confirming button; Esc cancels, Enter confirms (on the Cancel button Enter presses
// Cancel); no key reaches the page's own shortcuts while it is open. Everything shown is
// built with textContent.
import { h } from "./textview.js";

let pending = null;  // the answer of the dialog on screen: a second ask waits for the same one

/** Asks `title` with `lines` (a list) and `note`; resolves true to go on, false to cancel. */
export function confirmDialog({ title, lines = [], note = "", confirm = "OK", cancel = "Cancel" }) {
  if (pending) return pending;
  const back = document.activeElement;
  const no = h("button", { type: "button", "data-answer": "no", text: cancel });
  const yes = h("button", { type: "button", class: "primary", "data-answer": "yes", text: confirm });
  const dialog = h("dialog", { class: "confirm-dialog card", "aria-labelledby": "confirm-title", "aria-describedby": "confirm-what" },
    h("h2", { id: "confirm-title", text: title }),
    h("ul", { id: "confirm-what" }, lines.map((line) => h("li", { text: line }))),
    note ? h("p", { class: "small muted", text: note }) : null,
    h("div", { class: "confirm-buttons" }, no, yes));
  pending = new Promise((resolve) => {
    const finish = (answer) => {
      dialog.close();
      dialog.remove();
      pending = null;
      if (back && back.isConnected) back.focus({ preventScroll: true });
      resolve(answer);
    };
    dialog.addEventListener("keydown", (event) => {
      event.stopPropagation();  // the page's shortcuts wait
      if (event.key === "Escape") { event.preventDefault(); finish(false); }
      else if (event.key === "Enter") { event.preventDefault(); finish(event.target !== no); }
    });
    dialog.addEventListener("cancel", (event) => { event.preventDefault(); finish(false); });
    no.addEventListener("click", () => finish(false));
    yes.addEventListener("click", () => finish(true));
  });
  document.body.append(dialog);
  dialog.showModal();
  yes.focus();
  return pending;
}
