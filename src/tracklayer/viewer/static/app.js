// tracklayer viewer: the globe. Reads /api/view.json (built from the run folder by
// tracklayer.viewer.data) and draws satellites, orbits, footprints, radar coverage,
// threat truth, detections and each node's tracks over the run's time line.
// Everything comes from this server: no Ion token, no imagery or terrain service.
import { Panel } from "./panel.js";

const C = window.Cesium;
const Q = new URLSearchParams(location.search);
C.Ion.defaultAccessToken = "";

const app = {
  ready: false, tilesLoaded: false, data: null, viewer: null, layer: null, sigmaScale: 10,
  show: { satellites: true, orbits: true, footprints: true, radars: true, coverage: true, threats: true, detections: true, tracks: true, uncertainty: true },
};
window.tracklayer = app;

const statusBox = document.getElementById("status");
function fail(message) {
  statusBox.textContent = message;
  statusBox.className = "status error";
  statusBox.hidden = false;
  app.error = message;
}

// ---------------------------------------------------------------- helpers
let epoch;
const jd = (t) => C.JulianDate.addSeconds(epoch, t, new C.JulianDate());
const secs = (time) => C.JulianDate.secondsDifference(time, epoch);
app.now = () => secs(app.viewer.clock.currentTime);
const colour = (rgba, alpha) => new C.Color(rgba[0] / 255, rgba[1] / 255, rgba[2] / 255, alpha ?? rgba[3] / 255);
const cart = (flat, i) => new C.Cartesian3(flat[3 * i], flat[3 * i + 1], flat[3 * i + 2]);
function cartesians(flat) {
  const out = new Array(flat.length / 3);
  for (let i = 0; i < out.length; i++) out[i] = cart(flat, i);
  return out;
}
/** Index of the last element of sorted `ts` that is <= t, or -1. */
export function bisect(ts, t) {
  let lo = 0, hi = ts.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (ts[mid] <= t) lo = mid + 1; else hi = mid;
  }
  return lo - 1;
}
function sampled(ts, positions, degree) {
  const p = new C.SampledPositionProperty(C.ReferenceFrame.FIXED);
  if (degree > 1) p.setInterpolationOptions({ interpolationDegree: degree, interpolationAlgorithm: C.LagrangePolynomialApproximation });
  p.addSamples(ts.map(jd), positions);
  return p;
}
const span = (ts) => new C.TimeIntervalCollection([new C.TimeInterval({ start: jd(ts[0]), stop: jd(ts[ts.length - 1]) })]);
const materials = new Map();
function lineMaterial(rgba, alpha) {
  const key = rgba.join(",") + "/" + alpha;
  if (!materials.has(key)) materials.set(key, C.Material.fromType("Color", { color: colour(rgba, alpha) }));
  return materials.get(key);
}
function nationColour(nation) {
  return app.data.palette.nations[nation] || [200, 200, 200, 255];
}

// ---------------------------------------------------------------- layers
function addSource(name) {
  const source = new C.CustomDataSource(name);
  app.viewer.dataSources.add(source);
  return source;
}

