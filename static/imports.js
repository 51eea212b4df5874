// The import form: drag and drop fills the file input; htmx reports upload progress on the
// form. Plain listeners, not htmx.on: htmx is a deferred script and may not be defined yet.
const form = document.getElementById("import-form");
const zone = document.getElementById("dropzone");
const input = zone.querySelector("input[type=file]");
const bar = document.getElementById("upload-progress");
const chosen = () => {
  zone.querySelector("b").textContent = input.files[0].name;
  zone.querySelector(".dz-or").textContent = "(drop or choose another to replace it)";
};
for (const name of ["dragenter", "dragover"]) {
  zone.addEventListener(name, (ev) => { ev.preventDefault(); zone.classList.add("over"); });
}
for (const name of ["dragleave", "drop"]) zone.addEventListener(name, () => zone.classList.remove("over"));
zone.addEventListener("drop", (ev) => { ev.preventDefault(); input.files = ev.dataTransfer.files; chosen(); });
input.addEventListener("change", () => { if (input.files[0]) chosen(); });
form.addEventListener("htmx:xhr:progress", (ev) => { bar.hidden = false; bar.value = ev.detail.loaded / ev.detail.total * 100; });
form.addEventListener("htmx:afterRequest", () => { bar.hidden = true; });
