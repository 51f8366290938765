// tracklayer viewer: the side panel (picture selector and its note, layer toggles, metrics,
// custody timeline with a time axis, the event log, the legend, details of the selected
// entity), all following the clock.
const C = window.Cesium;
const $ = (id) => document.getElementById(id);
const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
const num = (v, digits = 0) => (v === null || v === undefined || Number.isNaN(v) ? "—" : Number(v).toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits }));
const pct = (v) => (v === null || v === undefined ? "—" : `${Math.round(100 * v)}%`);
const km = (m, digits = 2) => (m === null || m === undefined ? "—" : `${num(m / 1000, digits)} km`);
const css = (rgba, alpha) => `rgba(${rgba[0]},${rgba[1]},${rgba[2]},${alpha ?? rgba[3] / 255})`;
const tplus = (t) => `T+${num(t, 0)} s`;
const NODE_LABELS = { joint: "Joint", US: "US", JP: "Japan", AU: "Australia", truth: "Truth" };
const TOGGLES = [["satellites", "Satellites"], ["orbits", "Orbits"], ["footprints", "IR footprints"], ["radars", "Radars"],
  ["coverage", "Radar coverage"], ["threats", "Threats (truth)"], ["detections", "Detections"], ["tracks", "Tracks"], ["uncertainty", "Uncertainty"]];
const TIMELINE = { ir: [255, 159, 28], radar: [72, 149, 239], tentative: [255, 210, 80], held: [80, 230, 160] };

/** Time held (s) inside [a, b] by a list of [start, end] intervals. */
export function overlap(intervals, a, b) {
  let total = 0;
  for (const [s, e] of intervals) total += Math.max(0, Math.min(e, b) - Math.max(s, a));
  return total;
}

export class Panel {
  constructor(app) {
    this.app = app;
    this.data = app.data;
    this.sensorIndex = new Map(this.data.sensors.sensor.map((name, i) => [name, i]));
    this.threatById = new Map(this.data.threats.map((t) => [t.id, t]));
    this.threatByName = new Map(this.data.threats.map((t) => [t.name, t]));
    this.trackById = new Map(this.data.tracks.map((t) => [`track/${t.node}/${t.track_id}`, t]));
    this.header();
    this.layerButtons();
    this.toggles();
    this.thinning();
    this.legend();
    this.eventList();
    const viewer = app.viewer;
    viewer.selectedEntityChanged.addEventListener(() => this.details());
    let last = 0;
    viewer.clock.onTick.addEventListener(() => {
      const now = performance.now();
      if (now - last < 200) return;
      last = now;
      this.tick();
    });
  }

  header() {
    const run = this.data.run;
    $("run-title").textContent = run.scenario || run.folder;
    const report = run.has_report ? ` · <a href="/run/report.html" target="_blank" rel="noopener">report</a>` : "";
    $("run-meta").innerHTML = `seed ${esc(run.seed)} · epoch ${esc(run.epoch.replace("T", " ").replace("Z", " UTC"))} · ${num(run.t_end_s)} s at ${run.step_s} s${report}`;
    const s = this.data.satellites;
    $("footer").innerHTML = `${s.total} satellites · ${this.data.radars.length} radars · ${this.data.threats.length} threats · ` +
      `${num(this.data.detections.total)} detections · ${this.data.tracks.length} tracks shown · tracklayer ${esc(run.version)}` +
      (this.app.lite ? "<br>Software rendering: atmosphere and antialiasing off (add ?quality=high to the address to force them)." : "");
  }

  layerButtons() {
    const box = $("layers");
    const layers = [...this.data.layers.nodes, this.data.layers.truth];
    for (const layer of layers) {
      const b = document.createElement("button");
      b.type = "button";
      b.setAttribute("role", "radio");
      b.dataset.layer = layer;
      b.textContent = NODE_LABELS[layer] || layer;
      b.addEventListener("click", () => this.app.setLayer(layer));
      box.appendChild(b);
    }
  }

