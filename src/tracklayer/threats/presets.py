"""Named presets for threats: glide vehicles, boosters, re-entry vehicles and signatures.

Every number is notional, chosen from open sources (labels as in DOMAIN.md: [P]
primary/peer-reviewed, [S] secondary compilation). docs/threats.md lists them with
their sources; any value can be overridden in a scenario file.
"""

from __future__ import annotations

GLIDE_PRESETS: dict[str, dict] = {
    # Tracy & Wright 2020 (Science & Global Security 28) [P], an HTV-2-like vehicle fitted
    # by Acton 2015 (SGS 23) [S]: m = 1,000 kg, beta = 13,000 kg/m^2, L/D = 2.6.
    "tw2020": {"mass_kg": 1000.0, "beta_kg_m2": 13000.0, "lift_to_drag": 2.6, "signature": "tw2020"},
    # Candler & Leyva 2022 (SGS 30) [P]: the same shape with CFD drag, beta = 4,680 kg/m^2,
    # L/D = 2.6 (laminar; 2.39 turbulent).
    "cl2022": {"mass_kg": 1000.0, "beta_kg_m2": 4680.0, "lift_to_drag": 2.6, "signature": "cl2022"},
    # USAF Common Aero Vehicle, high-performance (CAV-H): 907 kg, reference area 750 in^2
    # (0.48387 m^2), lift and drag coefficients tabulated against Mach number and angle of
    # attack (Phillips 2003, "A Common Aero Vehicle (CAV) Model, Description, and
    # Employment Guide", Schafer Corp. for AFRL/AFSPC, as reproduced in the open
    # trajectory-optimisation literature) [S].
    "cav-h": {"mass_kg": 907.0, "reference_area_m2": 0.48387, "aero_table": "cav-h", "signature": "cl2022"},
}
"""Glide vehicles; ``signature`` names the default entry of `SIGNATURES`."""

AERO_TABLES: dict[str, dict] = {
    "cav-h": {
        "mach": [3.5, 5.0, 8.0, 10.0, 15.0, 20.0, 23.0],
        "alpha_deg": [10.0, 15.0, 20.0],
        "cl": [
            [0.4500, 0.4250, 0.4000, 0.3800, 0.3700, 0.3600, 0.3500],
            [0.7400, 0.7000, 0.6700, 0.6300, 0.6000, 0.5700, 0.5570],
            [1.0500, 1.0000, 0.9500, 0.9000, 0.8500, 0.8000, 0.7800],
        ],
        "cd": [
            [0.2045, 0.1700, 0.1290, 0.1090, 0.1090, 0.1090, 0.1090],
            [0.2960, 0.2630, 0.2240, 0.1970, 0.1950, 0.1920, 0.1920],
            [0.4770, 0.4230, 0.3540, 0.3100, 0.3050, 0.3000, 0.3000],
        ],
    },
}
"""Aerodynamic tables: rows are angles of attack, columns Mach numbers."""

BOOSTERS: dict[str, dict] = {
    # Solid-propellant stacks sized with the rocket equation to the burnout speeds and
    # burn times that open sources give for each class (boost ~60 s for an SRBM to
    # ~180 s for a solid ICBM, DOMAIN.md Sec. 2) [S]. Stages: propellant and dry (inert)
    # mass, kg; effective specific impulse, s; burn time, s.
    "srbm": {  # Scud/DF-15 class, ~600 km; ideal delta-v 2.8 km/s
        "stages": [(3800.0, 700.0, 240.0, 65.0)], "drag_area_m2": 0.18,
    },
    "mrbm": {  # DF-21 class, ~2,000 km; ideal delta-v 5.2 km/s
        "stages": [(7000.0, 900.0, 260.0, 60.0), (1600.0, 300.0, 275.0, 50.0)], "drag_area_m2": 0.3,
    },
    "irbm": {  # DF-26 / Hwasong-12 class, ~4,000-5,000 km; ideal delta-v 6.9 km/s
        "stages": [(14000.0, 1600.0, 265.0, 70.0), (5000.0, 600.0, 285.0, 65.0)], "drag_area_m2": 0.45,
    },
    "icbm": {  # Minuteman III-class three-stage solid (stage masses rounded from open
        # compilations [S]); ideal delta-v 8.35 km/s with 850 kg (7.8 with 1,150 kg), burn 187 s
        "stages": [(20780.0, 2450.0, 267.0, 60.0), (6237.0, 793.0, 287.0, 66.0), (3306.0, 404.0, 300.0, 61.0)],
        "drag_area_m2": 0.65,
    },
    "hgv-regional": {  # two-stage solid for a ~1,000 kg glider to ~6 km/s (DF-17 class)
        "stages": [(14000.0, 1500.0, 265.0, 70.0), (5000.0, 550.0, 290.0, 65.0)], "drag_area_m2": 0.45,
    },
    "hgv-intercontinental": {  # three-stage (ICBM-class) stack for a glider to ~7 km/s
        "stages": [(20780.0, 2450.0, 267.0, 60.0), (6237.0, 793.0, 287.0, 66.0), (3306.0, 404.0, 300.0, 61.0)],
        "drag_area_m2": 0.65,
    },
}
"""Boosters. Common to all: vertical rise 8 s, pitch-over 6 s (then a gravity turn)."""

