// The project's guidelines over the annotate page: opened by the Guidelines button (or G with
// Shift), closed by Esc, the close button or a click outside. While open, keys belong to the
// overlay (captured before the annotation screen's handler sees them), so reading never labels.
// The HTML is the server's rendering of the Markdown with raw HTML escaped; nothing here
// writes HTML.
const overlay = document.getElementById("guidelines");
if (overlay) {
  const box = overlay.firstElementChild;
  let back = null;
  const show = (open) => {
    overlay.hidden = !open;
    if (open) {
      back = document.activeElement;
      box.scrollTop = 0;
      box.focus({ preventScroll: true });
    } else if (back) {
      back.focus({ preventScroll: true });
    }
  };
  document.addEventListener("click", (event) => {
    const what = event.target.closest("[data-guidelines]");
    if (what) show(what.dataset.guidelines === "open");
    else if (!overlay.hidden && event.target === overlay) show(false);
  });
  window.addEventListener("keydown", (event) => {
    const inField = event.target.closest && event.target.closest("input, textarea, select");
    if (overlay.hidden) {
      if (event.key === "G" && event.shiftKey && !inField && !event.ctrlKey && !event.metaKey && !event.altKey) {
        event.preventDefault();
        event.stopImmediatePropagation();
        show(true);
      }
      return;
    }
    event.stopImmediatePropagation();
    if (event.key === "Escape") { event.preventDefault(); show(false); }
  }, true);
}