function buildSatellites(sources) {
  const s = app.data.satellites;
  const footprints = [];
  for (let i = 0; i < s.name.length; i++) {
    const c = nationColour(s.nation[i]);
    const position = sampled(s.t_s[i], cartesians(s.r_ecef_m[i]), 5);
    sources.satellites.entities.add({
      id: `satellite/${s.name[i]}`, name: s.name[i], position,
      point: { pixelSize: 6, color: colour(c), outlineColor: C.Color.BLACK, outlineWidth: 1 },
      properties: { kind: "satellite", index: i },
    });
    if (s.footprint_m[i]) footprints.push({ i, position, material: lineMaterial(c, 0.7) });
  }
  // Orbits: one ring per orbit plane, drawn in the inertial frame and turned with the Earth.
  const rings = app.viewer.scene.primitives.add(new C.PolylineCollection());
  for (const orbit of s.orbits) {
    rings.add({ positions: cartesians(orbit.r_eci_m), width: 1, material: lineMaterial(nationColour(s.nation[orbit.satellites[0]]), 0.4) });
  }
  // Footprints: the edge of infrared access on the ground, a small circle about geocentric nadir.
  const edges = app.viewer.scene.primitives.add(new C.PolylineCollection());
  const N = 72, ellipsoid = C.Ellipsoid.WGS84;
  const n = new C.Cartesian3(), e1 = new C.Cartesian3(), e2 = new C.Cartesian3(), p = new C.Cartesian3();
  let drawn = null;
  const { theta0_rad: theta0, theta_rate_rad_s: rate } = app.data.earth;
  app.viewer.scene.preRender.addEventListener(() => {
    rings.show = app.show.orbits && app.show.satellites && app.viewer.scene.mode === C.SceneMode.SCENE3D;
    if (rings.show) rings.modelMatrix = C.Matrix4.fromRotationTranslation(C.Matrix3.fromRotationZ(-(theta0 + rate * app.now())));
    edges.show = app.show.footprints && app.show.satellites;
    const time = app.viewer.clock.currentTime;
    if (!edges.show || drawn === app.now()) return;
    drawn = app.now();
    edges.removeAll();
    for (const f of footprints) {
      const r = f.position.getValue(time);
      if (!r) continue;
      const ts = s.t_s[f.i], fp = s.footprint_m[f.i], k = Math.max(Math.min(bisect(ts, drawn), ts.length - 2), 0);
      const w = ts.length > 1 ? Math.min(Math.max((drawn - ts[k]) / (ts[k + 1] - ts[k]), 0), 1) : 0;
      const lam = ((1 - w) * fp[k] + w * fp[Math.min(k + 1, fp.length - 1)]) / 6378137.0;
      C.Cartesian3.normalize(r, n);
      C.Cartesian3.cross(Math.abs(n.z) < 0.9 ? C.Cartesian3.UNIT_Z : C.Cartesian3.UNIT_X, n, e1);
      C.Cartesian3.normalize(e1, e1);
      C.Cartesian3.cross(n, e1, e2);
      const ring = new Array(N + 1);
      for (let j = 0; j <= N; j++) {
        const phi = (2 * Math.PI * j) / N;
        p.x = Math.cos(lam) * n.x + Math.sin(lam) * (Math.cos(phi) * e1.x + Math.sin(phi) * e2.x);
        p.y = Math.cos(lam) * n.y + Math.sin(lam) * (Math.cos(phi) * e1.y + Math.sin(phi) * e2.y);
        p.z = Math.cos(lam) * n.z + Math.sin(lam) * (Math.cos(phi) * e1.z + Math.sin(phi) * e2.z);
        ring[j] = ellipsoid.scaleToGeocentricSurface(p, new C.Cartesian3());
      }
      edges.add({ positions: ring, width: 1, material: f.material });
    }
  });
  app.orbits = rings;
  app.footprints = edges;
}

