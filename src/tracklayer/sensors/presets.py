"""Notional infrared sensor presets (DOMAIN.md Sec. 3); every value is a parameter.

Sources and reasoning (docs/sensing.md gives the derivations):

* ``wfov`` — wide-field staring tracking sensor (SDA Tracking Layer-like): 120 deg
  field of regard and of view (covers the Earth's disk from 1,000 km, CSIS), IFOV
  0.75 mrad (0.5-1.5 mrad; a 4K array over 110 deg is 0.47 mrad), 1 s frames (APS
  2004 notional detector), SWIR 1.4-3.0 um (SBIRS-like, the band of the threat
  signature presets). Noise-equivalent irradiance: not public. Chosen so that the
  threshold radiant intensity (Pd = 0.5) at 1,000 km range, the nadir distance, is
  the ~6 kW/sr SWIR threshold quoted for SBIRS (Candler & Leyva 2022 citing APS
  2004): k NEI R^2 = 5.6 x 1.0e-9 W/m^2 x (1,000 km)^2 = 5.6 kW/sr. A small
  wide-field sensor thus gives back most of the (36,000/1,000)^2 irradiance gain of
  its shorter range. Against the limb (dark space, thin airglow) the background
  noise is halved and a lower threshold is affordable.
* ``mfov`` — medium-field cued sensor (HBTSS-like "fire-control" payload): a 4 deg
  field of view pointed anywhere inside a 130 deg field of regard (it can look
  above the limb), IFOV 50 um-rad, up to 4 cued pointings per 1 s frame; 15x
  finer pixels see 225x less background each (background-limited NEI scales with
  the IFOV), so the NEI is 20x lower than ``wfov``'s.
* ``geo-scan`` — SBIRS-GEO-like scanner (wide-area launch surveillance; SBIRS GEO
  carries a scanning and a staring sensor, UPI 2011, Air Force Magazine): sweeps the
  Earth's disk (17.4 deg from GEO; field of regard 18 deg) once per 10 s (DSP spins at
  6 rpm, ~10 s revisit [S]), DSP-like band 2.69-2.95 um, threshold ~20 kW/sr at the
  nadir range 35,786 km (the DSP figure, Candler & Leyva 2022 citing Garwin & Postol
  and APS 2004), IFOV 50 urad (1.8 km at nadir), dwell 0.01 s per point and scan.
* ``geo-stare`` — SBIRS-GEO-like staring sensor (small areas, higher sensitivity,
  steerable): a 2 deg field of view cued inside the same 18 deg field of regard, up to
  4 pointings per 1 s frame, SWIR 1.4-3.0 um, threshold ~6 kW/sr at the nadir range
  (the SBIRS figure quoted above).
* ``heo-scan`` — SBIRS-HEO-like scanner on a Molniya orbit (polar coverage, [N]):
  the ``geo-scan`` payload with a 20 deg field of regard (the Earth's disk from a
  39,000 km apogee is 18.7 deg wide; near perigee it sees a smaller footprint).

Named sub-presets (the sensor's ``field_of_regard`` and ``sensitivity`` fields) set
some fields over those of the sensor preset, so that both ends of an open question can
be swept in a campaign:

* `FIELD_OF_REGARD_PRESETS`: ``for-110`` and ``for-120``. SDA's statements (40
  satellites for global coverage; 4 Tranche 0 satellites ~10 % of the Earth) bracket a
  LEO wide-field sensor's field of regard between about 110 and 120 deg at 1,000 km;
  CSIS calls 120 deg "near the physical limit" and quotes ~110 deg for Tranche 0
  (DOMAIN.md). A staring sensor's field of view follows its field of regard.
* `SENSITIVITY_PRESETS`: noise-equivalent irradiances (look-down; limb half of it)
  from a threshold radiant intensity I (Pd = 0.5) at a nadir range R and the
  look-down false-alarm probability 1e-8 (k = 5.61): NEI = I / (k R^2). LEO (R =
  1,000 km): ``leo-sbirs-class`` 6 kW/sr (the ``wfov`` default, rounded), ``leo-dsp-class``
  20 kW/sr (the DSP threshold), ``leo-optimistic`` 1.5 kW/sr (sees Candler & Leyva's
  22-29 kW/sr SWIR glide body at the 4,500 km limb range). GEO (R = 35,786 km):
  ``geo-sbirs-class`` 6 kW/sr, ``geo-dsp-class`` 20 kW/sr.
"""

from __future__ import annotations

from statistics import NormalDist

_K_LOOK_DOWN = NormalDist().inv_cdf(1.0 - 1.0e-8)
"""Threshold in noise units at the presets' look-down false-alarm probability (5.61)."""
LEO_NADIR_M = 1.0e6
GEO_NADIR_M = 35_786.0e3


