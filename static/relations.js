// Relations on the annotation screen (static/annotate.js imports it): the typed-prefix choice
// of the other entity while linking, and arcs over the text for the relations whose two
// entities are both in the window on screen. Built with DOM calls only (no HTML strings).

const SVG = "http://www.w3.org/2000/svg";

/** The index of the first candidate (from `from` on, wrapping) whose text starts with
 * `prefix` (case and spacing ignored), or -1. */
export function prefixIndex(candidates, quote, prefix, from = 0) {
  const wanted = prefix.toLowerCase().replace(/\s+/g, " ");
  const n = candidates.length;
  for (let k = 0; k < n; k++) {
    const i = (from + k) % n;
    if (quote(candidates[i]).toLowerCase().replace(/\s+/g, " ").startsWith(wanted)) return i;
  }
  return -1;
}

const svg = (tag, attrs = {}) => {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  return el;
};

/** Draws (or redraws) the arcs of `relations` ({hs, he, cs, ce, label} in tokens) over
 * `text` (the window's #text element): from above the head entity's first token to above the
 * child's, an arrowhead at the child, the label at the top. `element(i)` is token i's element
 * (undefined outside the window); `color(label)` a colour. */
export function drawArcs(text, relations, element, color) {
  if (!text) return;
  const host = text.parentElement;
  let layer = host.querySelector(":scope > svg.arcs");
  const shown = relations.map((r) => [r, element(r.hs), element(r.cs)]).filter(([, a, b]) => a && b);
  if (!shown.length) {
    if (layer) layer.remove();
    text.style.removeProperty("padding-top");
    return;
  }
  text.style.paddingTop = "44px";  // room for the arcs over the first line (set before measuring)
  if (!layer) {
    layer = svg("svg", { class: "arcs", "aria-hidden": "true" });
    Object.assign(layer.style, { position: "absolute", left: "0", top: "0", pointerEvents: "none", overflow: "visible" });
    host.style.position = "relative";
    host.prepend(layer);
  }
  const box = host.getBoundingClientRect();
  layer.setAttribute("width", String(host.scrollWidth));
  layer.setAttribute("height", String(host.scrollHeight));
  const defs = svg("defs");
  const nodes = [defs];
  shown.forEach(([r, head, child], n) => {
    const c = color(r.label);
    const id = `arc-head-${n}`;
    const marker = svg("marker", { id, viewBox: "0 0 6 6", refX: 3, refY: 3, markerWidth: 6, markerHeight: 6, orient: "auto" });
    marker.append(svg("path", { d: "M0,0 L6,3 L0,6 z", fill: c }));
    defs.append(marker);
    const a = head.getBoundingClientRect();
    const b = child.getBoundingClientRect();
    const x1 = a.left - box.left + a.width / 2;
    const x2 = b.left - box.left + b.width / 2;
    const y1 = a.top - box.top;
    const y2 = b.top - box.top;
    const lift = 12 + Math.min(28, Math.abs(x2 - x1) / 8);
    const top = Math.min(y1, y2) - lift;
    const path = svg("path", { d: `M${x1},${y1} C${x1},${top} ${x2},${top} ${x2},${y2}`, fill: "none", stroke: c, "stroke-width": 1.5, "marker-end": `url(#${id})`, class: "arc" });
    path.dataset.label = r.label;
    const label = svg("text", { x: (x1 + x2) / 2, y: top + lift * 0.25, "text-anchor": "middle", class: "arc-label", fill: c, "font-size": 10 });
    label.textContent = r.label;
    nodes.push(path, label);
  });
  layer.replaceChildren(...nodes);
}