  toggles() {
    const box = $("toggles");
    for (const [name, label] of TOGGLES) {
      const l = document.createElement("label");
      l.innerHTML = `<input type="checkbox" data-toggle="${name}" ${this.app.show[name] ? "checked" : ""}> ${label}`;
      l.querySelector("input").addEventListener("change", (e) => this.app.setShow(name, e.target.checked));
      box.appendChild(l);
    }
    $("sigma-scale").addEventListener("change", (e) => this.app.setSigmaScale(Number(e.target.value)));
  }

  thinning() {
    const t = this.data.thinning;
    if (!t.applied) return;
    $("thinning").hidden = false;
    $("thinning-notes").innerHTML = t.notes.map((n) => `<li>${esc(n)}</li>`).join("");
  }

  legend() {
    const p = this.data.palette;
    const item = (rgba, text) => `<span><i class="swatch" style="background:${css(rgba, 1)}"></i>${esc(text)}</span>`;
    const icon = (svg, text) => `<span><svg viewBox="0 0 22 10">${svg}</svg>${esc(text)}</span>`;
    const dot = (fill, stroke, r = 3.5) => `<circle cx="11" cy="5" r="${r}" fill="${fill}" stroke="${stroke}" stroke-width="1.3"/>`;
    const line = (stroke, width, dash = "", alpha = 1) => `<line x1="1" y1="5" x2="21" y2="5" stroke="${stroke}" stroke-width="${width}" stroke-opacity="${alpha}"${dash ? ` stroke-dasharray="${dash}"` : ""}/>`;
    const group = (title, items) => `<div class="legend-group"><b>${title}</b>${items.join("")}</div>`;
    const nations = [...new Set(this.data.sensors.nation)].sort();
    const first = css(p.nations[nations[0]] || [200, 200, 200, 255], 1);
    $("legend").innerHTML = [
      group("Symbols", [icon(dot(first, "#000", 3), "satellite"), icon(dot(first, "#fff", 4), "radar site"),
        icon(dot(css(Object.values(p.phases)[0], 1), "#fff", 4.2), "threat (truth)"), icon(dot(css(Object.values(p.statuses)[1] || [80, 230, 160, 255], 1), "#000", 3.6), "track"),
        icon(`<ellipse cx="11" cy="5" rx="9" ry="4" fill="${css(Object.values(p.statuses)[1] || [80, 230, 160, 255], 0.35)}"/>`, "3σ uncertainty")]),
      group("Lines", [icon(line(css(Object.values(p.phases)[0], 1), 3), "flown path"), icon(line("#fff", 1.2, "4 3", 0.5), "planned path"),
        icon(line("#fff", 1.2, "", 0.6), "track trail"), icon(line(first, 1.5, "", 0.8), "detection (sensor's nation)"),
        icon(line("#aaa", 1.5, "", 0.8), "false alarm"), icon(line(first, 1, "", 0.45), "orbit"), icon(line(first, 1, "", 0.7), "IR footprint edge"),
        icon(`<path d="M2 9 L11 1 L20 9 Z" fill="${css(p.nations[nations[0]] || [200, 200, 200, 255], 0.25)}" stroke="${first}" stroke-opacity=".6"/>`, "radar coverage")]),
      group("Timeline", [item(TIMELINE.ir, "IR detections"), item(TIMELINE.radar, "radar detections"),
        item(TIMELINE.tentative, "tentative track"), item(TIMELINE.held, "custody")]),
      group("Threat phase", Object.entries(p.phases).map(([k, v]) => item(v, k))),
      group("Track status", Object.entries(p.statuses).map(([k, v]) => item(v, k))),
      group("Sensors", nations.map((n) => item(p.nations[n] || [200, 200, 200, 255], n))),
    ].join("");
  }

  // ------------------------------------------------------------ event log
  eventList() {
    this.events = this.data.events || [];
  }

