// The project's document list: "select all on this page" for the bulk actions. Delegated
// from the document, so it keeps working after htmx swaps the list (search, pages).
document.addEventListener("change", (event) => {
  const all = event.target.closest("[data-select-all]");
  if (!all) return;
  for (const box of document.querySelectorAll('input[type=checkbox][name=ids][form="bulk-form"]')) {
    box.checked = all.checked;
  }
});
