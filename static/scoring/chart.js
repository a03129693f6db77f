// A small SVG line chart of scores over time; no library needed for one line.
(function () {
  const source = document.getElementById("chart-data");
  if (!source) return;
  const points = JSON.parse(source.textContent);
  const svg = document.getElementById("chart");
  const W = 600, H = 160, PAD = 24;
  const times = points.map((p) => Date.parse(p.t));
  const t0 = Math.min(...times), t1 = Math.max(...times);
  const x = (t) => PAD + (t1 === t0 ? (W - 2 * PAD) / 2 : ((t - t0) / (t1 - t0)) * (W - 2 * PAD));
  const y = (s) => H - PAD - ((s - 1) / 4) * (H - 2 * PAD);
  const ns = "http://www.w3.org/2000/svg";
  [1, 2, 3, 4, 5].forEach((s) => {
    const label = document.createElementNS(ns, "text");
    label.setAttribute("x", 4); label.setAttribute("y", y(s) + 4); label.textContent = s;
    svg.append(label);
  });
  const line = document.createElementNS(ns, "polyline");
  line.setAttribute("points", points.map((p, i) => x(times[i]) + "," + y(p.score)).join(" "));
  line.setAttribute("fill", "none"); line.setAttribute("stroke", "#c4572a"); line.setAttribute("stroke-width", 2);
  svg.append(line);
  points.forEach((p, i) => {
    const dot = document.createElementNS(ns, "circle");
    dot.setAttribute("cx", x(times[i])); dot.setAttribute("cy", y(p.score)); dot.setAttribute("r", 3);
    dot.setAttribute("fill", "#c4572a");
    svg.append(dot);
  });
})();