  renderEvents() {
    const truth = this.layer === this.data.layers.truth;
    this.shownEvents = this.events.filter((e) => e.node === null || (!truth && e.node === this.layer));
    $("events-count").textContent = `· ${this.shownEvents.length} in this picture`;
    $("events").innerHTML = this.shownEvents.map((e, i) =>
      `<li data-i="${i}" data-kind="${esc(e.kind)}" class="k-${esc(e.kind)}" title="jump to ${tplus(e.t_s)}"><span class="t">${tplus(e.t_s)}</span><span class="x">${esc(e.text)}</span></li>`).join("");
    for (const li of $("events").children) li.addEventListener("click", () => this.app.setTime(this.shownEvents[Number(li.dataset.i)].t_s));
    this.currentEvent = undefined;
  }

  tickEvents(t) {
    const items = $("events").children;
    let current = -1;
    for (let i = 0; i < this.shownEvents.length; i++) {
      const past = this.shownEvents[i].t_s <= t + 1e-6;
      if (past) current = i;
      items[i].classList.toggle("future", !past);
      items[i].classList.remove("current");
    }
    if (current >= 0) items[current].classList.add("current");
    if (current !== this.currentEvent && current >= 0) items[current].scrollIntoView({ block: "nearest" });
    this.currentEvent = current;
  }

  setLayer(layer) {
    this.layer = layer;
    for (const b of $("layers").children) b.setAttribute("aria-checked", String(b.dataset.layer === layer));
    const notes = (this.data.layers.notes || {})[layer] || [];
    $("layer-note").textContent = layer === this.data.layers.truth
      ? "Ground truth only: threat trajectories and every sensor's detections; no tracks."
      : notes.join(" ");
    this.metrics();
    this.renderEvents();
    this.custody();
    this.details();
  }

  metricsNode() {
    return this.layer === this.data.layers.truth ? this.data.layers.default : this.layer;
  }

  metrics() {
    const node = this.metricsNode();
    const rows = this.data.metrics.filter((m) => m.node === node);
    const truth = this.layer === this.data.layers.truth;
    $("metrics-title").textContent = truth ? "Threats and coverage" : `Metrics · ${NODE_LABELS[node] || node} picture`;
    const head = truth
      ? ["threat", "kind", "flight s", "IR≥1", "IR≥2", "radar"]
      : ["threat", "detect s", "track s", "warning s", "custody", "RMS km"];
    const body = rows.map((m) => {
      const cells = truth
        ? [m.threat, m.kind, num(m.flight_s), pct(m.ir_coverage_1), pct(m.ir_coverage_2), pct(m.radar_coverage)]
        : [m.threat, num(m.time_to_first_detection_s), num(m.time_to_confirmed_track_s), num(m.warning_time_s), pct(m.custody_fraction),
          m.position_rms_m === null ? "—" : num(m.position_rms_m / 1000, 2)];
      return `<tr>${cells.map((c) => `<td>${esc(c)}</td>`).join("")}</tr>`;
    });
    $("metrics").innerHTML = `<thead><tr>${head.map((h) => `<th>${h}</th>`).join("")}</tr></thead><tbody>${body.join("") || `<tr><td colspan="6">no metrics for this node</td></tr>`}</tbody>`;
  }

  custodyOf(threatName, node) {
    const byNode = this.data.custody[node] || {};
    return byNode[threatName] || { held: [], tentative: [], ir: [], radar: [] };
  }

  heldSoFar(threat, node, t) {
    const a = threat.t_s[0], b = Math.min(t, threat.t_s[threat.t_s.length - 1]);
    if (b <= a) return null;
    return overlap(this.custodyOf(threat.name, node).held, a, b) / (b - a);
  }

