// hsct-sim explorer: redraws every view from the data embedded in the page at the grid point the sliders pick.
// No library and no network: each chart is an SVG string, so a view saves as SVG (or PNG through a canvas) as it is.
"use strict";
(function () {
  const D = JSON.parse(document.getElementById("explorer-data").textContent);
  const BLUE = "#1f5f9e", RED = D.reference_colour, GREY = "#d9d9d9", FONT = "system-ui,-apple-system,'Segoe UI',sans-serif";
  const sliders = Array.from(document.querySelectorAll("input[type=range][data-param]"));
  const views = document.getElementById("views");
  const CURVE_TITLES = {
    os: ["Overall survival after reinfusion", "Probability alive", "Years since reinfusion"],
    dfs: ["Disease-free survival after reinfusion", "Probability alive without relapse", "Years since reinfusion"],
    os_itt: ["Overall survival from enrolment", "Probability alive", "Years since enrolment"],
    efs_itt: ["Event-free survival from enrolment", "Probability alive, on the pathway and event-free", "Years since enrolment"],
  };

  // -- the grid point ------------------------------------------------------------------------------------------
  function pointIndex() { // the first parameter varies slowest, as in sweep.csv
    return sliders.reduce((index, s, k) => index * D.parameters[k].values.length + Number(s.value), 0);
  }

  // -- per-study values (exact levels and counts) ----------------------------------------------------------------
  const levelCache = new Map();
  function levels(point, name) {
    const key = point + ":" + name;
    if (levelCache.has(key)) return levelCache.get(key);
    const v = D.points[point].values[name];
    if (!v) return null;
    const unit = Math.pow(10, v.exponent), values = [];
    let level = 0;
    for (const step of v.steps) { level += step; values.push(level * unit); }
    const found = { values, counts: v.counts, of: v.of, half: unit / 2 };
    levelCache.set(key, found);
    return found;
  }
  function parseCondition(text) {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_.]*)\s*(>=|<=|>|<)\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*(%?)\s*$/.exec(text);
    if (!m) return { error: "write OUTCOME OP NUMBER, e.g. trm >= 13% or os_5y < 0.7 (OP one of >=, <=, >, <)" };
    const threshold = Number(m[3]) / (m[4] ? 100 : 1);
    if (!D.counted.includes(m[1])) return { error: "the page keeps per-study values of " + D.counted.join(", ") + " only (sweep with --probability about another outcome to add it)" };
    return { outcome: m[1], op: m[2], threshold };
  }
  function share(point, condition) {
    const l = levels(point, condition.outcome);
    if (!l) return null;
    const tol = Math.max(1e-9, l.half), t = condition.threshold, op = condition.op;
    let met = 0;
    l.values.forEach((v, i) => {
      const ok = op === ">=" ? v >= t - tol : op === "<=" ? v <= t + tol : op === ">" ? v > t + tol : v < t - tol;
      if (ok) met += l.counts[i];
    });
    return { met, of: l.of };
  }

  // -- SVG helpers ---------------------------------------------------------------------------------------------
  const esc = (s) => String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
  const pct = (x, digits) => (100 * x).toFixed(digits) + "%";
  function ticks(max, count) {
    const raw = max / count, mag = Math.pow(10, Math.floor(Math.log10(raw))), n = raw / mag;
    const step = (n <= 1 ? 1 : n <= 2 ? 2 : n <= 2.5 ? 2.5 : n <= 5 ? 5 : 10) * mag, out = [];
    for (let t = 0; t <= max + step * 1e-9; t += step) out.push(Number(t.toFixed(10)));
    return out;
  }
  function wrap(text, width, pixelsPerCharacter) { // lines of whole words that fit `width` pixels
    const most = Math.max(12, Math.floor(width / pixelsPerCharacter)), lines = [];
    let current = "";
    for (const word of String(text).split(" ")) {
      if (current && (current + " " + word).length > most) { lines.push(current); current = word; } else current = current ? current + " " + word : word;
    }
    return lines.concat(current ? [current] : []);
  }
  function frame(width, title, legend) {
    const narrow = width < 480, plotHeight = Math.round(Math.min(320, Math.max(200, width * 0.55)));
    const titleLines = wrap(title, width - 8, 7.6);
    const m = { left: 54, right: 14, top: 18 + titleLines.length * 17, bottom: 44 };
    const legendLines = legend.map(([mark, text]) => [mark, wrap(text, width - 40, 6.6)]);
    const legendTop = m.top + plotHeight + m.bottom;
    const height = legendTop + legendLines.reduce((n, l) => n + l[1].length, 0) * 16 + legend.length * 3 + 6;
    return { width, height, m, plotWidth: width - m.left - m.right, plotHeight, legendTop, narrow, titleLines, legendLines };
  }
  function svgOpen(f, label) {
    return `<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" aria-label="${esc(label)}" ` +
      `viewBox="0 0 ${f.width} ${f.height}" width="${f.width}" height="${f.height}" font-family="${FONT}" font-size="12">` +
      `<rect width="${f.width}" height="${f.height}" fill="#fff"/>` +
      f.titleLines.map((t, i) => `<text x="4" y="${16 + 17 * i}" font-size="13" font-weight="600">${esc(t)}</text>`).join("");
  }
  function axes(f, x, y, xTicks, yTicks, xFormat, yFormat, xLabel, yLabel) {
    let s = "";
    for (const t of yTicks) s += `<line x1="${f.m.left}" x2="${f.width - f.m.right}" y1="${y(t)}" y2="${y(t)}" stroke="#e5e5e5"/>` +
      `<text x="${f.m.left - 5}" y="${y(t) + 4}" text-anchor="end">${yFormat(t)}</text>`;
    for (const t of xTicks) s += `<text x="${x(t)}" y="${f.m.top + f.plotHeight + 15}" text-anchor="middle">${xFormat(t)}</text>`;
    s += `<line x1="${f.m.left}" x2="${f.width - f.m.right}" y1="${f.m.top + f.plotHeight}" y2="${f.m.top + f.plotHeight}" stroke="#333"/>`;
    s += `<line x1="${f.m.left}" x2="${f.m.left}" y1="${f.m.top}" y2="${f.m.top + f.plotHeight}" stroke="#333"/>`;
    s += `<text x="${f.m.left + f.plotWidth / 2}" y="${f.m.top + f.plotHeight + 32}" text-anchor="middle">${esc(xLabel)}</text>`;
    s += `<text transform="translate(13 ${f.m.top + f.plotHeight / 2}) rotate(-90)" text-anchor="middle">${esc(yLabel)}</text>`;
    return s;
  }
  function legendRows(f) {
    let y = f.legendTop + 8, s = "";
    for (const [mark, lines] of f.legendLines) {
      s += `<g transform="translate(10 ${y})">${mark}` +
        lines.map((t, i) => `<text x="26" y="${4 + 16 * i}">${esc(t)}</text>`).join("") + "</g>";
      y += lines.length * 16 + 3;
    }
    return s;
  }
  const swatch = (fill, opacity) => `<rect x="0" y="-5" width="20" height="10" fill="${fill}" fill-opacity="${opacity}"/>`;
  const line = (colour, width, dash) => `<line x1="0" x2="20" y1="0" y2="0" stroke="${colour}" stroke-width="${width}"${dash ? ` stroke-dasharray="${dash}"` : ""}/>`;
  const diamond = (cx, cy, r) => `<path d="M${cx} ${cy - r}L${cx + r} ${cy}L${cx} ${cy + r}L${cx - r} ${cy}Z" fill="${RED}"/>`;
  function stepPath(xs, ys, x, y) { // step-post through the defined values; a gap where a value is missing
    let d = "", open = false;
    for (let i = 0; i < ys.length; i++) {
      if (ys[i] === null) { open = false; continue; }
      const next = i + 1 < xs.length ? xs[i + 1] : xs[i];
      d += (open ? "L" : "M") + x(xs[i]).toFixed(1) + " " + y(ys[i]).toFixed(1) + "L" + x(next).toFixed(1) + " " + y(ys[i]).toFixed(1);
      open = true;
    }
    return d;
  }
  function stepBand(xs, lower, upper, x, y) {
    const upperPoints = [], lowerPoints = [];
    for (let i = 0; i < xs.length; i++) {
      if (lower[i] === null || upper[i] === null) continue;
      const next = i + 1 < xs.length ? xs[i + 1] : xs[i];
      upperPoints.push([x(xs[i]), y(upper[i])], [x(next), y(upper[i])]);
      lowerPoints.push([x(xs[i]), y(lower[i])], [x(next), y(lower[i])]);
    }
    if (!upperPoints.length) return "";
    const all = upperPoints.concat(lowerPoints.reverse());
    return "M" + all.map((p) => p[0].toFixed(1) + " " + p[1].toFixed(1)).join("L") + "Z";
  }

  // -- the views -----------------------------------------------------------------------------------------------
  function survivalChart(point, curve, width) {
    const c = D.points[point].curves[curve], xs = D.grid_years, xmax = xs[xs.length - 1];
    const [title, yLabel, xLabel] = CURVE_TITLES[curve];
    const published = D.published_points[curve] || [];
    const legend = [[line(BLUE, 2.5), "Mean of the studies' Kaplan-Meier curves"],
      [swatch(BLUE, 0.2), "95% of simulated studies (2.5-97.5 percentiles)"]];
    if (c.partial_from !== null) legend.push([swatch(GREY, 1), `Fewer than 95% of studies still follow a patient (from ${c.partial_from.toFixed(1)} y)`]);
    if (published.length) legend.push([diamond(10, 0, 5), "Published: " + D.title]);
    const f = frame(width, title, legend);
    const x = (t) => f.m.left + (t / xmax) * f.plotWidth, y = (v) => f.m.top + (1 - v / 1.02) * f.plotHeight;
    let s = svgOpen(f, title);
    if (c.partial_from !== null) s += `<rect x="${x(c.partial_from)}" y="${f.m.top}" width="${x(xmax) - x(c.partial_from)}" height="${f.plotHeight}" fill="${GREY}"/>`;
    s += axes(f, x, y, ticks(xmax, f.narrow ? 4 : 8), [0, 0.2, 0.4, 0.6, 0.8, 1], (t) => t, (t) => t.toFixed(1), xLabel, yLabel);
    s += `<path d="${stepBand(xs, c.lower, c.upper, x, y)}" fill="${BLUE}" fill-opacity="0.2"/>`;
    s += `<path d="${stepPath(xs, c.mean, x, y)}" fill="none" stroke="${BLUE}" stroke-width="2.5"/>`;
    for (const [t, v] of published) s += diamond(x(t), y(v), 6);
    return s + legendRows(f) + "</svg>";
  }

  function trmChart(point, width) {
    const l = levels(point, "trm");
    const title = "Treatment-related mortality a study would report";
    if (!l) return null;
    const target = D.targets.trm, total = l.counts.reduce((a, b) => a + b, 0);
    const mean = l.values.reduce((a, v, i) => a + v * l.counts[i], 0) / Math.max(total, 1);
    const legend = [[swatch(BLUE, 0.8), "Share of simulated studies reporting each TRM"], [line("#000", 1.5, "6 4"), "Simulated mean: " + pct(mean, 1)]];
    if (target !== undefined) legend.push([line(RED, 4), "Published: " + pct(target, 1) + " (" + D.title + ")"]);
    const f = frame(width, title, legend);
    const spacing = l.values.slice(1).reduce((m, v, i) => Math.min(m, v - l.values[i]), 0.02);
    const xmax = Math.max(l.values[l.values.length - 1] || 0, target || 0) + 2 * spacing, barWidth = 0.8 * spacing;
    const ymax = Math.max(...l.counts.map((n) => n / total), 0.05) * 1.1;
    const x = (t) => f.m.left + ((t + spacing) / (xmax + spacing)) * f.plotWidth, y = (v) => f.m.top + (1 - v / ymax) * f.plotHeight;
    let s = svgOpen(f, title) + axes(f, x, y, ticks(xmax, f.narrow ? 4 : 7), ticks(ymax, 4), (t) => pct(t, 0), (t) => pct(t, 0),
      "TRM reported by the study (% of enrolled)", "Share of simulated studies");
    l.values.forEach((v, i) => {
      const h = l.counts[i] / total, w = Math.max(1, x(barWidth) - x(0));
      s += `<rect x="${(x(v) - w / 2).toFixed(1)}" y="${y(h).toFixed(1)}" width="${w.toFixed(1)}" height="${(y(0) - y(h)).toFixed(1)}" fill="${BLUE}" fill-opacity="0.8"><title>${pct(v, 1)}: ${l.counts[i]} studies</title></rect>`;
    });
    if (target !== undefined) s += `<line x1="${x(target)}" x2="${x(target)}" y1="${f.m.top}" y2="${y(0)}" stroke="${RED}" stroke-width="4" stroke-opacity="0.8"/>`;
    s += `<line x1="${x(mean)}" x2="${x(mean)}" y1="${f.m.top}" y2="${y(0)}" stroke="#000" stroke-width="1.5" stroke-dasharray="6 4"/>`;
    return s + legendRows(f) + "</svg>";
  }

  function waitChart(resource, r, width) {
    const name = resource.replace(/_/g, " "), total = r.wait_patients.reduce((a, b) => a + b, 0) || 1;
    const title = `How long patients wait for ${name}s (all studies pooled)`;
    const f = frame(width, title, [[swatch(BLUE, 0.8), "Share of patients who obtained one, by wait"]]);
    const n = r.wait_patients.length, band = f.plotWidth / n;
    const x = (i) => f.m.left + i * band, y = (v) => f.m.top + (1 - v / 1.08) * f.plotHeight;
    let s = svgOpen(f, title) + axes(f, (t) => t, y, [], [0, 0.25, 0.5, 0.75, 1], (t) => t, (t) => pct(t, 0),
      `Wait for ${name} (whole days)`, "Share of patients");
    r.wait_patients.forEach((count, i) => {
      const h = count / total, labelled = band > 30 || i % Math.ceil(30 / band) === 0;
      s += `<rect x="${(x(i) + band * 0.1).toFixed(1)}" y="${y(h).toFixed(1)}" width="${(band * 0.8).toFixed(1)}" height="${(y(0) - y(h)).toFixed(1)}" fill="${BLUE}" fill-opacity="0.8"/>`;
      s += `<text x="${(x(i) + band / 2).toFixed(1)}" y="${(y(h) - 3).toFixed(1)}" text-anchor="middle" font-size="10">${h >= 0.001 || h === 0 ? pct(h, 1) : "<0.1%"}</text>`;
      if (labelled) s += `<text x="${(x(i) + band / 2).toFixed(1)}" y="${y(0) + 14}" text-anchor="middle" font-size="10">${esc(r.wait_labels[i].replace(" days", "d").replace(" day", "d"))}</text>`;
    });
    return s + legendRows(f) + "</svg>";
  }

  function occupancyChart(resource, r, width) {
    const name = resource.replace(/_/g, " "), xs = r.years, xmax = xs[xs.length - 1] || 1, ymax = r.capacity * 1.25;
    const title = `${name[0].toUpperCase() + name.slice(1)}s in use (3-month moving average)`;
    const f = frame(width, title, [[line(BLUE, 2), "Mean over simulated studies"], [swatch(BLUE, 0.2), "95% of simulated studies"],
      [line(RED, 1.5, "6 4"), "Capacity: " + r.capacity], [line("#777", 1.5, "2 3"), "End of referrals / accrual"]]);
    const x = (t) => f.m.left + (t / xmax) * f.plotWidth, y = (v) => f.m.top + (1 - v / ymax) * f.plotHeight;
    let s = svgOpen(f, title) + axes(f, x, y, ticks(xmax, f.narrow ? 4 : 8), ticks(ymax, 4), (t) => t, (t) => t,
      "Years since accrual opened", `${name}s in use`);
    const upper = xs.map((t, i) => x(t).toFixed(1) + " " + y(r.upper[i]).toFixed(1));
    const lower = xs.map((t, i) => x(t).toFixed(1) + " " + y(r.lower[i]).toFixed(1)).reverse();
    s += `<path d="M${upper.concat(lower).join("L")}Z" fill="${BLUE}" fill-opacity="0.2"/>`;
    s += `<path d="M${xs.map((t, i) => x(t).toFixed(1) + " " + y(r.mean[i]).toFixed(1)).join("L")}" fill="none" stroke="${BLUE}" stroke-width="2"/>`;
    s += `<line x1="${f.m.left}" x2="${x(xmax)}" y1="${y(r.capacity)}" y2="${y(r.capacity)}" stroke="${RED}" stroke-width="1.5" stroke-dasharray="6 4"/>`;
    if (r.accrual_years <= xmax) s += `<line x1="${x(r.accrual_years)}" x2="${x(r.accrual_years)}" y1="${f.m.top}" y2="${y(0)}" stroke="#777" stroke-width="1.5" stroke-dasharray="2 3"/>`;
    return s + legendRows(f) + "</svg>";
  }

  function figure(id, svg, caption) {
    let node = document.getElementById(id);
    if (!node) {
      node = document.createElement("figure");
      node.id = id;
      node.innerHTML = "<div></div><figcaption></figcaption>";
      views.appendChild(node);
    }
    node.firstChild.innerHTML = svg;
    node.lastChild.textContent = caption;
  }

  function chartWidth() {
    const sample = views.querySelector("figure") || views;
    return Math.max(300, Math.floor(sample.clientWidth || views.clientWidth || 600));
  }

  function resources(point) {
    return D.points[point].resources || {};
  }
  function resourceNames() {
    const names = new Set();
    D.points.forEach((p) => Object.keys(p.resources || {}).forEach((r) => names.add(r)));
    return Array.from(names);
  }

  function drawViews(point) {
    const width = chartWidth(), studies = D.replications.toLocaleString("en") + " simulated studies of " + D.cohort;
    for (const curve of D.curves) {
      if (D.points[point].curves[curve]) figure("view-" + curve, survivalChart(point, curve, width),
        `${CURVE_TITLES[curve][0]}: ${studies} at this grid point.`);
    }
    const trm = trmChart(point, width);
    if (trm) figure("view-trm", trm, "What a study of this size would report as its treatment-related mortality, " +
      "study by study; the published value for comparison.");
    for (const resource of resourceNames()) {
      const r = resources(point)[resource];
      if (r) {
        figure("view-waits-" + resource, waitChart(resource, r, width), `Waits for ${resource.replace(/_/g, " ")}s at this grid point.`);
        figure("view-occupancy-" + resource, occupancyChart(resource, r, width), `Occupancy of ${resource.replace(/_/g, " ")}s at this grid point.`);
      } else {
        const text = `Unlimited ${resource.replace(/_/g, " ")}s at this grid point: nobody waits, and occupancy is not recorded.`;
        const name = resource.replace(/_/g, " "), f = frame(width, `${name[0].toUpperCase() + name.slice(1)}s: unlimited`, []);
        const lines = wrap(text, width - 20, 6.6);
        const height = f.m.top + 16 * lines.length + 10;
        const svg = svgOpen({ ...f, height }, text) +
          lines.map((t, i) => `<text x="10" y="${f.m.top + 12 + 16 * i}">${esc(t)}</text>`).join("") + "</svg>";
        figure("view-waits-" + resource, svg, "");
        const occupancy = document.getElementById("view-occupancy-" + resource);
        if (occupancy) occupancy.remove();
      }
    }
  }

  function drawTable(point) {
    document.querySelectorAll("#outcomes tbody tr").forEach((row, i) => {
      const cells = D.cells[point][i], tds = row.querySelectorAll("td");
      for (let k = 0; k < 3; k++) tds[k].textContent = cells[k];
    });
  }

  function money(value, signed) {
    const text = Math.round(Math.abs(value)).toLocaleString("en");
    return (value < 0 ? "−" : signed ? "+" : "") + text + " " + D.currency;
  }
  function drawEconomics(point) {
    const e = D.points[point].economics, box = document.getElementById("economics");
    if (!e) return;
    box.hidden = false;
    const row = (name) => { const i = D.outcomes.findIndex((o) => o.name === name); return i < 0 ? "" : D.cells[point][i][0]; };
    let html = "<dl>" + `<dt>This grid point: costs per patient (${esc(D.currency)}, discounted)</dt><dd>${esc(row("costs"))}</dd>` +
      `<dt>This grid point: QALYs per patient (discounted)</dt><dd>${esc(row("qalys"))}</dd>`;
    if (D.against_values) {
      const [c, cse] = D.against_values.costs, [q, qse] = D.against_values.qalys;
      html += `<dt>${esc(D.against)}: costs</dt><dd>${money(c, false)} ± ${money(cse, false)}</dd>` +
        `<dt>${esc(D.against)}: QALYs</dt><dd>${q.toFixed(3)} ± ${qse.toFixed(4)}</dd>`;
    }
    if (point === 0 && !D.against) {
      html += "<dt>Comparator</dt><dd>this is the first grid point, the comparator of the others</dd>";
    } else {
      const [dc, dcse] = e.incremental_costs, [dq, dqse] = e.incremental_qalys;
      html += `<dt>Incremental costs</dt><dd>${money(dc, true)} ± ${money(dcse, false)}</dd>` +
        `<dt>Incremental QALYs</dt><dd>${(dq >= 0 ? "+" : "−") + Math.abs(dq).toFixed(3)} ± ${dqse.toFixed(3)}</dd>`;
      D.wtp.forEach((w, i) => {
        const [m, se] = e.inmb[i];
        html += `<dt>INMB at ${Math.round(w).toLocaleString("en")} ${esc(D.currency)}/QALY</dt><dd>${money(m, true)} ± ${money(se, false)}</dd>`;
      });
    }
    const reference = D.against ? esc(D.against) + ", simulated once with the same seed and number of studies" :
      "the first grid point (" + esc(D.parameters.map((p) => p.words + " " + p.shown[0]).join(", ")) +
      "): the points simulate the same patients, so the differences are paired";
    document.getElementById("economics-title").textContent = "Costs and QALYs against " + (D.against || "the first grid point");
    document.getElementById("economics-body").innerHTML = html + "</dl>" +
      `<p class="note">Against ${reference}. Per patient, discounted; estimate ± Monte Carlo standard error over ` +
      "the studies' differences. INMB: incremental net monetary benefit, threshold × incremental QALYs − incremental costs.</p>";
  }

  function drawProbability(point) {
    const result = document.getElementById("probability-result"), note = document.getElementById("probability-note");
    const condition = parseCondition(document.getElementById("condition").value);
    if (condition.error) { result.textContent = ""; note.textContent = condition.error; return; }
    const found = share(point, condition);
    if (!found || !found.of) { result.textContent = "not evaluable"; note.textContent = "No study can estimate " + condition.outcome + " here."; return; }
    const p = found.met / found.of, se = Math.sqrt(p * (1 - p) / found.of);
    result.textContent = `${p.toFixed(3)} ± ${se.toFixed(3)}`;
    result.dataset.met = found.met;
    result.dataset.of = found.of;
    note.textContent = `${found.met.toLocaleString("en")} of ${found.of.toLocaleString("en")} simulated studies` +
      (found.of < D.replications ? " that can estimate " + condition.outcome : "") + " (± Monte Carlo standard error). " +
      "Outcomes kept per study: " + D.counted.join(", ") + ".";
  }

  function update() {
    const started = performance.now(), point = pointIndex();
    sliders.forEach((s, k) => {
      const shown = D.parameters[k].shown[Number(s.value)];
      s.setAttribute("aria-valuetext", shown);
      document.getElementById(s.id + "-value").textContent = shown;
    });
    drawViews(point);
    drawTable(point);
    drawEconomics(point);
    drawProbability(point);
    document.body.dataset.point = point;
    window.explorerRedrawMs = performance.now() - started;
  }

  // -- saving the view -----------------------------------------------------------------------------------------
  function viewSvg() {
    const charts = Array.from(views.querySelectorAll("svg.chart")), width = Math.max(...charts.map((c) => Number(c.getAttribute("width"))));
    const lines = [D.title + ": " + D.parameters.map((p, k) => p.words + " " + p.shown[Number(sliders[k].value)]).join("; "),
      D.replications.toLocaleString("en") + " simulated studies per grid point, seed " + D.seed];
    let y = 14 + lines.length * 18, body = "";
    for (const chart of charts) {
      body += `<g transform="translate(0 ${y})">${chart.innerHTML}</g>`;
      y += Number(chart.getAttribute("height")) + 10;
    }
    const head = lines.map((t, i) => `<text x="4" y="${18 + i * 18}" font-size="${i ? 12 : 14}" font-weight="${i ? 400 : 600}">${esc(t)}</text>`).join("");
    return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${y}" width="${width}" height="${y}" font-family="${FONT}" font-size="12">` +
      `<rect width="${width}" height="${y}" fill="#fff"/>${head}${body}</svg>`;
  }
  function download(blob, name) {
    const link = document.createElement("a");
    link.href = URL.createObjectURL(blob);
    link.download = name;
    document.body.appendChild(link);
    link.click();
    setTimeout(() => { URL.revokeObjectURL(link.href); link.remove(); }, 1000);
  }
  const fileName = () => "explorer-point-" + (pointIndex() + 1);
  document.getElementById("save-svg").addEventListener("click", () => {
    download(new Blob([viewSvg()], { type: "image/svg+xml" }), fileName() + ".svg");
  });
  document.getElementById("save-png").addEventListener("click", () => {
    const svg = viewSvg(), image = new Image(), url = URL.createObjectURL(new Blob([svg], { type: "image/svg+xml" }));
    image.onload = () => {
      const canvas = document.createElement("canvas"), scale = 2;
      canvas.width = image.width * scale;
      canvas.height = image.height * scale;
      const context = canvas.getContext("2d");
      context.scale(scale, scale);
      context.drawImage(image, 0, 0);
      URL.revokeObjectURL(url);
      canvas.toBlob((blob) => download(blob, fileName() + ".png"), "image/png");
    };
    image.src = url;
  });

  sliders.forEach((s) => s.addEventListener("input", update));
  document.getElementById("condition").addEventListener("input", () => drawProbability(pointIndex()));
  let resizing = 0;
  window.addEventListener("resize", () => { cancelAnimationFrame(resizing); resizing = requestAnimationFrame(update); });
  window.explorerUpdate = update;
  const linked = /^#point=([\d,]+)$/.exec(location.hash); // e.g. explorer.html#point=3,0: grid indices, one per slider
  if (linked) linked[1].split(",").forEach((index, k) => { if (sliders[k]) sliders[k].value = index; });
  update();
  update(); // again, now that the figures exist and have their width
})();
