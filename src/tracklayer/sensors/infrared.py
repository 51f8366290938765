"""Space infrared sensors: radiometric detection, angle noise, frames, false alarms.

For every satellite-target pair with geometric access (`tracklayer.sensors.geometry`)
at every grid time (docs/sensing.md gives the equations and sources):

1. background: look-down (the line of sight continued beyond the target meets the
   Earth) or limb (it does not), each with its own noise-equivalent irradiance
   NEI and per-pixel false-alarm probability Pfa, hence its own threshold
   k = Q^-1(Pfa);
2. signal: radiant intensity of the truth in the sensor's band (the truth's own band
   intensity, or the signature band's moved by a graybody ratio), times the
   atmospheric transmission of the path (`tracklayer.sensors.radiometry`), over the
   squared range: E = I tau / R^2;
3. SNR = E / NEI and Pd = Q(k - SNR) (`tracklayer.sensors.detection`); a line of
   sight within the sun-exclusion angle of a visible Sun has Pd = 0;
4. angle noise from centroiding, sigma = IFOV sqrt(f^2 + 1/SNR^2) (the
   Cramer-Rao-like IFOV/SNR term for a point-spread function about one pixel
   wide, floored at a fraction f of a pixel for residual pixel-phase and
   line-of-sight knowledge errors); a detection's noise uses its measured SNR.

At each frame a staring sensor (field of view >= field of regard) looks at every
target; a scanner frames at every grid step and looks at the targets its sweep passes
over in that step (`tracklayer.sensors.scanning`); a pointed sensor (smaller field of view) is cued to at most
``max_targets`` targets, those with the highest SNR. The detection itself is drawn
from the Gaussian detector model (measured SNR = SNR + n, n ~ N(0, 1), detected
when it crosses k). False alarms: each pixel crosses its threshold with
probability Pfa, so a frame has Poisson(Pfa x pixels) of them per background,
placed uniformly in that background's part of the field of view, or, against the
Earth with a sensor's ``look_down_clutter``, with the Sun-dependent density of
`tracklayer.sensors.clutter` (same mean over all Sun positions).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tracklayer.earth.constants import DEG
from tracklayer.sensors import ANGLES
from tracklayer.sensors.clutter import SolarClutter, ground_cos_sza
from tracklayer.sensors.detection import draw_gaussian_detections, pd_gaussian, q_inverse
from tracklayer.sensors.geometry import earth_angular_radius_rad, look_down_numpy, sun_blinded_numpy
from tracklayer.sensors.measurements import angles_covariance, perturb_direction, tangent_basis, unit
from tracklayer.sensors.radiometry import band_ratio, irradiance_w_m2, transmission
from tracklayer.sensors.scanning import scan_basis, swept_wedge

LOOK_DOWN, LIMB = 0, 1
"""Background index: target against the Earth, target against the limb and space."""


@dataclass(frozen=True)
class InfraredParams:
    """Per-satellite payload parameters, SI, each (S,) unless noted.

    ``band_m`` (S, 2) holds each sensor's band edges; ``band_ratio`` moves a signature-band
    intensity into it. ``nei_w_m2`` and ``pfa`` are (S, 2), indexed by background
    (`LOOK_DOWN`, `LIMB`). ``pd``, ``sigma_rad`` and ``false_alarms_per_frame`` are NaN where the
    radiometric model applies, else the constant that replaces it. ``solar_clutter``
    (S, 3): night floor, terminator peak and width (rad) of the look-down clutter
    density (`tracklayer.sensors.clutter`), NaN rows (or None) for uniform clutter.
    """

    half_angle_rad: np.ndarray
    fov_half_rad: np.ndarray
    ifov_rad: np.ndarray
    max_range_m: np.ndarray
    grazing_m: np.ndarray
    min_target_alt_m: np.ndarray
    revisit_s: np.ndarray
    band_m: np.ndarray
    nei_w_m2: np.ndarray
    pfa: np.ndarray
    sun_exclusion_rad: np.ndarray
    zenith_optical_depth: np.ndarray
    scale_height_m: np.ndarray
    band_ratio: np.ndarray
    centroid_floor_px: np.ndarray
    max_targets: np.ndarray
    pd: np.ndarray
    sigma_rad: np.ndarray
    false_alarms_per_frame: np.ndarray
    scan_period_s: np.ndarray
    scan_dwell_s: np.ndarray
    solar_clutter: np.ndarray | None = None

    @classmethod
    def from_constellations(cls, constellations: list, owner: np.ndarray) -> InfraredParams:
        """Expand each constellation's sensor spec (schema) to its satellites (``owner``: (S,) index)."""

        def col(fn, dtype=np.float64) -> np.ndarray:
            values = np.array([fn(c.sensor) for c in constellations], dtype=dtype)
            return values[owner] if len(owner) else np.zeros((0,) + values.shape[1:], dtype=dtype)

        def opt(key: str, scale: float = 1.0) -> np.ndarray:
            return col(lambda s: np.nan if getattr(s, key) is None else getattr(s, key) * scale)

        return cls(
            half_angle_rad=col(lambda s: s.value("field_of_regard_deg") / 2.0 * DEG),
            fov_half_rad=col(lambda s: s.value("field_of_view_deg") / 2.0 * DEG),
            ifov_rad=col(lambda s: s.value("ifov_urad") * 1e-6),
            max_range_m=col(lambda s: s.value("max_range_km") * 1e3),
            grazing_m=col(lambda s: s.value("grazing_altitude_km") * 1e3),
            min_target_alt_m=col(lambda s: s.value("min_target_altitude_km") * 1e3),
            revisit_s=col(lambda s: s.value("revisit_s")),
            band_m=col(lambda s: [b * 1e-6 for b in s.value("band_um")]),
            nei_w_m2=col(lambda s: [s.value("nei_look_down_w_m2"), s.value("nei_limb_w_m2")]),
            pfa=col(lambda s: [s.value("pfa_look_down"), s.value("pfa_limb")]),
            sun_exclusion_rad=col(lambda s: s.value("sun_exclusion_deg") * DEG),
            zenith_optical_depth=col(lambda s: s.value("zenith_optical_depth")),
            scale_height_m=col(lambda s: s.value("absorber_scale_height_km") * 1e3),
            band_ratio=col(lambda s: band_ratio(s.value("source_temperature_k"), tuple(b * 1e-6 for b in s.value("band_um")))),
            centroid_floor_px=col(lambda s: s.value("centroid_floor_px")),
            max_targets=col(lambda s: s.value("max_targets_per_frame"), np.int64),
            pd=opt("pd"),
            sigma_rad=opt("angle_noise_urad", 1e-6),
            false_alarms_per_frame=opt("false_alarms_per_frame"),
            scan_period_s=col(lambda s: np.nan if s.value("scan_period_s") is None else s.value("scan_period_s")),
            scan_dwell_s=col(lambda s: np.nan if s.value("scan_dwell_s") is None else s.value("scan_dwell_s")),
            solar_clutter=col(lambda s: [np.nan] * 3 if s.look_down_clutter is None else [
                s.look_down_clutter.night, s.look_down_clutter.terminator_peak, s.look_down_clutter.terminator_width_deg * DEG]),
        )

    def clutter(self, s: int) -> SolarClutter | None:
        """Sensor ``s``'s look-down clutter density, None where it is uniform."""
        if self.solar_clutter is None or np.isnan(self.solar_clutter[s, 0]):
            return None
        return SolarClutter(*(float(v) for v in self.solar_clutter[s]))

    @property
    def threshold(self) -> np.ndarray:
        """(S, 2) detection threshold k = Q^-1(Pfa) per background, in noise units."""
        return q_inverse(self.pfa)

    @property
    def scanning(self) -> np.ndarray:
        """(S,) bool: a scanner, which looks at each point of its field of regard once
        per ``scan_period_s`` (`tracklayer.sensors.scanning`)."""
        return ~np.isnan(self.scan_period_s)

    @property
    def staring(self) -> np.ndarray:
        """(S,) bool: the field of view covers the field of regard (no pointing)."""
        return self.fov_half_rad >= self.half_angle_rad


