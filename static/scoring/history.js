// Tiles still queued or running ask for their state once a second, while the tab is visible,
// and update in place (score, and a point on the chart) when their photo is scored.
(function () {
  const tiles = document.getElementById("tiles");
  if (!tiles) return;
  const POLL_MS = 1000;
  // A photo's status in a word, as the page's own tiles say it.
  const STATUS = {
    queued: pgettext("photo status", "queued"),
    running: pgettext("photo status", "running"),
    done: pgettext("photo status", "scored"),
    failed: pgettext("photo status", "not scored"),
  };
  const waiting = () => [...tiles.querySelectorAll('.tile[data-status="queued"], .tile[data-status="running"]')];

  function update(tile, photo) {
    tile.dataset.status = photo.status;
    const status = tile.querySelector(".status");
    status.className = "status " + photo.status;
    if (photo.status === "done" && photo.score !== null) {
      status.textContent = photo.score.toFixed(2) + " / 5";
      if (window.scoreChart) window.scoreChart.add({ id: photo.id, t: photo.t, when: photo.when, label: photo.label, score: photo.score, percentile: photo.percentile });
    } else {
      status.textContent = photo.status === "failed" ? photo.failure : (STATUS[photo.status] || photo.status) + "…";
    }
  }

  // The upload's "being scored" banner, once nothing is left to wait for.
  function sayScoringFinished() {
    const banner = document.querySelector(".messages .scoring-progress");
    if (banner) banner.textContent = gettext("Scoring finished: each photo's result is below.");
  }

  async function poll() {
    const pending = waiting();
    if (!pending.length) { sayScoringFinished(); return; }
    if (document.visibilityState === "visible") {
      const query = pending.map((tile) => "photo=" + encodeURIComponent(tile.dataset.id)).join("&");
      try {
        const response = await fetch(tiles.dataset.statusUrl + "?" + query, { headers: { Accept: "application/json" } });
        if (response.ok) {
          const byId = new Map((await response.json()).photos.map((p) => [p.id, p]));
          pending.forEach((tile) => { const p = byId.get(tile.dataset.id); if (p) update(tile, p); });
        }
      } catch (e) { /* network blip: try again next tick */ }
    }
    setTimeout(poll, POLL_MS);
  }

  setTimeout(poll, POLL_MS);
})();
