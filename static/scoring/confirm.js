// Forms marked data-confirm="question" ask before they are sent (an inline onsubmit would break the CSP).
document.addEventListener("submit", (event) => {
  const question = event.target.dataset && event.target.dataset.confirm;
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});