function buildRadars(sources) {
  const byLon = [...app.data.radars].sort((a, b) => a.lon_deg - b.lon_deg);
  for (const r of app.data.radars) {
    const below = byLon.indexOf(r) % 2 === 1;  // alternate label sides so neighbouring sites stay readable
    const c = nationColour(r.nation);
    const site = C.Cartesian3.fromDegrees(r.lon_deg, r.lat_deg, r.alt_m);
    sources.radars.entities.add({
      id: `radar/${r.name}`, name: r.name, position: site,
      point: { pixelSize: 9, color: colour(c), outlineColor: C.Color.WHITE, outlineWidth: 1.5 },
      label: { text: r.name, font: "11px system-ui, sans-serif", fillColor: colour(c), outlineColor: C.Color.BLACK, outlineWidth: 3,
        style: C.LabelStyle.FILL_AND_OUTLINE, pixelOffset: new C.Cartesian2(9, below ? 9 : -9), horizontalOrigin: C.HorizontalOrigin.LEFT,
        verticalOrigin: below ? C.VerticalOrigin.TOP : C.VerticalOrigin.BOTTOM, distanceDisplayCondition: new C.DistanceDisplayCondition(0, 2.5e7) },
      properties: { kind: "radar" },
    });
    const coverage = { id: `coverage/${r.name}`, position: site, properties: { kind: "coverage", owner: `radar/${r.name}` } };
    if (r.over_the_horizon) {
      coverage.polygon = { hierarchy: C.Cartesian3.fromDegreesArray(r.outline_deg), height: 0, material: colour(c, 0.12), outline: true, outlineColor: colour(c, 0.6) };
    } else {
      const R = r.max_range_m, r0 = Math.max(r.min_range_m, 1);
      const shape = { radii: new C.Cartesian3(R, R, R), innerRadii: new C.Cartesian3(r0, r0, r0),
        minimumClock: r.minimum_clock, maximumClock: r.maximum_clock, minimumCone: r.minimum_cone, maximumCone: r.maximum_cone };
      coverage.ellipsoid = { ...shape, material: colour(c, 0.06), outline: false, slicePartitions: 36, stackPartitions: 18 };
      // A sparse wire frame (edges of the fan, a few range rings) shows the volume's shape.
      const full = r.maximum_clock - r.minimum_clock >= 2 * Math.PI - 1e-6;
      sources.coverage.entities.add({ id: `coverage-edges/${r.name}`, position: site,
        ellipsoid: { ...shape, fill: false, outline: true, outlineColor: colour(c, 0.45), slicePartitions: full ? 8 : 4, stackPartitions: 3, subdivisions: 96 },
        properties: { kind: "coverage", owner: `radar/${r.name}` } });
    }
    sources.coverage.entities.add(coverage);
  }
}

function buildThreats(sources) {
  const phases = Object.values(app.data.palette.phases);
  for (const th of app.data.threats) {
    const positions = cartesians(th.r_ecef_m);
    const ts = th.t_s;
    const pos = sampled(ts, positions, 3);
    const phaseAt = (time) => th.phase[Math.max(bisect(ts, secs(time)), 0)];
    sources.threats.entities.add({
      id: `threat/${th.name}`, name: th.name, availability: span(ts), position: pos,
      point: { pixelSize: 10, color: new C.CallbackProperty((time) => colour(phases[phaseAt(time)] || [255, 255, 255, 255]), false),
        outlineColor: C.Color.WHITE, outlineWidth: 1.5 },
      label: { text: th.name, font: "600 12px system-ui, sans-serif", fillColor: C.Color.WHITE, outlineColor: C.Color.BLACK, outlineWidth: 3,
        style: C.LabelStyle.FILL_AND_OUTLINE, pixelOffset: new C.Cartesian2(10, -12), horizontalOrigin: C.HorizontalOrigin.LEFT },
      properties: { kind: "threat", id: th.id },
    });
    sources.threats.entities.add({
      id: `threat-plan/${th.name}`, polyline: { positions, width: 1, arcType: C.ArcType.NONE,
        material: new C.PolylineDashMaterialProperty({ color: C.Color.WHITE.withAlpha(0.3), dashLength: 12 }) },
      properties: { kind: "plan", owner: `threat/${th.name}` },
    });
    // The flown path, one polyline per flight phase, growing with the clock.
    let start = 0;
    for (let k = 1; k <= ts.length; k++) {
      if (k < ts.length && th.phase[k] === th.phase[start]) continue;
      const a = start, b = Math.min(k, ts.length - 1), code = th.phase[start];
      sources.threats.entities.add({
        id: `threat-path/${th.name}/${a}`,
        polyline: { width: 3, arcType: C.ArcType.NONE, material: colour(phases[code] || [255, 255, 255, 255], 0.95),
          positions: new C.CallbackProperty((time) => {
            const t = secs(time);
            if (t < ts[a]) return [];
            const j = Math.min(bisect(ts, t), b);
            const out = positions.slice(a, j + 1);
            if (j < b) { const p = pos.getValue(time); if (p) out.push(p); }
            return out;
          }, false) },
        properties: { kind: "path", owner: `threat/${th.name}` },
      });
      start = k;
    }
  }
}

