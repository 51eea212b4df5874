// Adjudication decisions told truthfully (static/review.js imports it): a saved decision is
// shown only while the candidate still stands as it was saved, a candidate changed since
// reads "not saved yet"; open candidates (POS tokens without a majority tag, links the share
// did not accept) that the reviewer leaves pending are counted before saving, sent as
// `undecided` and stay pending, never settled by a tie-break; entity spans and relations the
// annotators disagree on and the reviewer left pending are counted too (they stay out of the
// gold), and so are span categories and document labels. The candidate lists' "undecided"
// badges show the same numbers. The question is an inline dialog (static/confirm_dialog.js),
// not window.confirm.
import { confirmDialog } from "./confirm_dialog.js";

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

/** What a save would leave undecided, per kind of candidate: open POS tokens and coreference
 * links (they stay undecided and are asked about again), and entity spans, relations, span
 * categories and document labels where the annotators disagree and the reviewer chose nothing
 * (they stay out of the gold). An entity candidate over words where another one is accepted
 * counts as decided, and so does every document label once one is chosen where a document
 * takes one label (`catsSingle`). */
export function undecidedCounts(items, { catsSingle = false } = {}) {
  const pendingOf = (kind) => items.filter((i) => i.kind === kind && i.state === "pending");
  const taken = items.filter((i) => i.kind === "span" && i.state === "accepted");
  const spans = pendingOf("span").filter((p) => !taken.some((t) => t.s < p.e && p.s < t.e));
  const catChosen = catsSingle && items.some((i) => i.kind === "cat" && i.state === "accepted");
  return {
    span: spans.length, pos: pendingOf("pos").length, link: pendingOf("link").length,
    relation: pendingOf("relation").length, spancat: pendingOf("spancat").length,
    cat: catChosen ? 0 : pendingOf("cat").length,
  };
}

const plural = (n, one, many) => `${n} ${n === 1 ? one : many}`;

/** Asks, in a dialog on the page, before a save that leaves candidates undecided; resolves
 * true to save. */
export function confirmUndecided(items, options = {}) {
  const n = undecidedCounts(items, options);
  const lines = [
    n.span && `${plural(n.span, "entity span", "entity spans")} with nothing chosen: left out of the gold`,
    n.relation && `${plural(n.relation, "relation", "relations")} with nothing chosen: left out of the gold`,
    n.spancat && `${plural(n.spancat, "span category", "span categories")} with nothing chosen: left out of the gold`,
    n.cat && `${plural(n.cat, "document label", "document labels")} with nothing chosen: left out of the gold`,
    n.pos && `${plural(n.pos, "POS tag", "POS tags")} undecided: the draft's tag is kept and asked about again`,
    n.link && `${plural(n.link, "coreference link", "coreference links")} undecided: left out of the chains and asked about again`,
  ].filter(Boolean);
  if (!lines.length) return Promise.resolve(true);
  return confirmDialog({
    title: "Save the gold with undecided candidates?",
    lines,
    note: "Enter saves, Esc goes back to deciding them (the candidate lists mark them undecided).",
    confirm: "Save gold anyway",
    cancel: "Keep deciding",
  });
}
