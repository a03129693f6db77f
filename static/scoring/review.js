// The review queue, by keyboard: A approves, 1-6 pick a reason, F flags, N writes a note (Esc leaves it).
// The form says when its keys work (data-keys="on"): keys pressed before the script ran do nothing.
document.getElementById("review-form")?.setAttribute("data-keys", "on");
document.addEventListener("keydown", (event) => {
  if (event.ctrlKey || event.metaKey || event.altKey || event.repeat) return;
  const form = document.getElementById("review-form");
  if (!form) return;
  if (event.target.matches("textarea, input[type=text], select")) {
    if (event.key === "Escape") event.target.blur();
    return;
  }
  const key = event.key.toLowerCase();
  if (key === "a") {
    event.preventDefault();
    document.getElementById("approve").click();
  } else if (key === "f") {
    event.preventDefault();
    document.getElementById("flag").click();
  } else if (key === "n") {
    event.preventDefault();
    document.getElementById("note").focus();
  } else {
    const reason = form.querySelector(`input[name=reason][data-key="${key}"]`);
    if (reason) {
      event.preventDefault();
      reason.checked = true;
      reason.focus();
    }
  }
});