  custody() {
    const node = this.metricsNode();
    const truth = this.layer === this.data.layers.truth;
    const threats = this.data.threats;
    const t0 = Math.min(...threats.map((t) => t.t_s[0])), t1 = Math.max(...threats.map((t) => t.t_s[t.t_s.length - 1]));
    const pad = 0.03 * (t1 - t0 || 1);
    this.window = [t0 - pad, t1 + pad];
    const W = 1000, x = (t) => ((t - this.window[0]) / (this.window[1] - this.window[0])) * W;
    const bars = (intervals, y, h, rgba, alpha) => intervals.map(([s, e]) =>
      `<rect x="${x(s).toFixed(1)}" y="${y}" width="${Math.max(x(e) - x(s), 1.5).toFixed(1)}" height="${h}" fill="${css(rgba, alpha)}"/>`).join("");
    $("custody").innerHTML = threats.map((th) => {
      const c = this.custodyOf(th.name, node);
      const flight = `<rect x="${x(th.t_s[0]).toFixed(1)}" y="1" width="${(x(th.t_s[th.t_s.length - 1]) - x(th.t_s[0])).toFixed(1)}" height="20" fill="#232b3a"/>`;
      const svg = `<svg viewBox="0 0 ${W} 22" preserveAspectRatio="none" data-threat="${esc(th.name)}">${flight}` +
        bars(c.ir, 2, 5, TIMELINE.ir, 0.95) + bars(c.radar, 8, 5, TIMELINE.radar, 0.95) +
        (truth ? "" : bars(c.tentative, 14, 6, TIMELINE.tentative, 0.9) + bars(c.held, 14, 6, TIMELINE.held, 1)) +
        `<line class="cursor" x1="0" x2="0" y1="0" y2="22" stroke="#fff" stroke-width="3"/></svg>`;
      return `<div class="custody-row"><span class="name" title="${esc(th.name)}">${esc(th.name)}</span>${svg}<span class="pct" data-pct="${esc(th.name)}">—</span></div>`;
    }).join("");
    this.axis();
    for (const svg of $("custody").querySelectorAll("svg")) {
      svg.addEventListener("click", (e) => {
        const box = svg.getBoundingClientRect();
        const t = this.window[0] + ((e.clientX - box.left) / box.width) * (this.window[1] - this.window[0]);
        this.app.setTime(Math.min(Math.max(t, this.data.run.t_start_s), this.data.run.t_end_s));
      });
    }
    this.tick();
  }

  /** Ticks under the custody rows: T+ seconds at a round step, at most about 7 of them. */
  axis() {
    const [a, b] = this.window, span = b - a;
    const step = [5, 10, 15, 30, 60, 120, 180, 300, 600, 900, 1800, 3600, 7200].find((s) => span / s <= 7) || 3600 * Math.ceil(span / 7 / 3600);
    const ticks = [];
    for (let t = Math.ceil(a / step) * step; t <= b; t += step) ticks.push(t);
    $("timeline-axis").querySelector(".ticks").innerHTML = ticks.map((t) =>
      `<span class="tick" data-t="${t}" style="left:${(100 * (t - a) / span).toFixed(2)}%"><span>${t >= 60 && step >= 60 ? `${num(t / 60)} min` : `${num(t)} s`}</span></span>`).join("");
    $("timeline-axis").title = "time since the scenario epoch";
  }

  refresh() {
    this.tick();
  }

  tick() {
    const t = this.app.now();
    const iso = C.JulianDate.toIso8601(this.app.viewer.clock.currentTime, 0).replace("T", " ").replace("Z", " UTC");
    $("clock").innerHTML = `<b>${tplus(t)}</b> · ${esc(iso)}`;
    if (this.window) {
      const frac = (t - this.window[0]) / (this.window[1] - this.window[0]);
      for (const line of $("custody").querySelectorAll("line.cursor")) {
        const xx = (Math.min(Math.max(frac, 0), 1) * 1000).toFixed(1);
        line.setAttribute("x1", xx);
        line.setAttribute("x2", xx);
      }
      const node = this.metricsNode();
      for (const el of $("custody").querySelectorAll("[data-pct]")) {
        const th = this.threatByName.get(el.dataset.pct);
        const v = this.layer === this.data.layers.truth ? null : this.heldSoFar(th, node, t);
        el.textContent = v === null ? "—" : pct(v);
        el.title = "custody so far";
      }
    }
    if (this.shownEvents) this.tickEvents(t);
    this.details();
  }