function buildTracks() {
  const statuses = Object.values(app.data.palette.statuses);
  app.trackSources = {};
  for (const node of app.data.layers.nodes) app.trackSources[node] = addSource(`tracks:${node}`);
  for (const tr of app.data.tracks) {
    const ts = tr.t_s;
    const idx = (time) => Math.max(bisect(ts, secs(time)), 0);
    const statusColour = (time, alpha) => colour(statuses[tr.status[idx(time)]], alpha);
    app.trackSources[tr.node].entities.add({
      id: `track/${tr.node}/${tr.track_id}`, name: `Track ${tr.track_id} (${tr.node})`, availability: span(ts),
      position: sampled(ts, cartesians(tr.r_ecef_m), 1),
      orientation: new C.CallbackProperty((time) => {
        const k = idx(time), q = tr.quat;
        return new C.Quaternion(q[4 * k], q[4 * k + 1], q[4 * k + 2], q[4 * k + 3]);
      }, false),
      point: { pixelSize: 8, color: new C.CallbackProperty((time) => statusColour(time), false), outlineColor: C.Color.BLACK, outlineWidth: 1.5 },
      label: { text: `T${tr.track_id}`, font: "11px system-ui, sans-serif", fillColor: C.Color.WHITE, outlineColor: C.Color.BLACK, outlineWidth: 3,
        style: C.LabelStyle.FILL_AND_OUTLINE, pixelOffset: new C.Cartesian2(9, 10), horizontalOrigin: C.HorizontalOrigin.LEFT,
        distanceDisplayCondition: new C.DistanceDisplayCondition(0, 6.0e6) },
      path: { leadTime: 0, trailTime: 240, width: 1.5, resolution: Math.max(app.data.run.step_s, 1), material: C.Color.WHITE.withAlpha(0.55) },
      ellipsoid: {
        show: new C.CallbackProperty((time) => app.show.uncertainty && tr.status[idx(time)] !== 2, false),
        radii: new C.CallbackProperty((time) => {
          const k = idx(time), a = tr.axes_m, f = 3 * app.sigmaScale;
          return new C.Cartesian3(Math.max(a[3 * k], 1) * f, Math.max(a[3 * k + 1], 1) * f, Math.max(a[3 * k + 2], 1) * f);
        }, false),
        material: new C.ColorMaterialProperty(new C.CallbackProperty((time) => statusColour(time, 0.28), false)),
        slicePartitions: 24, stackPartitions: 16,
      },
      properties: { kind: "track" },
    });
  }
}

function buildDetections() {
  const d = app.data.detections;
  const lines = app.viewer.scene.primitives.add(new C.PolylineCollection());
  const persist = Math.max(3 * app.data.run.step_s, 2);
  const sensorNation = app.data.sensors.nation;
  let drawn = null;
  app.viewer.scene.preRender.addEventListener(() => {
    const t = app.now();
    const key = `${t}|${app.layer}|${app.show.detections}`;
    if (key === drawn) return;
    drawn = key;
    lines.removeAll();
    app.visibleDetections = 0;
    if (!app.show.detections) return;
    // A node's picture draws the raw detections it receives (bit k of `receivers`: node k); Truth all.
    const nodeIndex = app.data.layers.nodes.indexOf(app.layer);
    for (let i = bisect(d.t_s, t); i >= 0 && d.t_s[i] > t - persist; i--) {
      if (nodeIndex >= 0 && Math.floor(d.receivers[i] / 2 ** nodeIndex) % 2 !== 1) continue;
      const rgba = d.truth_id[i] >= 0 ? nationColour(sensorNation[d.sensor[i]]) : [170, 170, 170, 255];
      lines.add({ positions: [cart(d.from_ecef_m, i), cart(d.to_ecef_m, i)], width: 1.5, material: lineMaterial(rgba, 0.75) });
      app.visibleDetections++;
    }
  });
}

