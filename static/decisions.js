// Adjudication decisions told truthfully (static/review.js imports it): a saved decision is
// shown only while the candidate still stands as it was saved, a candidate changed since
// reads "not saved yet"; open candidates (POS tokens without a majority tag, links the share
// did not accept) that the reviewer leaves pending are counted before saving, sent as
// `undecided` and stay pending, never settled by a tie-break.

/** Whether the saved decision `d` ({decision, by}) still describes `item`. */
export function stillHolds(item, d) {
  if (item.kind === "pos") return d.decision === "undecided" ? item.state === "pending" : d.decision === `tag ${item.choice}`;
  if (item.state === "accepted") return d.decision === "accepted" || d.decision === "added";
  return d.decision === (item.state === "pending" ? "undecided" : item.state);
}

/** The text shown beside a candidate for its saved decision `d` (undefined: none saved). */
export function decisionText(item, d) {
  if (!d) return "";
  if (!stillHolds(item, d)) return `not saved yet (saved: ${d.decision} by ${d.by})`;
  return d.decision === "undecided" ? `left undecided by ${d.by}` : `${d.decision} by ${d.by}`;
}

/** The open candidates still pending, as the gold API's `undecided` keys. */
export const undecidedKeys = (items) => items.filter((i) => (i.kind === "pos" || i.kind === "link") && i.state === "pending").map((i) => i.key);

/** Asks before a save that leaves candidates undecided; true to save. */
export function confirmUndecided(keys) {
  if (!keys.length) return true;
  const pos = keys.filter((k) => k.startsWith("pos:")).length;
  const links = keys.length - pos;
  const parts = [pos && `${pos} POS tag${pos > 1 ? "s" : ""}`, links && `${links} coreference link${links > 1 ? "s" : ""}`].filter(Boolean);
  return window.confirm(`${parts.join(" and ")} undecided. Save the gold anyway? `
    + "They stay undecided (a tag keeps the draft's, a link stays out of the chains) and are asked about again.");
}
