// The import form's column picker: once a CSV / TSV / JSON / JSONL file is chosen, its first
// rows are previewed (only the file's head is sent) and the manager picks the text column and
// the columns kept as metadata from the real ones. Every cell is set with textContent.
const form = document.getElementById("import-form");
const picker = document.getElementById("column-picker");
const input = form.querySelector("input[type=file]");
const textField = form.querySelector("[name=text_field]");
const metaFields = form.querySelector("[name=meta_fields]");
const HEAD_BYTES = 256 * 1024;
const csrf = () => JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"];

const el = (tag, text) => {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  return node;
};

function keptMeta() {
  const boxes = [...picker.querySelectorAll("input[data-meta]")];
  const kept = boxes.filter((b) => b.checked && !b.disabled).map((b) => b.dataset.meta);
  // Every other column kept is the default: send nothing, as the API's own default.
  metaFields.disabled = boxes.every((b) => b.checked || b.disabled);
  metaFields.value = kept.join(",");
}

function pickText(column) {
  textField.value = column;
  for (const box of picker.querySelectorAll("input[data-meta]")) {
    box.disabled = box.dataset.meta === column;
    box.closest("th").classList.toggle("picked", box.disabled);
  }
  keptMeta();
}

function show(preview) {
  picker.replaceChildren();
  if (!preview.columns.length) {
    picker.append(el("p", preview.note || "No columns to pick."));
    picker.hidden = false;
    return;
  }
  picker.append(el("p", `First ${preview.rows.length} rows (${preview.format}): pick the text column; untick columns to leave out of the metadata.`));
  const table = el("table");
  table.className = "preview";
  const names = el("tr");
  const choices = el("tr");
  names.append(el("th", ""));
  choices.append(el("th", "text · meta"));
  for (const column of preview.columns) {
    names.append(el("th", column));
    const cell = el("th");
    const radio = el("input");
    Object.assign(radio, { type: "radio", name: "pick_text", value: column, title: `text: ${column}` });
    radio.setAttribute("aria-label", `text column ${column}`);
    radio.checked = column === (textField.value || preview.text_field);
    radio.addEventListener("change", () => pickText(column));
    const box = el("input");
    Object.assign(box, { type: "checkbox", checked: true, title: `keep ${column} in metadata` });
    box.dataset.meta = column;
    box.setAttribute("aria-label", `keep ${column} as metadata`);
    box.addEventListener("change", keptMeta);
    cell.append(radio, box);
    choices.append(cell);
  }
  const head = el("thead");
  head.append(names, choices);
  const body = el("tbody");
  for (const row of preview.rows) {
    const tr = el("tr");
    tr.append(el("td", row.where));
    for (const value of row.values) tr.append(el("td", value));
    body.append(tr);
  }
  table.append(head, body);
  const scroll = el("div");
  scroll.className = "table-scroll";
  scroll.append(table);
  picker.append(scroll);
  picker.hidden = false;
  const chosen = textField.value || preview.text_field;
  if (chosen && preview.columns.includes(chosen)) pickText(chosen);
}

async function preview() {
  const file = input.files[0];
  if (!file) return;
  const data = new FormData();
  data.append("file", file.slice(0, HEAD_BYTES), file.name);
  data.append("truncated", String(file.size > HEAD_BYTES));
  data.append("format", form.querySelector("[name=format]").value);
  data.append("encoding", form.querySelector("[name=encoding]").value);
  picker.replaceChildren(el("p", "Reading the first rows…"));
  picker.hidden = false;
  const response = await fetch(picker.dataset.url, {
    method: "POST", body: data, headers: { Accept: "application/json", "X-CSRFToken": csrf() },
  });
  const answer = await response.json().catch(() => ({}));
  if (!response.ok) {
    const message = el("p", answer.error ? answer.error.message : `preview failed (${response.status})`);
    message.className = "flash error";
    message.setAttribute("role", "alert");
    picker.replaceChildren(message);
    return;
  }
  show(answer);
}

input.addEventListener("change", preview);
// A dropped file is set on the input by imports.js, which fires no change event.
document.getElementById("dropzone").addEventListener("drop", () => setTimeout(preview));
for (const name of ["format", "encoding"]) form.querySelector(`[name=${name}]`).addEventListener("change", preview);