// ---------------------------------------------------------------- interaction
const FOOTPRINTS_ON_UP_TO = 48;  // more footprint circles than this hide the globe: start with them off
const PICK_ORDER = ["track", "threat", "satellite", "radar"];
const KIND_LABELS = { track: "Track", threat: "Threat", satellite: "Satellite", radar: "Radar" };
const PICK_RADIUS_PX = 10;
const kindOf = (entity) => (entity.properties && entity.properties.kind ? entity.properties.kind.getValue() : "");
function rank(entity) {
  const r = PICK_ORDER.indexOf(kindOf(entity));
  return r < 0 ? PICK_ORDER.length : r;
}
function findEntity(id) {
  const sources = app.viewer.dataSources;
  for (let i = 0; i < sources.length; i++) {
    const e = sources.get(i).entities.getById(id);
    if (e) return e;
  }
  return undefined;
}
app.findEntity = findEntity;

/** Point-like entities (tracks of the shown picture, threats, satellites, radar sites) drawn
 * within `radius` pixels of a window position, nearest first, hidden ones and those behind
 * the Earth left out. Points are picked in screen space, ahead of volumes and paths. */
function pointsNear(position, radius) {
  const scene = app.viewer.scene, time = app.viewer.clock.currentTime;
  const occluder = scene.mode === C.SceneMode.SCENE3D ? new C.EllipsoidalOccluder(C.Ellipsoid.WGS84, scene.camera.positionWC) : null;
  const sources = [app.sources.radars, app.sources.satellites, app.sources.threats];
  if (app.layer && app.trackSources[app.layer]) sources.push(app.trackSources[app.layer]);
  const out = [];
  for (const source of sources) {
    if (!source.show) continue;
    for (const e of source.entities.values) {
      if (!PICK_ORDER.includes(kindOf(e)) || !e.isAvailable(time)) continue;
      const p = e.position && e.position.getValue(time);
      if (!p || (occluder && !occluder.isPointVisible(p))) continue;
      const w = C.SceneTransforms.worldToWindowCoordinates(scene, p);
      if (!w) continue;
      const d = Math.hypot(w.x - position.x, w.y - position.y);
      if (d <= radius) out.push({ entity: e, d });
    }
  }
  out.sort((a, b) => rank(a.entity) - rank(b.entity) || a.d - b.d);
  return out.map((x) => x.entity);
}
/** Owners of the volumes and paths under a window position (a radar for its coverage, a threat for its paths). */
function ownersAt(position) {
  const seen = new Set(), out = [];
  for (const picked of app.viewer.scene.drillPick(position, 24)) {
    const e = picked.id;
    if (!(e instanceof C.Entity)) continue;
    const owner = e.properties && e.properties.owner ? findEntity(e.properties.owner.getValue()) : e;
    if (owner && !seen.has(owner.id) && PICK_ORDER.includes(kindOf(owner))) { seen.add(owner.id); out.push(owner); }
  }
  return out.sort((a, b) => rank(a) - rank(b));
}
/** What a click or hover at `position` means: the points there, else the owners of volumes there. */
function candidatesAt(position) {
  const points = pointsNear(position, PICK_RADIUS_PX);
  return points.length ? { list: points, via: "point" } : { list: ownersAt(position), via: "volume" };
}
app.candidatesAt = (x, y) => candidatesAt(new C.Cartesian2(x, y)).list.map((e) => e.id);

