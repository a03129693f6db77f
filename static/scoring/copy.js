// Buttons marked data-copy copy a text: the value of the field whose id they name, or this
// page's address ("page-address"); the element named by data-copied says how it went.
document.addEventListener("click", async (event) => {
  const button = event.target.closest("button[data-copy]");
  if (!button) return;
  const source = button.dataset.copy;
  const text = source === "page-address" ? window.location.href : document.getElementById(source).value;
  const said = document.getElementById(button.dataset.copied);
  try {
    await navigator.clipboard.writeText(text);
    said.textContent = gettext("Copied.");
  } catch (e) { // no clipboard outside HTTPS and localhost
    said.textContent = source === "page-address" ? gettext("Copy this page's address from the address bar.") : gettext("Select the text and copy it.");
  }
});