def nei_for_threshold(threshold_w_sr: float, range_m: float) -> float:
    """Look-down NEI (W/m^2) whose Pd = 0.5 threshold at ``range_m`` is ``threshold_w_sr``."""
    return threshold_w_sr / (_K_LOOK_DOWN * range_m**2)


_STARING = {"scan_period_s": None, "scan_dwell_s": None}
_COMMON = {
    "pfa_look_down": 1.0e-8,
    "pfa_limb": 1.0e-6,
    "sun_exclusion_deg": 20.0,
    "zenith_optical_depth": 1.0,
    "absorber_scale_height_km": 3.0,
    "source_temperature_k": 1500.0,
    "centroid_floor_px": 0.2,
}
_GEO_NEI = nei_for_threshold(20.0e3, GEO_NADIR_M)

INFRARED_PRESETS: dict[str, dict[str, object]] = {
    "wfov": {
        "field_of_regard_deg": 120.0,
        "field_of_view_deg": 120.0,
        "ifov_urad": 750.0,
        "band_um": (1.4, 3.0),
        "max_range_km": 5000.0,
        "grazing_altitude_km": 20.0,
        "min_target_altitude_km": 10.0,
        "revisit_s": 1.0,
        "nei_look_down_w_m2": 1.0e-9,
        "nei_limb_w_m2": 5.0e-10,
        **_COMMON,
        "max_targets_per_frame": 1,
        **_STARING,
    },
    "mfov": {
        "field_of_regard_deg": 130.0,
        "field_of_view_deg": 4.0,
        "ifov_urad": 50.0,
        "band_um": (1.4, 3.0),
        "max_range_km": 6000.0,
        "grazing_altitude_km": 20.0,
        "min_target_altitude_km": 10.0,
        "revisit_s": 1.0,
        "nei_look_down_w_m2": 5.0e-11,
        "nei_limb_w_m2": 2.5e-11,
        **_COMMON,
        "max_targets_per_frame": 4,
        **_STARING,
    },
    "geo-scan": {
        "field_of_regard_deg": 18.0,
        "field_of_view_deg": 18.0,
        "ifov_urad": 50.0,
        "band_um": (2.69, 2.95),
        "max_range_km": 45_000.0,
        "grazing_altitude_km": 20.0,
        "min_target_altitude_km": 10.0,
        "revisit_s": 10.0,
        "nei_look_down_w_m2": _GEO_NEI,
        "nei_limb_w_m2": _GEO_NEI / 2.0,
        **_COMMON,
        "max_targets_per_frame": 1,
        "scan_period_s": 10.0,
        "scan_dwell_s": 0.01,
    },
    "geo-stare": {
        "field_of_regard_deg": 18.0,
        "field_of_view_deg": 2.0,
        "ifov_urad": 50.0,
        "band_um": (1.4, 3.0),
        "max_range_km": 45_000.0,
        "grazing_altitude_km": 20.0,
        "min_target_altitude_km": 10.0,
        "revisit_s": 1.0,
        "nei_look_down_w_m2": nei_for_threshold(6.0e3, GEO_NADIR_M),
        "nei_limb_w_m2": nei_for_threshold(6.0e3, GEO_NADIR_M) / 2.0,
        **_COMMON,
        "max_targets_per_frame": 4,
        **_STARING,
    },
}
INFRARED_PRESETS["heo-scan"] = {**INFRARED_PRESETS["geo-scan"], "field_of_regard_deg": 20.0, "field_of_view_deg": 20.0}
"""Preset name -> schema field -> value (units in the field names); None: not scanning."""

FIELD_OF_REGARD_PRESETS: dict[str, float] = {"for-110": 110.0, "for-120": 120.0}
"""Field-of-regard preset -> full cone angle, deg (a staring sensor's field of view follows)."""

SENSITIVITY_PRESETS: dict[str, dict[str, float]] = {
    name: {"nei_look_down_w_m2": nei_for_threshold(i_w_sr, r_m), "nei_limb_w_m2": nei_for_threshold(i_w_sr, r_m) / 2.0}
    for name, i_w_sr, r_m in (
        ("leo-optimistic", 1.5e3, LEO_NADIR_M),
        ("leo-sbirs-class", 6.0e3, LEO_NADIR_M),
        ("leo-dsp-class", 20.0e3, LEO_NADIR_M),
        ("geo-sbirs-class", 6.0e3, GEO_NADIR_M),
        ("geo-dsp-class", 20.0e3, GEO_NADIR_M),
    )
}
"""Sensitivity preset -> NEI fields (W/m^2), from a threshold radiant intensity at a nadir range."""