  // ------------------------------------------------------------ selection
  details() {
    const entity = this.app.viewer.selectedEntity;
    const box = $("details");
    if (!entity) { box.hidden = true; return; }
    const kind = entity.properties && entity.properties.kind ? entity.properties.kind.getValue() : "";
    const t = this.app.now();
    let rows = [], title = entity.name || entity.id, extra = "";
    if (kind === "track") [rows, extra] = this.trackDetails(entity, t);
    else if (kind === "threat") [rows, extra] = this.threatDetails(entity, t);
    else if (kind === "satellite") [rows, extra] = this.sensorDetails(entity.name, t, this.satelliteRows(entity, t));
    else if (kind === "radar") [rows, extra] = this.sensorDetails(entity.name, t, this.radarRows(entity.name));
    box.hidden = false;
    box.dataset.entity = entity.id;
    $("details-title").textContent = title;
    $("details-body").innerHTML = `<table class="kv">${rows.map(([k, v]) => `<tr><td>${esc(k)}</td><td>${v}</td></tr>`).join("")}</table>${extra}`;
  }

  /** Chips of [id, first time, count] entries seen by time t; `who` is `this.data.sensors` (names in
   * `sensor`: a threat's detecting sensors) or `this.data.sources` (names in `name`: the sensor
   * groups in a track's provenance). */
  chips(list, t, who, title) {
    const seen = list.filter(([, first]) => first <= t);
    if (!seen.length) return "<span class=\"note\">none yet</span>";
    return seen.map(([s, first, n]) => {
      const rgba = this.data.palette.nations[who.nation[s]] || [200, 200, 200, 255];
      return `<span class="chip" title="${title(first, n)}"><i class="swatch" style="background:${css(rgba, 1)}"></i>${esc((who.name || who.sensor)[s])}</span>`;
    }).join("");
  }

  nationsOf(list, t, who) {
    const nations = [...new Set(list.filter(([, first]) => first <= t).map(([s]) => who.nation[s]))].sort();
    return nations.length ? esc(nations.join(", ")) : "—";
  }


  trackDetails(entity, t) {
    const tr = this.trackById.get(entity.id);
    const k = Math.max(this.app.bisect(tr.t_s, t), 0);
    const statuses = Object.keys(this.data.palette.statuses);
    const status = statuses[tr.status[k]];
    const alive = t >= tr.t_s[0] && t <= tr.t_s[tr.t_s.length - 1];
    const threat = this.threatById.get(tr.truth_id[k]);
    let error = "—";
    if (threat && alive) {
      const te = this.app.findEntity(`threat/${threat.name}`);
      const a = te && te.position.getValue(this.app.viewer.clock.currentTime);
      const b = entity.position.getValue(this.app.viewer.clock.currentTime);
      if (a && b) error = km(C.Cartesian3.distance(a, b));
    }
    const axes = tr.axes_m.slice(3 * k, 3 * k + 3).map((v) => num(v / 1000, 2)).join(" × ");
    const custody = threat ? this.heldSoFar(threat, tr.node, t) : null;
    const rgba = this.data.palette.statuses[status];
    const rows = [
      ["Node", esc(NODE_LABELS[tr.node] || tr.node)],
      ["Status", `<i class="swatch" style="background:${css(rgba, 1)}"></i>${esc(alive ? status : "not live now")}`],
      ["Age", alive ? `${num(t - tr.t_s[0])} s (since ${tplus(tr.t_s[0])})` : `${tplus(tr.t_s[0])} – ${tplus(tr.t_s[tr.t_s.length - 1])}`],
      ["Updates (hits)", num(tr.hits[k])],
      ["Last update", `${tplus(tr.last_update_t_s[k])} (${num(Math.max(t - tr.last_update_t_s[k], 0))} s ago)`],
      ["Position σ", km(tr.sigma_m[k])],
      ["1σ axes", `${axes} km`],
      ["Assigned threat", threat ? esc(threat.name) : "none (unassigned)"],
      ["Error vs truth", error],
      ["Custody so far", custody === null ? "—" : `${pct(custody)} of ${esc(threat.name)}'s flight in this picture`],
      ["Contributing nations", this.nationsOf(tr.contributors, t, this.data.sources)],
    ];
    return [rows, `<h2 style="margin-top:8px">Contributing sensors (so far)</h2><div class="contributors">${this.chips(tr.contributors, t, this.data.sources, (first, n) => `in the track from ${tplus(first)} (${n} track states carry it)`)}</div>`];
  }