const chooser = document.getElementById("chooser");
const tooltip = document.getElementById("tooltip");
const entityLabel = (e) => `${KIND_LABELS[kindOf(e)] || ""} · ${e.name || e.id}`;
function select(entity) {
  app.viewer.selectedEntity = entity;
  closeChooser();
  app.viewer.scene.requestRender();
}
function closeChooser() { chooser.hidden = true; chooser.innerHTML = ""; }
function openChooser(entities, position) {
  chooser.innerHTML = `<div class="chooser-title">${entities.length} objects here</div>` + entities.map((e) =>
    `<button type="button" data-entity="${e.id.replace(/"/g, "&quot;")}">${entityLabel(e).replace(/</g, "&lt;")}</button>`).join("");
  for (const b of chooser.querySelectorAll("button")) b.addEventListener("click", () => select(findEntity(b.dataset.entity)));
  const box = app.viewer.scene.canvas.getBoundingClientRect();
  chooser.style.left = `${box.left + position.x + 12}px`;
  chooser.style.top = `${box.top + position.y + 12}px`;
  chooser.hidden = false;
}
function installPicking() {
  const viewer = app.viewer;
  viewer.cesiumWidget.screenSpaceEventHandler.removeInputAction(C.ScreenSpaceEventType.LEFT_CLICK);
  viewer.cesiumWidget.screenSpaceEventHandler.removeInputAction(C.ScreenSpaceEventType.LEFT_DOUBLE_CLICK);
  const handler = new C.ScreenSpaceEventHandler(viewer.scene.canvas);
  handler.setInputAction((click) => {
    const { list } = candidatesAt(click.position);
    if (list.length > 1) openChooser(list, click.position);
    else select(list[0]);
  }, C.ScreenSpaceEventType.LEFT_CLICK);
  let last = 0;
  handler.setInputAction((move) => {
    const now = performance.now();
    if (now - last < 60) return;
    last = now;
    const { list, via } = candidatesAt(move.endPosition);
    if (!list.length) { tooltip.hidden = true; return; }
    const shown = list.slice(0, 6).map((e) => entityLabel(e) + (via === "volume" ? (kindOf(e) === "radar" ? " (coverage)" : " (path)") : ""));
    if (list.length > 6) shown.push(`… ${list.length - 6} more`);
    tooltip.textContent = "";
    for (const line of shown) { const div = document.createElement("div"); div.textContent = line; tooltip.appendChild(div); }
    const box = viewer.scene.canvas.getBoundingClientRect();
    tooltip.style.left = `${box.left + move.endPosition.x + 14}px`;
    tooltip.style.top = `${box.top + move.endPosition.y + 14}px`;
    tooltip.hidden = false;
  }, C.ScreenSpaceEventType.MOUSE_MOVE);
  viewer.scene.canvas.addEventListener("mouseleave", () => { tooltip.hidden = true; });
  document.addEventListener("keydown", (e) => { if (e.key === "Escape") closeChooser(); });
  viewer.camera.moveStart.addEventListener(closeChooser);
}

// Labels: greedy decluttering in screen space (threats before radars, radars west to east),
// so neighbouring sites (several radars around Japan) do not print over each other.
function installDeclutter() {
  const scene = app.viewer.scene;
  const labelled = [...app.sources.threats.entities.values, ...app.sources.radars.entities.values].filter((e) => e.label);
  scene.preRender.addEventListener(() => {
    const time = app.viewer.clock.currentTime, placed = [];
    const occluder = scene.mode === C.SceneMode.SCENE3D ? new C.EllipsoidalOccluder(C.Ellipsoid.WGS84, scene.camera.positionWC) : null;
    app.hiddenLabels = 0;
    for (const e of labelled) {
      const p = e.isAvailable(time) && e.position && e.position.getValue(time);
      const w = p && (!occluder || occluder.isPointVisible(p)) ? C.SceneTransforms.worldToWindowCoordinates(scene, p) : null;
      let show = true;
      if (w) {
        const text = e.label.text.getValue(time), off = e.label.pixelOffset.getValue(time);
        const width = 6.2 * text.length, top = w.y + off.y - (e.label.verticalOrigin && e.label.verticalOrigin.getValue(time) === C.VerticalOrigin.TOP ? 0 : 14);
        const box = { x0: w.x + off.x, x1: w.x + off.x + width, y0: top, y1: top + 14 };
        show = !placed.some((b) => box.x0 < b.x1 && b.x0 < box.x1 && box.y0 < b.y1 && b.y0 < box.y1);
        if (show) placed.push(box); else app.hiddenLabels++;
      }
      if (e.label.show === undefined || e.label.show.getValue(time) !== show) e.label.show = show;
    }
  });
}

