"""Sensing: access geometry, infrared and radar measurement generation."""

ANGLES, RADAR = 0, 1
"""Detection kinds: line-of-sight angles (space IR) and range/azimuth/elevation (radar)."""
KINDS = ("angles", "radar")
