// The export form: the query takes one comma-separated "statuses" value, kept in step with
// the ticked boxes.
const hidden = document.getElementById("statuses");
const boxes = () => [...document.querySelectorAll(".status-choice")];
for (const box of boxes()) {
  box.addEventListener("change", () => {
    hidden.value = boxes().filter((b) => b.checked).map((b) => b.value).join(",");
  });
}