function applyVisibility() {
  const s = app.sources, show = app.show;
  s.satellites.show = show.satellites;
  s.radars.show = show.radars;
  s.coverage.show = show.radars && show.coverage;
  s.threats.show = show.threats;
  for (const [node, source] of Object.entries(app.trackSources)) source.show = show.tracks && node === app.layer;
}
app.setShow = (name, value) => { app.show[name] = value; applyVisibility(); app.panel.refresh(); app.viewer.scene.requestRender(); };
app.setLayer = (layer) => {
  app.layer = layer;
  const selected = app.viewer.selectedEntity;
  if (selected && selected.id.startsWith("track/") && !selected.id.startsWith(`track/${layer}/`)) app.viewer.selectedEntity = undefined;
  applyVisibility();
  app.panel.setLayer(layer);
  app.viewer.scene.requestRender();
};
app.setTime = (t) => { app.viewer.clock.currentTime = jd(t); app.panel.refresh(); app.viewer.scene.requestRender(); };
app.setSigmaScale = (k) => { app.sigmaScale = k; app.viewer.scene.requestRender(); };
app.jd = jd;
app.secs = secs;
app.bisect = bisect;
/** Page coordinates of an entity at the current time (for tests and tours), or null. */
app.screenPosition = (id) => {
  const entity = findEntity(id);
  const p = entity && entity.position && entity.position.getValue(app.viewer.clock.currentTime);
  if (!p) return null;
  const w = C.SceneTransforms.worldToWindowCoordinates(app.viewer.scene, p);
  if (!w) return null;
  const box = app.viewer.scene.canvas.getBoundingClientRect();
  return { x: box.left + w.x, y: box.top + w.y };
};
app.entityIds = () => {
  const ids = [];
  const sources = app.viewer.dataSources;
  for (let i = 0; i < sources.length; i++) for (const e of sources.get(i).entities.values) ids.push(e.id);
  return ids;
};

/** The theatre: the threats' ground tracks (radars only when there are no threats), so distant
 * sites (another continent's radars) do not pull the home view away from the fight. */
function homeSphere() {
  const pts = [];
  for (const th of app.data.threats) {
    for (const p of cartesians(th.r_ecef_m).filter((_, i, a) => i % Math.ceil(a.length / 20) === 0)) {
      pts.push(C.Ellipsoid.WGS84.scaleToGeodeticSurface(p, new C.Cartesian3()) || p);
    }
  }
  if (!pts.length) for (const r of app.data.radars) pts.push(C.Cartesian3.fromDegrees(r.lon_deg, r.lat_deg, 0));
  return pts.length ? C.BoundingSphere.fromPoints(pts) : null;
}
function goHome(duration) {
  const sphere = homeSphere();
  if (!sphere) return;
  const offset = new C.HeadingPitchRange(0, C.Math.toRadians(-75), Math.min(Math.max(sphere.radius * 2.2, 3.0e6), 2.2e7));
  if (duration) app.viewer.camera.flyToBoundingSphere(sphere, { offset, duration });
  else {
    app.viewer.camera.viewBoundingSphere(sphere, offset);
    app.viewer.camera.lookAtTransform(C.Matrix4.IDENTITY);
  }
}

// ---------------------------------------------------------------- start
/** The WebGL renderer's name (software renderers get the light profile). */
function webglRenderer() {
  try {
    const gl = document.createElement("canvas").getContext("webgl2") || document.createElement("canvas").getContext("webgl");
    const info = gl && gl.getExtension("WEBGL_debug_renderer_info");
    return gl ? String(gl.getParameter(info ? info.UNMASKED_RENDERER_WEBGL : gl.RENDERER)) : "";
  } catch (err) {
    return "";
  }
}

