"""Satellite orbits: constellation generators, Keplerian elements and propagators."""
