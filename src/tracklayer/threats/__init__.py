"""Threat flight: ballistic missiles and hypersonic glide vehicles (truth trajectories)."""

PHASES = ("boost", "coast", "glide", "terminal")
"""Flight-phase names; the truth table stores the index into this tuple (-1: not flying)."""
BOOST, COAST, GLIDE, TERMINAL = range(4)