async function main() {
  let data;
  try {
    const response = await fetch("/api/view.json", { cache: "no-store" });
    if (!response.ok) throw new Error(await response.text());
    data = await response.json();
  } catch (err) {
    fail(`Could not load the run: ${err.message || err}`);
    return;
  }
  app.data = data;
  app.show.footprints = data.satellites.name.length <= FOOTPRINTS_ON_UP_TO;
  app.renderer = webglRenderer();
  app.lite = Q.get("quality") ? Q.get("quality") === "low" : /swiftshader|llvmpipe|softpipe|software/i.test(app.renderer);
  epoch = C.JulianDate.fromIso8601(data.run.epoch);
  const imagery = C.ImageryLayer.fromProviderAsync(
    C.TileMapServiceImageryProvider.fromUrl(C.buildModuleUrl("Assets/Textures/NaturalEarthII")));
  const viewer = new C.Viewer("globe", {
    baseLayer: imagery, baseLayerPicker: false, geocoder: false, homeButton: true, sceneModePicker: true,
    navigationHelpButton: true, navigationInstructionsInitiallyVisible: false, fullscreenButton: false, infoBox: false, selectionIndicator: true,
    animation: true, timeline: true, vrButton: false, projectionPicker: false,
    terrainProvider: new C.EllipsoidTerrainProvider(), shouldAnimate: false,
    msaaSamples: app.lite ? 1 : 4, orderIndependentTranslucency: !app.lite,
    // Render only when something changes: a paused viewer costs nothing; while the clock
    // runs, every change of time renders (maximumRenderTimeChange 0).
    requestRenderMode: true, maximumRenderTimeChange: 0,
  });
  imagery.readyEvent.addEventListener(() => { app.imageryReady = true; viewer.scene.requestRender(); });
  imagery.errorEvent.addEventListener((err) => fail(`Imagery could not be loaded: ${err && err.message ? err.message : err}`));
  if (app.lite) {  // per-pixel atmosphere and multisampling cost seconds per frame in software
    viewer.scene.globe.showGroundAtmosphere = false;
    viewer.scene.skyAtmosphere.show = false;
  }
  app.viewer = viewer;
  viewer.scene.globe.baseColor = C.Color.fromCssColorString("#0b1a2c");
  viewer.scene.screenSpaceCameraController.minimumZoomDistance = 2.0e3;
  const clock = viewer.clock;
  clock.startTime = jd(data.run.t_start_s);
  clock.stopTime = jd(data.run.t_end_s);
  const launches = data.threats.map((t) => t.t_s[0]);
  clock.currentTime = jd(launches.length ? Math.max(Math.min(...launches) - 10, 0) : 0);
  clock.clockRange = C.ClockRange.LOOP_STOP;
  clock.multiplier = 20;
  viewer.timeline.zoomTo(clock.startTime, clock.stopTime);

  app.sources = {};
  for (const name of ["coverage", "radars", "satellites", "threats"]) app.sources[name] = addSource(name);
  buildSatellites(app.sources);
  buildRadars(app.sources);
  buildThreats(app.sources);
  buildTracks();
  buildDetections();
  installPicking();
  installDeclutter();
  goHome(0);
  viewer.homeButton.viewModel.command.beforeExecute.addEventListener((e) => { e.cancel = true; goHome(1.2); });
  app.panel = new Panel(app);
  app.setLayer(data.layers.default);
  viewer.scene.morphComplete.addEventListener(() => app.panel.refresh());

  // Ready only when the imagery provider is up and every globe tile (imagery included) has
  // loaded; a viewer without its imagery after a minute says so instead.
  const started = performance.now();
  const poll = setInterval(() => {
    const loaded = (app.imageryReady || imagery.ready) && viewer.scene.globe.tilesLoaded;
    if (!loaded) {
      if (performance.now() - started > 60000) { clearInterval(poll); fail("The globe imagery did not load within 60 s."); }
      else viewer.scene.requestRender();
      return;
    }
    clearInterval(poll);
    app.tilesLoaded = true;
    statusBox.hidden = true;
    app.ready = true;
    document.body.dataset.ready = "1";
  }, 150);
}

main().catch((err) => { console.error(err); fail(`Viewer error: ${err.message || err}`); });
