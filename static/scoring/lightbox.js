// Click (or Enter on) any image marked .zoomable to see it large; Escape or × closes it.
(function () {
  const dialog = document.getElementById("lightbox");
  if (!dialog || !dialog.showModal) return;
  const big = dialog.querySelector("img");
  const caption = dialog.querySelector(".caption");

  function open(img) {
    big.src = img.currentSrc || img.src;
    big.alt = img.alt;
    caption.textContent = img.alt;
    dialog.showModal();
  }

  document.addEventListener("click", (event) => {
    const img = event.target.closest("img.zoomable");
    if (img) { event.preventDefault(); open(img); }
    else if (event.target === dialog) dialog.close(); // a click on the backdrop
  });
  document.addEventListener("keydown", (event) => {
    const img = event.target.closest && event.target.closest("img.zoomable");
    if (img && (event.key === "Enter" || event.key === " ")) { event.preventDefault(); open(img); }
  });
  // Zoomable images are reachable from the keyboard too.
  new MutationObserver(mark).observe(document.body, { childList: true, subtree: true });
  function mark() {
    document.querySelectorAll("img.zoomable:not([tabindex])").forEach((img) => {
      img.tabIndex = 0;
      img.setAttribute("role", "button");
      img.title = gettext("Click to enlarge");
    });
  }
  mark();
})();
