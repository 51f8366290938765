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
"""

from __future__ import annotations

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
        "pfa_look_down": 1.0e-8,
        "pfa_limb": 1.0e-6,
        "sun_exclusion_deg": 20.0,
        "zenith_optical_depth": 1.0,
        "absorber_scale_height_km": 3.0,
        "source_temperature_k": 1500.0,
        "centroid_floor_px": 0.2,
        "max_targets_per_frame": 1,
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
        "pfa_look_down": 1.0e-8,
        "pfa_limb": 1.0e-6,
        "sun_exclusion_deg": 20.0,
        "zenith_optical_depth": 1.0,
        "absorber_scale_height_km": 3.0,
        "source_temperature_k": 1500.0,
        "centroid_floor_px": 0.2,
        "max_targets_per_frame": 4,
    },
}
"""Preset name -> schema field -> value (units in the field names)."""