BALLISTIC_PRESETS: dict[str, dict] = {
    # Payload = re-entry vehicle mass; beta of the re-entry vehicle (notional).
    "srbm": {"booster": "srbm", "payload_kg": 1000.0, "beta_kg_m2": 3000.0, "signature": "rv"},
    "mrbm": {"booster": "mrbm", "payload_kg": 800.0, "beta_kg_m2": 6000.0, "signature": "rv"},
    "irbm": {"booster": "irbm", "payload_kg": 800.0, "beta_kg_m2": 8000.0, "signature": "rv"},
    # Minuteman III-class with one re-entry vehicle and its post-boost bus (850 kg, notional:
    # the deployed single-warhead load-out [N]); reaches ~12,600 km on a minimum-energy
    # trajectory (open sources: more than 9,656 km, USAF fact sheet; ~13,000 km, press [N]).
    # With the three-RV throw weight (1,150 kg) the stack reached only ~8,100-8,900 km.
    "icbm": {"booster": "icbm", "payload_kg": 850.0, "beta_kg_m2": 10000.0, "signature": "rv"},
}
"""Ballistic missiles: booster, re-entry vehicle and signature."""

GLIDE_BOOSTER = {"tw2020": "hgv-regional", "cl2022": "hgv-regional", "cav-h": "hgv-regional"}
"""Default booster of each glide vehicle preset."""

SIGNATURES: dict[str, dict] = {
    # Aero-heated body: radiative-equilibrium surface temperature from a convective heating
    # rate q ~ rho^N v^M (Sutton-Graves at an effective radius, scaled to the exponents; see
    # tracklayer.threats.signatures.heating_w_m2), grey emission (emissivity 0.85, DOMAIN.md
    # Sec. 3) from an emitting area. The two glide presets are fitted at the vehicle's
    # equilibrium-glide density (rho_eq at r = R, L/D 2.6, tracklayer.threats.glide):
    # at 6 km/s to the published pair of band intensities (fit_body: colour temperatures
    # 1,728 K and 1,520 K), and with the turbulent density exponent N = 0.8 (Tauber 1989,
    # NASA TP-2914) the speed exponent M so that at 3 km/s the band intensity is half the
    # 6 km/s value (geometric mean of the two bands; fit_speed_exponent), the roughly linear
    # fall with speed the papers report (DOMAIN.md Sec. 3). Fitted M: 3.43 and 3.33, next to
    # Tauber's turbulent flat-plate 3.37.
    # tw2020: Tracy & Wright 2020 [P], 43 kW/sr in 2.69-2.95 um and 370 kW/sr in 1.4-3.0 um;
    # cl2022: Candler & Leyva 2022 [P] (CFD, max L/D, beta 4,680 kg/m^2), their dim case:
    # 2.95 kW/sr in 2.69-2.95 um and 22 kW/sr in 1.4-3.0 um.
    "tw2020": {"emitting_area_m2": 5.2820, "heating_radius_m": 9.6825, "emissivity": 0.85,
               "density_exponent": 0.8, "speed_exponent": 3.4268},
    "cl2022": {"emitting_area_m2": 0.55313, "heating_radius_m": 5.2692, "emissivity": 0.85,
               "density_exponent": 0.8, "speed_exponent": 3.3325},
    # Re-entry vehicle: notional (no citable intensity): 0.6 m^2, effective radius 2 m,
    # Sutton-Graves stagnation-point heating (N = 0.5, M = 3).
    "rv": {"emitting_area_m2": 0.6, "heating_radius_m": 2.0, "emissivity": 0.85, "density_exponent": 0.5, "speed_exponent": 3.0},
}
"""Body signatures (aero-heating)."""

PLUME_KW_SR: dict[str, float] = {"swir": 500.0, "dsp": 300.0, "mwir": 1000.0}
"""Default booster plume radiant intensity per band, kW/sr (notional: no citable public
curve; DSP saw Scud-class plumes, so well above 20 kW/sr at 2.69-2.95 um [?])."""

RCS_M2: dict[str, float] = {"boost": 10.0, "coast": 0.1, "glide": 0.1, "terminal": 0.1}
"""Default radar cross-section per flight phase, m^2 (booster stack, then the body; notional)."""