@dataclass(frozen=True)
class InfraredPairs:
    """Radiometry of every (time, satellite, target) triple with geometric access, (P,) each.

    ``t``, ``s``, ``n`` index the grid, the satellites and the targets, in
    (t, s, n) order; ``background`` is `LOOK_DOWN` or `LIMB`; ``pd`` is 0 where the
    Sun blinds the line of sight; ``sigma_rad`` is the angle noise at the expected SNR
    (a detection's own uses its measured SNR).
    """

    t: np.ndarray
    s: np.ndarray
    n: np.ndarray
    range_m: np.ndarray
    background: np.ndarray
    transmission: np.ndarray
    snr: np.ndarray
    pd: np.ndarray
    sigma_rad: np.ndarray


@dataclass(frozen=True)
class Pointings:
    """Where the track-cued sensors looked (`tracklayer.tasking`).

    ``sensors`` (S,) bool marks the track-cued sensors; each look L has a grid index
    ``t``, a sensor ``s``, a boresight ``axis_eci`` (L, 3) unit ECI and ``look_down``
    (the boresight meets the Earth); ``in_view`` (P,) marks the pairs of
    `InfraredPairs` whose target lies inside the field of view of one of its
    sensor's looks at that time.
    """

    sensors: np.ndarray
    t: np.ndarray
    s: np.ndarray
    axis_eci: np.ndarray
    look_down: np.ndarray
    in_view: np.ndarray


