// Renders a photo's result and polls its status endpoint while it is queued or
// running, only while the tab is visible.
(function () {
  const root = document.getElementById("photo");
  const statusLine = document.getElementById("status");
  const result = document.getElementById("result");
  const POLL_MS = 1000;

  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([k, v]) => node.setAttribute(k, v));
    (children || []).forEach((c) => node.append(c));
    return node;
  }

  function render(data) {
    root.dataset.status = data.status;
    statusLine.className = "status " + data.status;
    const texts = {
      queued: "Queued: it will be scored in a moment.",
      running: "Scoring…",
      failed: data.error || "Scoring failed.",
      done: "Scored with model " + data.model_version + ".",
    };
    statusLine.textContent = texts[data.status];
    result.replaceChildren();
    result.append(el("img", { src: data.annotated_url || data.image_url, alt: "your photo", class: "photo" }));
    data.faces.forEach((face, i) => {
      const section = el("section", { class: "card face" }, [
        el("h2", {}, ["Face " + (i + 1) + ": ", el("span", { class: "score" }, [face.score.toFixed(2)]), " / 5"]),
        el("p", {}, ["Higher than " + face.percentile.toFixed(0) + "% of the 5500 faces the model learned from."]),
        el("h3", {}, ["What drove the score (Grad-CAM)"]),
        el("img", { src: face.grad_cam_url, alt: "Grad-CAM", width: 240 }),
        el("h3", {}, ["What the network saw, layer by layer"]),
      ]);
      const layers = el("div", { class: "layers" });
      face.layers.forEach((layer) => {
        layers.append(el("figure", {}, [
          el("img", { src: layer.url, alt: layer.name }),
          el("figcaption", {}, [layer.name + " (" + layer.shape + ")"]),
        ]));
      });
      section.append(layers);
      result.append(section);
    });
    if (data.filters_url) {
      result.append(el("section", { class: "card" }, [
        el("h3", {}, ["First-layer filters"]), el("img", { src: data.filters_url, alt: "first layer filters" }),
      ]));
    }
  }

  async function poll() {
    if (document.visibilityState === "visible") {
      try {
        const response = await fetch(root.dataset.statusUrl, { headers: { Accept: "application/json" } });
        if (response.ok) render(await response.json());
      } catch (e) { /* network blip: try again next tick */ }
    }
    if (["queued", "running"].includes(root.dataset.status)) setTimeout(poll, POLL_MS);
  }

  render(JSON.parse(document.getElementById("photo-data").textContent));
  if (["queued", "running"].includes(root.dataset.status)) setTimeout(poll, POLL_MS);
})();
