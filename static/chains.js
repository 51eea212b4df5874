// The coreference chain panel of the annotation screen (static/annotate.js uses it). A long
// document may hold hundreds of chains: the panel lists only the chains with a mention in the
// part of the text shown (at most LIMIT), or, while the search box holds words, the chains
// with a mention that contains them anywhere in the document. Chains keep their numbers.
// It is rebuilt when the chains, the window or the search change, never on a cursor move.
import { h } from "./textview.js";

const LIMIT = 60; // chains listed at once
const MENTIONS = 12; // mentions shown per chain

export class ChainPanel {
  /** `list`: the <ol>; `search`: the search input; `count`: where "n of m" goes;
   * `quote(m)`: a mention's words; `color(n)`: chain n's colour (0-based). */
  constructor({ list, search, count, quote, color, onSearch }) {
    Object.assign(this, { list, search, count, quote, color });
    if (search) search.addEventListener("input", () => onSearch());
  }
  /** Lists `chains` ([[{s, e}]]) touching tokens [first, last), or matching the search. */
  render(chains, first, last) {
    if (!this.list) return;
    const words = (this.search ? this.search.value : "").trim().toLowerCase();
    const wanted = words
      ? (chain) => chain.some((m) => this.quote(m).toLowerCase().includes(words))
      : (chain) => chain.some((m) => m.s < last && m.e > first);
    const shown = [];
    let matched = 0;
    chains.forEach((chain, ci) => {
      if (!wanted(chain)) return;
      matched += 1;
      if (shown.length < LIMIT) shown.push(this.item(chain, ci, first, last));
    });
    const where = words ? `matching “${words}”` : "in this part of the text";
    this.count.textContent = `${matched} of ${chains.length} ${where}${matched > LIMIT ? ` (first ${LIMIT} listed)` : ""}`;
    this.list.replaceChildren(...shown);
  }
  item(chain, ci, first, last) {
    const mentions = chain.slice(0, MENTIONS).flatMap((m) => [h("button", {
      type: "button", class: `mention${m.s < last && m.e > first ? "" : " elsewhere"}`,
      data: { action: "goto", token: m.s }, text: this.quote(m),
    }), " "]);
    if (chain.length > MENTIONS) mentions.push(h("span", { class: "small muted", text: `+${chain.length - MENTIONS} more ` }));
    return h("li", { class: "chain", style: { "--m": this.color(ci) } },
      h("span", { class: "chain-n", text: String(ci + 1) }), " ", ...mentions,
      h("button", { type: "button", class: "small", data: { action: "link", chain: ci + 1 }, title: `link the selection to this chain (${ci + 1})` }, "+ link selection"));
  }
}