def centroid_sigma_rad(ifov_rad: np.ndarray, snr: np.ndarray, floor_px: np.ndarray) -> np.ndarray:
    """1-sigma line-of-sight error of a centroided point target: IFOV sqrt(f^2 + 1/SNR^2)."""
    with np.errstate(divide="ignore"):
        return np.asarray(ifov_rad) * np.sqrt(np.asarray(floor_px) ** 2 + 1.0 / np.asarray(snr) ** 2)


def sensor_intensities(params: InfraredParams, signature_w_sr: np.ndarray, by_band: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Radiant intensity in each sensor's band: the truth's own band intensity where it
    has one for that band, else the signature-band intensity times the graybody ratio.

    Parameters
    ----------
    signature_w_sr : (T, N) intensity in the signature band (`Truth.intensity_w_sr`), W/sr
    by_band : band name -> (T, N) W/sr (`Truth.intensity_band_w_sr`; names of
        `tracklayer.threats.signatures.BANDS`)

    Returns
    -------
    stack : (K, T, N) intensities, row 0 the signature band
    row : (S,) each sensor's row of ``stack``
    ratio : (S,) factor applied to it (1 for the truth's own bands)
    """
    from tracklayer.threats.signatures import BANDS

    rows = [signature_w_sr]
    row = np.zeros(params.band_m.shape[0], dtype=np.int64)
    ratio = params.band_ratio.copy()
    for name, band in BANDS.items():
        match = np.all(np.isclose(params.band_m, band, rtol=1e-9, atol=0.0), axis=1)
        if name in by_band and match.any():
            rows.append(by_band[name])
            row[match] = len(rows) - 1
            ratio[match] = 1.0
    return np.stack(rows), row, ratio


def assess_infrared(
    access: np.ndarray,
    r_sat: np.ndarray,
    r_tgt: np.ndarray,
    alt_tgt_m: np.ndarray,
    intensity_w_sr: np.ndarray,
    band_row: np.ndarray,
    band_ratio: np.ndarray,
    sun_unit: np.ndarray,
    params: InfraredParams,
) -> InfraredPairs:
    """Background, transmission, SNR, Pd and angle noise of every pair with access.

    Parameters
    ----------
    access : (T, S, N) geometric access (range, field of regard, Earth, minimum altitude)
    r_sat, r_tgt : (T, S, 3), (T, N, 3) ECI positions, m
    alt_tgt_m : (T, N) geodetic target altitude, m
    intensity_w_sr, band_row, band_ratio : (K, T, N) radiant intensities, W/sr, each
        sensor's row (S,) and the factor (S,) that puts it in the sensor's band
        (`sensor_intensities`)
    sun_unit : (T, 3) unit vectors to the Sun, ECI
    """
    t, s, n = np.nonzero(access)
    rs, rt = r_sat[t, s], r_tgt[t, n]
    d = rs - rt
    rng = np.linalg.norm(d, axis=1)
    bg = np.where(look_down_numpy(rs, rt), LOOK_DOWN, LIMB).astype(np.int8)
    rt_norm = np.linalg.norm(rt, axis=1)
    cos_z = np.sum(rt * d, axis=1) / (rt_norm * rng)
    alt = alt_tgt_m[t, n]
    tau = transmission(alt, cos_z, rt_norm - alt, params.zenith_optical_depth[s], params.scale_height_m[s])
    e = irradiance_w_m2(intensity_w_sr[band_row[s], t, n] * band_ratio[s], rng, tau)
    snr = e / params.nei_w_m2[s, bg]
    blind = sun_blinded_numpy(rs, -d / rng[:, None], sun_unit[t], params.sun_exclusion_rad[s])
    pd = np.where(np.isnan(params.pd[s]), pd_gaussian(snr, params.pfa[s, bg]), params.pd[s])
    pd = np.where(blind, 0.0, pd)
    sigma = np.where(np.isnan(params.sigma_rad[s]), centroid_sigma_rad(params.ifov_rad[s], snr, params.centroid_floor_px[s]), params.sigma_rad[s])
    return InfraredPairs(t, s, n, rng, bg, tau, snr, pd, sigma)


def able_to_detect(pairs: InfraredPairs, shape: tuple[int, int, int], pd_min: float) -> np.ndarray:
    """(T, S, N) bool: geometric access and single-frame Pd >= ``pd_min``."""
    out = np.zeros(shape, dtype=bool)
    ok = pairs.pd >= pd_min
    out[pairs.t[ok], pairs.s[ok], pairs.n[ok]] = True
    return out


def frame_mask(t_s: np.ndarray, revisit_s: np.ndarray) -> np.ndarray:
    """(T, S) bool: grid times at which each sensor takes a frame.

    A sensor with revisit period P frames at the first grid time of every period
    [kP, (k+1)P) (so at every step when P is at most the step).
    """
    period = np.floor(t_s[:, None] / revisit_s[None, :] + 1e-9)
    first = np.ones((1, revisit_s.shape[0]), dtype=bool)
    return np.concatenate([first, period[1:] > period[:-1]], axis=0)


def _cued(t: np.ndarray, snr: np.ndarray, k_max: int) -> np.ndarray:
    """Mask of the ``k_max`` highest-SNR entries at each time (entries sorted by time)."""
    order = np.lexsort((-snr, t))
    ts = t[order]
    start = np.searchsorted(ts, ts, side="left")
    rank = np.arange(ts.size) - start
    keep = np.zeros(t.size, dtype=bool)
    keep[order[rank < k_max]] = True
    return keep


def _cone_directions(
    axis: np.ndarray, cos_lo: np.ndarray, cos_hi: np.ndarray, rng: np.random.Generator, wedge: tuple | None = None
) -> np.ndarray:
    """Unit vectors uniform in solid angle with cos(angle to ``axis``) in [cos_lo, cos_hi];
    with ``wedge`` (e1, e2, start, span), only at azimuths start + [0, span) about
    ``axis`` measured from e1 towards e2."""
    c = rng.uniform(cos_lo, cos_hi)
    if wedge is None:
        phi = rng.uniform(0.0, 2.0 * np.pi, c.shape)
        e1, e2 = tangent_basis(axis)
    else:
        e1, e2, start, span = wedge
        phi = start + span * rng.uniform(0.0, 1.0, c.shape)
    sin_c = np.sqrt(np.maximum(1.0 - c**2, 0.0))
    return c[:, None] * axis + sin_c[:, None] * (np.cos(phi)[:, None] * e1 + np.sin(phi)[:, None] * e2)


def _false_alarms(
    frame_t: np.ndarray, axis: np.ndarray, cos_edges: np.ndarray, background: np.ndarray, s: int, params: InfraredParams,
    rng: np.random.Generator, wedge: tuple | None = None, r_sat: np.ndarray | None = None, sun_unit: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """Poisson false alarms in cones ``cos_edges`` (F, 2) about ``axis`` (F, 3) at grid indices
    ``frame_t`` (F,); with ``wedge`` (e1, e2, start, span), (F, ...) each, only in that
    azimuth wedge of each cone (a scanner's sweep).

    With a look-down clutter density, look-down false alarms are thinned by it at the
    ground point each meets: ``r_sat`` (F, 3) the sensor's position per cone and
    ``sun_unit`` (T, 3) the unit vector to the Sun per grid time, same frame.
    """
    omega = 2.0 * np.pi * np.maximum(cos_edges[:, 1] - cos_edges[:, 0], 0.0)
    if wedge is not None:
        omega = omega * wedge[3] / (2.0 * np.pi)
    pixels = omega / params.ifov_rad[s] ** 2
    pfa = params.pfa[s, background]
    mean = pfa * pixels
    if not np.isnan(params.false_alarms_per_frame[s]):  # a constant rate per frame, shared out by pixel count
        _, frame_of = np.unique(frame_t, return_inverse=True)
        per_frame = np.bincount(frame_of, pixels)[frame_of]
        mean = params.false_alarms_per_frame[s] * np.divide(pixels, per_frame, out=np.zeros_like(pixels), where=per_frame > 0)
    clutter = params.clutter(s) if sun_unit is not None else None
    if clutter is not None:
        mean = np.where(background == LOOK_DOWN, mean * clutter.max_weight, mean)
    counts = rng.poisson(mean)
    rows = np.repeat(np.arange(frame_t.size), counts)
    u = _cone_directions(axis[rows], cos_edges[rows, 0], cos_edges[rows, 1], rng, None if wedge is None else tuple(w[rows] for w in wedge))
    if clutter is not None:
        assert r_sat is not None and sun_unit is not None  # observe_infrared passes both
        down = background[rows] == LOOK_DOWN
        w = clutter.weight(ground_cos_sza(r_sat[rows[down]], u[down], sun_unit[frame_t[rows[down]]]))
        keep = np.ones(rows.size, dtype=bool)
        keep[down] = rng.uniform(0.0, clutter.max_weight, w.size) < w
        rows, u = rows[keep], u[keep]
    measured = q_inverse(rng.uniform(0.0, 1.0, rows.size) * pfa[rows])
    return {"t": frame_t[rows], "u": u, "snr": measured, "sigma": centroid_sigma_rad(params.ifov_rad[s], measured, params.centroid_floor_px[s])}


def observe_infrared(
    pairs: InfraredPairs,
    frames: np.ndarray,
    r_sat: np.ndarray,
    r_tgt: np.ndarray,
    t_s: np.ndarray,
    params: InfraredParams,
    rngs: list[np.random.Generator],
    sensor_offset: int = 0,
    v_sat: np.ndarray | None = None,
    looks: np.ndarray | None = None,
    sun_unit: np.ndarray | None = None,
    pointings: Pointings | None = None,
) -> dict[str, np.ndarray]:
    """Detections (columns) of all infrared sensors, true and false.

    Parameters
    ----------
    pairs : radiometry of the pairs with access (`assess_infrared`)
    frames : (T, S) frame times
    r_sat, r_tgt : (T, S, 3), (T, N, 3) ECI positions, m
    t_s : (T,) grid times
    rngs : one generator per sensor (S,), for reproducible per-sensor streams
    sensor_offset : added to the satellite index to form ``sensor_id``
    v_sat : (T, S, 3) ECI satellite velocities, m/s, for the ``sensor_v_eci_m_s``
        column (NaN when not given); needed by scanners
    looks : (P,) bool, whether each pair is looked at in its frame (a scanner's sweep,
        `tracklayer.sensors.scanning.scan_looks`); default: every pair in a frame
    sun_unit : (T, 3) ECI unit vectors to the Sun, for sensors with look-down clutter
        (without it their clutter is uniform)
    pointings : where the track-cued sensors looked (`Pointings`); their pairs are
        those ``pointings.in_view`` marks, instead of the highest-SNR targets
    """
    parts: list[dict[str, np.ndarray]] = []
    n_s = r_sat.shape[1]
    in_frame = frames[pairs.t, pairs.s] & (pairs.pd > 0.0)
    if looks is not None:
        in_frame &= looks
    cued_by_tracks = np.zeros(n_s, dtype=bool)
    if pointings is not None:
        cued_by_tracks = pointings.sensors
        in_frame &= ~cued_by_tracks[pairs.s] | pointings.in_view
    k = params.threshold
    by_sensor = np.argsort(pairs.s, kind="stable")  # each sensor's pairs, in (t, n) order
    bounds = np.searchsorted(pairs.s[by_sensor], np.arange(n_s + 1))
    for s in range(n_s):
        rng = rngs[s]
        sel = by_sensor[bounds[s]:bounds[s + 1]]
        sel = sel[in_frame[sel]]
        if not params.staring[s] and not cued_by_tracks[s]:
            sel = sel[_cued(pairs.t[sel], pairs.snr[sel], int(params.max_targets[s]))]
        normal = rng.standard_normal(sel.size)
        if np.isnan(params.pd[s]):
            seen, measured = draw_gaussian_detections(pairs.snr[sel], k[s, pairs.background[sel]], normal)
        else:
            seen = rng.random(sel.size) < pairs.pd[sel]
            measured = pairs.snr[sel] + normal
        hit = sel[seen]
        ti, ni = pairs.t[hit], pairs.n[hit]
        # Centroiding error of what was measured (at or above the threshold, so finite).
        sigma_hit = pairs.sigma_rad[hit] if not np.isnan(params.sigma_rad[s]) else centroid_sigma_rad(
            params.ifov_rad[s], np.maximum(measured[seen], 1e-9), params.centroid_floor_px[s])
        u_true = unit(r_tgt[ti, ni] - r_sat[ti, s])
        u = perturb_direction(u_true, sigma_hit, rng.standard_normal((hit.size, 2)))

        frame_t = np.nonzero(frames[:, s])[0]
        if params.staring[s]:
            # Nadir-centred field of view: the Earth's disk (look-down) and the ring beyond it (limb).
            cos_fov = np.cos(params.fov_half_rad[s])
            cos_earth = np.maximum(np.cos(earth_angular_radius_rad(r_sat[frame_t, s])), cos_fov)
            f_t = np.concatenate([frame_t, frame_t])
            axis = -unit(r_sat[f_t, s])
            edges = np.stack([np.r_[cos_earth, np.full(frame_t.size, cos_fov)], np.r_[np.ones(frame_t.size), cos_earth]], axis=1)
            background = np.r_[np.full(frame_t.size, LOOK_DOWN), np.full(frame_t.size, LIMB)]
            wedge = None
            if params.scanning[s]:
                if v_sat is None:
                    raise ValueError("a scanning sensor needs the satellites' velocities (v_sat)")
                _, e1, e2 = scan_basis(r_sat[f_t, s], v_sat[f_t, s])
                start, span = swept_wedge(t_s, params.scan_period_s[s:s + 1], params.scan_dwell_s[s:s + 1])
                wedge = (e1, e2, start[f_t, 0], span[f_t, 0])
        elif cued_by_tracks[s]:
            # Each look: a field of view centred on a track's estimate, against the background behind it.
            assert pointings is not None
            mine = pointings.s == s
            f_t = pointings.t[mine]
            axis = pointings.axis_eci[mine]
            edges = np.stack([np.full(f_t.size, np.cos(params.fov_half_rad[s])), np.ones(f_t.size)], axis=1)
            background = np.where(pointings.look_down[mine], LOOK_DOWN, LIMB)
            wedge = None
        else:
            # Each cued pointing: a field of view centred on its target, against that target's background.
            f_t = pairs.t[sel]
            axis = unit(r_tgt[f_t, pairs.n[sel]] - r_sat[f_t, s])
            edges = np.stack([np.full(sel.size, np.cos(params.fov_half_rad[s])), np.ones(sel.size)], axis=1)
            background = pairs.background[sel]
            wedge = None
        fa = _false_alarms(f_t, axis, edges, background, s, params, rng, wedge, r_sat[f_t, s], sun_unit)
        t_all = np.concatenate([ti, fa["t"]])
        u_all = np.concatenate([u, fa["u"]])
        sigma = np.concatenate([sigma_hit, fa["sigma"]])
        parts.append(
            {
                "t_s": t_s[t_all],
                "sensor_id": np.full(t_all.size, s + sensor_offset, dtype=np.int32),
                "kind": np.full(t_all.size, ANGLES, dtype=np.int8),
                "truth_id": np.concatenate([ni.astype(np.int32), np.full(fa["t"].size, -1, dtype=np.int32)]),
                "z": u_all,
                "R": angles_covariance(u_all, sigma),
                "sensor_r_eci_m": r_sat[t_all, s],
                "sensor_v_eci_m_s": v_sat[t_all, s] if v_sat is not None else np.full((t_all.size, 3), np.nan),
                "snr": np.concatenate([measured[seen], fa["snr"]]),
                "range_rate_m_s": np.full(t_all.size, np.nan),
                "range_rate_sigma_m_s": np.full(t_all.size, np.nan),
            }
        )
    return {key: np.concatenate([p[key] for p in parts]) for key in parts[0]} if parts else {}
