// The compare picker: clicking a picture ticks it, numbers show the order of the clicks,
// and the comparison opens with the photos in that order (a plain form submit would use page order).
(function () {
  const form = document.getElementById("picker");
  if (!form) return;
  const max = Number(form.dataset.max);
  const boxes = [...form.querySelectorAll('input[name="photo"]')];
  const picked = document.getElementById("picked");
  if (!picked) return; // fewer than two scored photos: nothing to compare, no bar
  // Photos chosen before this page opened (from a photo page, or a refused selection) come first, in their order.
  let order = form.dataset.chosen ? form.dataset.chosen.split(",") : [];
  order = order.filter((id) => boxes.some((b) => b.value === id && b.checked));

  function refresh() {
    boxes.forEach((box) => {
      const place = order.indexOf(box.value);
      const tile = box.closest(".pick");
      tile.classList.toggle("chosen", place >= 0);
      tile.querySelector(".order").textContent = place >= 0 ? "ABCD"[place] || place + 1 : "";
    });
    picked.textContent = order.length
      ? interpolate(ngettext("%(count)s of %(max)s chosen", "%(count)s of %(max)s chosen", order.length), { count: order.length, max: max }, true)
      : gettext("None chosen yet");
  }

  boxes.forEach((box) => box.addEventListener("change", () => {
    if (box.checked && order.length >= max) {
      // The comparison takes at most `max`: the extra tick is undone and the bar says why.
      box.checked = false;
      refresh();
      picked.textContent = form.dataset.full;
      return;
    }
    if (box.checked && !order.includes(box.value)) order.push(box.value);
    if (!box.checked) order = order.filter((id) => id !== box.value);
    refresh();
  }));

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const query = new URLSearchParams({ go: "1" });
    order.forEach((id) => query.append("photo", id));
    window.location.search = query.toString();
  });
  refresh();
})();
