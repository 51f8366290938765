"""Named vehicle presets (notional, with sources; DOMAIN.md Sec. 2-3)."""

from __future__ import annotations

GLIDE_PRESETS: dict[str, dict[str, float]] = {
    # Tracy & Wright 2020 (Science & Global Security 28), HTV-2-like: m = 1,000 kg,
    # beta = 13,000 kg/m^2, L/D = 2.6; glide-body radiant intensity ~370 kW/sr in
    # 1.4-3.0 um at 6 km/s.
    "tw2020": {"mass_kg": 1000.0, "beta_kg_m2": 13000.0, "lift_to_drag": 2.6, "body_at_6kms_kw_sr": 370.0},
    # Candler & Leyva 2022 (Science & Global Security 30), same shape with CFD drag:
    # beta = 4,680 kg/m^2, L/D = 2.6 (laminar); 22-29 kW/sr in 1.4-3.0 um at 6 km/s.
    "cl2022": {"mass_kg": 1000.0, "beta_kg_m2": 4680.0, "lift_to_drag": 2.6, "body_at_6kms_kw_sr": 25.0},
}