  threatDetails(entity, t) {
    const th = this.threatByName.get(entity.name);
    const k = Math.max(this.app.bisect(th.t_s, t), 0);
    const phase = Object.keys(this.data.palette.phases)[th.phase[k]] || "—";
    const node = this.metricsNode();
    const m = this.data.metrics.find((r) => r.threat === th.name && r.node === node) || {};
    const flying = t >= th.t_s[0] && t <= th.t_s[th.t_s.length - 1];
    const rows = [
      ["Kind", esc(th.kind)],
      ["Phase", flying ? `<i class="swatch" style="background:${css(this.data.palette.phases[phase], 1)}"></i>${esc(phase)}` : (t < th.t_s[0] ? "not launched" : "impacted")],
      ["Altitude", flying ? km(th.alt_m[k], 1) : "—"],
      ["Speed", flying ? `${num(th.speed_m_s[k] / 1000, 2)} km/s` : "—"],
      ["Launch / impact", `${tplus(th.t_s[0])} / ${tplus(th.t_s[th.t_s.length - 1])}`],
      [`Custody so far (${NODE_LABELS[node] || node})`, pct(this.heldSoFar(th, node, t))],
      ["Custody over flight", pct(m.custody_fraction)],
      ["Warning time", m.warning_time_s === undefined ? "—" : `${num(m.warning_time_s)} s`],
      ["Detecting nations", this.nationsOf(th.seen_by, t, this.data.sensors)],
    ];
    return [rows, `<h2 style="margin-top:8px">Detected by (so far)</h2><div>${this.chips(th.seen_by, t, this.data.sensors, (first, n) => `first at ${tplus(first)}, ${n} detections over the run`)}</div>`];
  }

  satelliteRows(entity, t) {
    const s = this.data.satellites;
    const i = entity.properties.index.getValue();
    const p = entity.position.getValue(this.app.viewer.clock.currentTime);
    const alt = p ? C.Cartographic.fromCartesian(p).height : null;
    const k = Math.max(this.app.bisect(s.t_s[i], t), 0);
    return [["Constellation", esc(s.constellation[i])], ["Nation", esc(s.nation[i])], ["Altitude", km(alt, 0)],
      ["Footprint radius", s.footprint_m[i] ? km(s.footprint_m[i][k], 0) : "—"]];
  }

  radarRows(name) {
    const r = this.data.radars.find((x) => x.name === name);
    const q = r.params;
    return [["Nation", esc(r.nation)], ["Site", `${num(r.lat_deg, 3)}°, ${num(r.lon_deg, 3)}°`],
      ["Range", `${num(q.min_range_km)}–${num(q.max_range_km)} km`],
      ["Azimuth", q.azimuth_width_deg >= 360 ? "all round" : `${num(q.azimuth_center_deg)}° ± ${num(q.azimuth_width_deg / 2)}°`],
      ["Elevation", `${num(q.min_elevation_deg, 1)}°–${num(q.max_elevation_deg, 1)}°`],
      ["Noise", `${num(q.range_noise_m)} m, ${num(q.angle_noise_mrad, 2)} mrad`], ["Revisit", `${q.revisit_s} s`],
      ["Kind", q.over_the_horizon ? "over the horizon" : "line of sight"]];
  }

  sensorDetails(name, t, rows) {
    const s = this.sensorIndex.get(name);
    const seen = this.data.threats.map((th) => [th.name, th.seen_by.find(([id]) => id === s)]).filter(([, x]) => x && x[1] <= t);
    rows.push(["Threats detected (so far)", seen.length ? seen.map(([n, x]) => `${esc(n)} <span class="note">from ${tplus(x[1])}</span>`).join("<br>") : "none yet"]);
    return [rows, ""];
  }
}
