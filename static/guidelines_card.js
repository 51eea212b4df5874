// The guidelines card beside the text (templates/projects/_guidelines_card.html): a <details>
// folded or unfolded as this user last left it in this project. The choice is kept in
// localStorage under a key naming the user and the project (two people sharing a browser keep
// their own); without storage (private mode) the card just starts unfolded.
const card = document.getElementById("guidelines-card");
if (card) {
  const fold = card.querySelector("details");
  const key = card.dataset.key;
  try {
    const kept = localStorage.getItem(key);
    if (kept !== null) fold.open = kept === "open";
  } catch (_private) { /* no storage: unfolded */ }
  fold.addEventListener("toggle", () => {
    try { localStorage.setItem(key, fold.open ? "open" : "folded"); } catch (_full) { /* not kept */ }
  });
  card.dataset.ready = "true";
}
