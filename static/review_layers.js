// Relations, document labels and span categories on the adjudication screen (static/review.js
// imports it): candidates with their votes beside the entity, POS and link candidates, the
// same accept / reject keys, and what they add to the gold.

export const LAYER_KINDS = ["relation", "cat", "spancat"];
const FIELD = { relation: "relations", cat: "cats", spancat: "span_cats" };

const relKey = (r) => `relation:${r.head.start}:${r.head.end}:${r.child.start}:${r.child.end}:${r.label}`;
const catKey = (label) => `cat:${label}`;
const spanCatKey = (s) => `spancat:${s.start}:${s.end}:${s.label}`;

/** The candidates of the three layers as review.js items, in the state the gold (or, before
 * any gold, the consolidation) gives them; gold's own items no annotator made are "added". */
export function layerItems(S, gold, hasGold) {
  const cands = S.candidates;
  const goldKeys = new Set([
    ...(gold.relations || []).map(relKey),
    ...Object.entries(gold.cats || {}).filter(([, v]) => v >= 0.5).map(([label]) => catKey(label)),
    ...(gold.span_cats || []).map(spanCatKey),
  ]);
  const order = new Map((S.categories || []).map((c, i) => [c.name, i]));
  const make = (kind, fields, c) => {
    const key = c ? c.key : { relation: relKey, cat: () => catKey(fields.label), spancat: spanCatKey }[kind](fields);
    const state = !c ? "accepted" : hasGold ? (goldKeys.has(key) ? "accepted" : "rejected") : c.accepted ? "accepted" : "pending";
    // `start` orders the items of a kind (review.js sorts by it): text position, or the category's place
    const start = kind === "relation" ? fields.head.start : kind === "cat" ? (order.get(fields.label) ?? order.size) : fields.start;
    return { kind, key, ...fields, start, votes: c ? c.votes : 0, voters: c ? c.voters : [], state, added: !c };
  };
  const items = [
    ...(cands.relations || []).map((c) => make("relation", { head: c.head, child: c.child, label: c.label }, c)),
    ...(cands.cats || []).map((c) => make("cat", { label: c.label }, c)),
    ...(cands.span_cats || []).map((c) => make("spancat", { start: c.start, end: c.end, label: c.label }, c)),
  ];
  if (hasGold) {
    const known = new Set(items.map((i) => i.key));
    const extra = [
      ...(gold.relations || []).map((r) => make("relation", { head: r.head, child: r.child, label: r.label })),
      ...Object.entries(gold.cats || {}).filter(([, v]) => v >= 0.5).map(([label]) => make("cat", { label })),
      ...(gold.span_cats || []).map((s) => make("spancat", { start: s.start, end: s.end, label: s.label })),
    ];
    items.push(...extra.filter((i) => !known.has(i.key)));
  }
  return items;
}

/** The token ranges a candidate covers (both entities of a relation; none for a label). */
export function layerTokens(item, snap) {
  if (item.kind === "relation") return [snap(item.head.start, item.head.end), snap(item.child.start, item.child.end)];
  if (item.kind === "spancat") return [snap(item.start, item.end)];
  return [];
}

/** The nodes describing a candidate in its list (`ui`: review.js's small builders). */
export function layerItemNodes(item, ui) {
  const { h, quote, votesBadge } = ui;
  const what = item.kind === "relation"
    ? [h("q", { text: quote(item.head) }), ` ${item.label} → `, h("q", { text: quote(item.child) })]
    : item.kind === "cat"
      ? [h("span", { class: "label", text: item.label })]
      : [h("q", { text: quote(item) }), h("span", { class: "label", text: item.label })];
  return [...what, votesBadge(item.votes), h("span", { class: "voters", text: item.added ? "added by a reviewer" : item.voters.join(", ") }),
    h("span", { class: "st", text: item.state })];
}

/** After `item` was accepted: a single-choice project keeps one document label. True when
 * other items changed too (the lists need redrawing). */
export function afterAccept(item, items, S) {
  if (item.kind !== "cat" || S.cats_mode !== "single") return false;
  for (const other of items) if (other.kind === "cat" && other !== item && other.state === "accepted") other.state = "rejected";
  return true;
}

/** The three layers' part of the gold body: the accepted candidates, relations only between
 * accepted entities (`entities`: the accepted entity items). */
export function layerPayload(items, S, entities) {
  const body = {};
  const taken = (kind) => items.filter((i) => i.kind === kind && i.state === "accepted");
  const ends = new Set(entities.map((e) => `${e.start}:${e.end}`));
  const has = (m) => ends.has(`${m.start}:${m.end}`);
  if (S.layers.includes("relations")) {
    body[FIELD.relation] = taken("relation").filter((r) => has(r.head) && has(r.child))
      .map((r) => ({ head: { start: r.head.start, end: r.head.end }, child: { start: r.child.start, end: r.child.end }, label: r.label }));
  }
  if (S.layers.includes("cats")) body[FIELD.cat] = Object.fromEntries(taken("cat").map((c) => [c.label, 1.0]));
  if (S.layers.includes("spans")) body[FIELD.spancat] = taken("spancat").map((s) => ({ start: s.start, end: s.end, label: s.label }));
  return body;
}
