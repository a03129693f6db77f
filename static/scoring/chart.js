// Score of every photo over time: one dot per photo on a real time axis (photos uploaded together
// side by side), the user's own average as a dashed line. No library needed for one scatter plot. The points are fetched after the page
// renders (a long history has thousands); window.scoreChart.add() takes new points as scores
// arrive (history.js). Words come from Django's JavaScript catalogue (gettext, interpolate),
// dates are written in the page's language.
(function () {
  const svg = document.getElementById("chart");
  if (!svg || !svg.dataset.pointsUrl) return;
  const points = [];
  const detail = document.getElementById("chart-detail");
  const H = 220, LEFT = 30, RIGHT = 14, TOP = 12, BOTTOM = 34;
  let W = 640; // the drawing's width in CSS pixels, so text keeps its size on a phone
  const ns = "http://www.w3.org/2000/svg";
  const DAY = 86400000;
  const LANG = document.documentElement.lang || undefined;

  function node(tag, attrs, text) {
    const el = document.createElementNS(ns, tag);
    Object.entries(attrs).forEach(([k, v]) => el.setAttribute(k, v));
    if (text !== undefined) el.textContent = text;
    return el;
  }

  // Ticks in the zone the server wrote the points' times in (the account's), not the browser's.
  const zone = svg.dataset.timeZone || undefined;

  // A point's photo as the cards name it: its label and the time the server wrote in that zone.
  function named(p) {
    return p.label === p.when ? p.when : interpolate(gettext("%(label)s, %(when)s"), { label: p.label, when: p.when }, true);
  }

  // Labels as fine as the ticks' spacing needs: ticks under a minute apart show seconds and
  // ticks under a day apart the time, or labels would repeat ("10:42 10:42", "3 Jan 3 Jan").
  function tickLabel(t, span, step) {
    const options =
      span >= 2 * DAY && step >= DAY ? { day: "numeric", month: "short" }
      : span >= 2 * DAY ? { day: "numeric", month: "short", hour: "2-digit", minute: "2-digit", hourCycle: "h23" }
      : step < 60000 ? { hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23" }
      : { hour: "2-digit", minute: "2-digit", hourCycle: "h23" }; // 24-hour, as the tiles' labels
    return new Intl.DateTimeFormat(LANG, { ...options, timeZone: zone }).format(new Date(t));
  }

  // The band, where the photo has one: the ratings (on 1-5) of the middle 80% of a panel, rounded by the
  // server as the photo page prints them, so printed as they come ("2.6", "5").
  function bandWords(p) {
    if (!p.band) return "";
    // Percentages are passed with their sign: Django's interpolate() knows no "%%".
    return interpolate(gettext("; %(share)s of raters would give %(low)s to %(high)s of 5"), {
      share: Math.round(p.band.share * 100) + "%", low: String(p.band.low), high: String(p.band.high),
    }, true);
  }

  function pointWords(p) {
    return interpolate(gettext("%(when)s: %(score)s / 5"), { when: named(p), score: p.score.toFixed(2) }, true);
  }

  function show(p) {
    const sentence = interpolate(gettext("%(when)s: %(score)s / 5, higher than %(percentile)s of the reference faces%(band)s."), {
      when: interpolate(gettext("%(when)s (%(zone)s)"), { when: named(p), zone: svg.dataset.timeZoneWords || zone }, true), score: p.score.toFixed(2), percentile: p.percentile + "%", band: bandWords(p),
    }, true);
    detail.replaceChildren(
      sentence + (/[。！？]$/.test(sentence) ? "" : " "), // no space after a Chinese full stop (scoring/sentences.py)
      Object.assign(document.createElement("a"), { href: "/photos/" + p.id + "/", textContent: gettext("Open the photo") })
    );
  }

  // Where each dot goes along the axis: at its time, except that dots closer than GAP (photos
  // uploaded together) are spread side by side around their times, in
  // their order, never past the plot's edges (closer than GAP only when the plot is full).
  // GAP is a dot's width and a sliver more, and each dot's hover area (its fill and the
  // transparent stroke in site.css) ends halfway to the next: no dot covers another's.
  const R = 5;
  const GAP = 2 * R + 2;
  function spread(wanted, low, high) {
    const groups = [];
    const step = (g) => (g.count > 1 ? Math.min(GAP, (high - low) / (g.count - 1)) : 0);
    const left = (g) => {
      const width = step(g) * (g.count - 1);
      return Math.min(Math.max(g.sum / g.count - width / 2, low), high - width);
    };
    const right = (g) => left(g) + step(g) * (g.count - 1);
    wanted.forEach((at) => {
      groups.push({ count: 1, sum: Math.min(Math.max(at, low), high) });
      // A group that reaches into the one before it joins it, and may then reach further back.
      while (groups.length > 1) {
        const last = groups[groups.length - 1], before = groups[groups.length - 2];
        if (right(before) + GAP <= left(last)) break;
        before.count += last.count;
        before.sum += last.sum;
        groups.pop();
      }
    });
    return groups.flatMap((g) => Array.from({ length: g.count }, (_, k) => left(g) + step(g) * k));
  }

  function draw() {
    svg.replaceChildren();
    if (!points.length) return;
    svg.closest("figure").hidden = false;
    const count = document.getElementById("chart-count");
    if (count) count.textContent = interpolate(ngettext("%s photo", "%s photos", points.length), [points.length]);
    W = Math.max(300, Math.round(svg.getBoundingClientRect().width) || 640);
    svg.setAttribute("viewBox", "0 0 " + W + " " + H);
    const ticks = W < 500 ? 2 : 4;
    const times = points.map((p) => Date.parse(p.t));
    let t0 = Math.min(...times), t1 = Math.max(...times);
    if (t1 - t0 < 60000) t0 -= 60 * 60000; // one moment: the hour up to it, never a stretch of the future
    // Room at both ends for photos uploaded together to spread around their own time, not be
    // pushed off it by the plot's edge (at most a quarter of the plot each side).
    const pad = Math.min((GAP * (points.length - 1)) / 2, (W - LEFT - RIGHT) / 4);
    const x = (t) => LEFT + pad + ((t - t0) / (t1 - t0)) * (W - LEFT - RIGHT - 2 * pad);
    const y = (s) => H - BOTTOM - ((s - 1) / 4) * (H - TOP - BOTTOM);
    [1, 2, 3, 4, 5].forEach((s) => {
      svg.append(node("line", { x1: LEFT, x2: W - RIGHT, y1: y(s), y2: y(s), class: "grid-line" }));
      svg.append(node("text", { x: LEFT - 8, y: y(s) + 4, "text-anchor": "end", class: "axis" }, s));
    });
    for (let i = 0; i <= ticks; i++) {
      const t = t0 + ((t1 - t0) * i) / ticks;
      const anchor = i === 0 ? "start" : i === ticks ? "end" : "middle";
      svg.append(node("line", { x1: x(t), x2: x(t), y1: H - BOTTOM, y2: H - BOTTOM + 5, class: "tick" }));
      svg.append(node("text", { x: x(t), y: H - BOTTOM + 18, "text-anchor": anchor, class: "axis" }, tickLabel(t, t1 - t0, (t1 - t0) / ticks)));
    }
    const mean = points.reduce((sum, p) => sum + p.score, 0) / points.length;
    // The points come rounded by the server; their mean is rounded here by the same rule
    // (ml.inference.score_format: two decimals, half up on the number as written).
    const meanText = (Math.round(Number(mean + "e2")) / 100).toFixed(2);
    const meanLine = node("line", { x1: LEFT, x2: W - RIGHT, y1: y(mean), y2: y(mean), class: "mean-line" });
    meanLine.append(node("title", {}, interpolate(gettext("Your own average: %s / 5"), [meanText])));
    svg.append(meanLine);
    // Said in the key under the plot, not on it, where it covered the newest dots.
    const meanLabel = document.getElementById("chart-mean");
    if (meanLabel) meanLabel.textContent = meanText;
    const at = spread(times.map((t) => x(t)), LEFT + 5, W - RIGHT - 5);
    points.forEach((p, i) => {
      const cx = at[i];
      const cy = y(p.score);
      const dot = node("circle", { cx: cx, cy: cy, r: R, class: "dot", tabindex: 0, "data-id": p.id });
      dot.append(node("title", {}, pointWords(p) + bandWords(p)));
      ["mouseenter", "focus", "click"].forEach((type) => dot.addEventListener(type, () => show(p)));
      svg.append(dot);
    });
  }

  window.scoreChart = {
    add(point) {
      if (points.some((p) => p.id === point.id)) return;
      points.push(point);
      points.sort((a, b) => Date.parse(a.t) - Date.parse(b.t));
      draw();
    },
  };
  let resizing;
  window.addEventListener("resize", () => { clearTimeout(resizing); resizing = setTimeout(draw, 150); });
  fetch(svg.dataset.pointsUrl, { headers: { Accept: "application/json" } })
    .then((response) => (response.ok ? response.json() : { points: [] }))
    .then((data) => {
      const known = new Set(points.map((p) => p.id)); // a live score may have arrived first
      points.push(...data.points.filter((p) => !known.has(p.id)));
      points.sort((a, b) => Date.parse(a.t) - Date.parse(b.t));
      draw();
    });
})();
