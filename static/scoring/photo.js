// Renders a photo's result with plain-words explanations, and polls its status endpoint
// while it is queued or running, only while the tab is visible. The server's sentences come in
// the page's language; the script's own words come from Django's JavaScript catalogue.
(function () {
  const root = document.getElementById("photo");
  const statusLine = document.getElementById("status");
  const result = document.getElementById("result");
  const texts = JSON.parse(document.getElementById("explain-texts").textContent);
  const toc = document.getElementById("on-this-page");
  const wide = window.matchMedia("(min-width: 700px)");
  const POLL_MS = 1000;

  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([k, v]) => node.setAttribute(k, v));
    (children || []).forEach((c) => node.append(c));
    return node;
  }

  // Long sections start folded on a phone, open on a wide screen.
  function fold(summary, children, openWide) {
    const details = el("details", { class: "fold" }, [el("summary", {}, [summary]), ...children]);
    details.open = openWide && wide.matches;
    return details;
  }

  function colourKey(low, high, kind) {
    return el("div", { class: "colour-key", role: "img", "aria-label": interpolate(gettext("colour key: %(low)s to %(high)s"), { low: low, high: high }, true) }, [
      el("span", {}, [low]), el("span", { class: "ramp " + kind }), el("span", {}, [high]),
    ]);
  }

  // Every filter of a stage as a small square, the ones that stayed dark on the training photos
  // black: drawn on a canvas (a stage has up to some 9,000 filters); its words are the server's.
  const GRID_WIDTH = 160;
  function darkFilterGrid(stage) {
    const count = stage.grid.filters;
    const cell = Math.max(2, Math.floor(Math.sqrt(GRID_WIDTH * GRID_WIDTH / count)));
    const columns = Math.floor(GRID_WIDTH / cell);
    const canvas = el("canvas", { class: "dark-filters", role: "img", "aria-label": stage.label });
    canvas.width = columns * cell;
    canvas.height = Math.ceil(count / columns) * cell;
    Object.assign(canvas.dataset, { cell: cell, columns: columns }); // where square i lies, for tests and tools
    const context = canvas.getContext("2d");
    if (!context) return canvas;
    const gap = cell >= 6 ? 1 : 0;
    const square = (index) => context.fillRect((index % columns) * cell, Math.floor(index / columns) * cell, cell - gap, cell - gap);
    context.fillStyle = "#35b779"; // viridis' green: a filter that lit up
    for (let index = 0; index < count; index += 1) square(index);
    context.fillStyle = "#000000";
    stage.grid.dark.forEach(square);
    return canvas;
  }

  function stageFigure(layer, faceNumber, dark) {
    const words = texts.stages[layer.name] || { title: layer.name, text: "" };
    const caption = [el("strong", {}, [words.title]), el("br"), words.text];
    const stage = dark && dark.stages[layer.name];
    if (stage) caption.push(el("br"), el("span", { class: "small dark-count" }, [stage.sentence]));
    // The stage's name and what it does first, above what it saw; the stage's size is for the
    // curious (a tooltip), not in the caption; its internal name is shown nowhere.
    const figure = el("figure", { class: "stage" }, [
      el("figcaption", { title: layer.shape.replace(/x/g, " × ") }, caption),
      el("img", { src: layer.url, class: "zoomable", alt: interpolate(gettext("Face %(number)s, %(title)s: where this step of the network reacted, and its 9 busiest filters"), { number: faceNumber, title: words.title }, true) }),
      el("p", { class: "picture-key small" }, [texts.picture_key]), // what the picture's colours mean, under it
    ]);
    if (stage) figure.append(darkFilterGrid(stage), el("p", { class: "grid-key small" }, [texts.grid_key]));
    return figure;
  }

  // How a panel of raters would split: one bar per rating (their 1-10 halved: the score's scale); the words are the server's
  // (the figure's text equivalent for screen readers is its caption and its hidden list).
  function panelFigure(panel, number) {
    const most = Math.max(...panel.counts, 1);
    const bars = panel.counts.map((count, step) => {
      const fill = el("span", { class: "panel-fill" });
      fill.style.height = (100 * count / most).toFixed(0) + "%"; // CSSOM, which the CSP allows (a style attribute it would not)
      return el("div", { class: "panel-bar" }, [
        el("span", { class: "panel-count" }, [count ? String(count) : ""]), fill, el("span", { class: "panel-step" }, [panel.steps[step]]),
      ]);
    });
    return el("figure", { class: "panel", id: "panel-" + number }, [
      el("p", { class: "panel-title" }, [texts.panel_title]),
      el("div", { class: "panel-bars", "aria-hidden": "true" }, bars),
      el("p", { class: "panel-axis small", "aria-hidden": "true" }, [texts.panel_axis]),
      el("figcaption", {}, [
        el("p", { class: "panel-sentence" }, [panel.sentence]),
        el("p", { class: "visually-hidden" }, [panel.text]),
        el("p", { class: "small" }, [texts.panel_legend]),
      ]),
    ]);
  }

  function faceSection(face, number, dark) {
    const section = el("section", { class: "card face", id: "face-" + number }, [
      el("h2", {}, [interpolate(gettext("Face %s: "), [number]), el("span", { class: "score" }, [face.score.toFixed(2)]), " / 5"]), // rounded by the server already (one rule)
      el("p", { class: "percentile" }, [interpolate(gettext("Higher than %s of the faces in the model's reference dataset."), [face.percentile.toFixed(0) + "%"])]),
    ]);
    if (face.panel) section.append(panelFigure(face.panel, number));
    if (number === 1) { // what the score means: said once, under the first face, folded to keep the score in view
      section.append(fold(gettext("What the score and the percentile mean"), [
        el("p", { class: "small scale" }, [texts.score_scale]),
        el("p", { class: "small" }, [texts.percentile_meaning]),
        el("p", { class: "small" }, [texts.two_networks]),
      ], false));
    }
    // What the network looked at is read after the scores, below the photo (a section of its own).
    const inside = el("section", { class: "card face-inside", id: "face-" + number + "-inside" }, [el("h2", {}, [insideTitle(number)])]);
    inside.append(fold(gettext("What drove the score (Grad-CAM)"), [
      el("div", { class: "gradcam-row" }, [
        el("img", { src: face.grad_cam_url, class: "zoomable gradcam", alt: interpolate(gettext("Face %s: Grad-CAM map, warm colours where features raised the score"), [number]) }),
        el("div", {}, [el("p", {}, [texts.grad_cam_legend]), colourKey(gettext("mattered little"), gettext("raised the score most"), "jet")]),
      ]),
    ], true));
    const layers = el("div", { class: "layers" });
    face.layers.forEach((layer) => layers.append(stageFigure(layer, number, dark)));
    inside.append(fold(interpolate(ngettext("What the network saw, step by step (%s stage)", "What the network saw, step by step (%s stages)", face.layers.length), [face.layers.length]), [
      el("p", { class: "small" }, [texts.layer_legend]),
      ...(dark ? [el("p", { class: "small dark-legend" }, [dark.legend])] : []),
      el("div", { class: "keys" }, [
        colourKey(gettext("left picture, blue: this step hardly reacted here"), gettext("red: it reacted most"), "jet"),
        colourKey(gettext("small pictures, dark: the filter hardly reacted here"), gettext("yellow: it reacted most"), "viridis"),
      ]),
      layers,
    ], number === 1));
    return [section, inside];
  }

  const insideTitle = (number) => interpolate(gettext("Face %s: what the network looked at"), [number]);

  const messages = {
    queued: () => gettext("Queued: it will be scored in a moment."),
    running: () => gettext("Scoring…"),
    failed: (data) => data.error || gettext("Scoring failed."),
    done: (data) => data.faces.length === 1 ? gettext("Scored: one face found.") : interpolate(ngettext("Scored: %s face found, largest first.", "Scored: %s faces found, largest first.", data.faces.length), [data.faces.length]),
  };

  function render(data) {
    root.dataset.status = data.status;
    statusLine.className = "status " + data.status;
    statusLine.textContent = messages[data.status](data);
    // A failed photo cannot be compared: offer another upload instead, as the page does on a reload.
    document.getElementById("compare-with").hidden = data.status === "failed";
    document.getElementById("try-another").hidden = data.status !== "failed";
    document.getElementById("model-line").textContent = data.status === "failed" ? texts.not_scored : data.model_line;
    if (data.model_version) {
      document.getElementById("model-version").textContent = data.model_version;
      document.getElementById("model-details").hidden = false;
    }
    // On a wide screen the photo and the scores side by side (site.css), then what the network
    // looked at; a phone reads one column.
    const scores = el("div", { class: "result-scores" });
    result.replaceChildren(el("div", { class: "result-top" }, [
      el("div", { class: "result-photo" }, [el("img", { src: data.annotated_url || data.image_url, alt: data.faces.length ? gettext("The photo with each face boxed and numbered") : gettext("The photo"), class: "photo zoomable" })]),
      scores,
    ]));
    data.faces.forEach((face, i) => {
      const [section, inside] = faceSection(face, i + 1, data.dark_filters);
      scores.append(section);
      result.append(inside);
    });
    if (data.filters_url) {
      result.append(el("section", { class: "card", id: "first-filters" }, [fold(gettext("The first layer's filters"), [
        el("p", { class: "small" }, [texts.filters_legend]),
        ...(data.dark_filters && data.dark_filters.filters_note ? [el("p", { class: "small dark-legend" }, [data.dark_filters.filters_note])] : []),
        el("img", { src: data.filters_url, class: "zoomable filters", alt: gettext("The 32 colour filters of the network's first layer, enlarged") }),
      ], true)]));
    }
    listSections(data);
  }

  // The page's sections in a short list of links: each face (with its score), the filters, what
  // the score cannot see, and renaming or deleting the photo; each link opens a folded section it points into.
  function listSections(data) {
    const links = data.faces.map((face, i) => [
      "#face-" + (i + 1),
      interpolate(gettext("Face %(number)s: %(score)s / 5"), { number: i + 1, score: face.score.toFixed(2) }, true),
    ]);
    data.faces.forEach((face, i) => links.push(["#face-" + (i + 1) + "-inside", insideTitle(i + 1)]));
    if (data.filters_url) links.push(["#first-filters", gettext("The first layer's filters")]);
    const cautions = document.getElementById("cautions-title"); // its heading's words, in the page's language
    if (cautions) links.push(["#cautions", cautions.textContent]);
    const owner = document.getElementById("rename"); // staff see the photo without renaming it
    links.push(owner ? ["#rename", gettext("Name, or delete the photo")] : ["#delete-photo", gettext("Delete the photo")]);
    toc.querySelector("ul").replaceChildren(...links.map(([href, text]) => el("li", {}, [el("a", { href: href }, [text])])));
    toc.hidden = !data.faces.length;
  }

  function openFoldsAround(hash) {
    const target = hash.length > 1 && document.getElementById(decodeURIComponent(hash.slice(1)));
    if (!target) return;
    for (let node = target; node; node = node.parentElement) if (node.tagName === "DETAILS") node.open = true;
    // A section that is one fold (the filters) opens too: a link to it means to read it.
    if (target.children.length === 1 && target.firstElementChild.tagName === "DETAILS") target.firstElementChild.open = true;
  }
  window.addEventListener("hashchange", () => openFoldsAround(window.location.hash));

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
