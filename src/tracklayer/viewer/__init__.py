"""Offline globe viewer of a run folder: `tracklayer view DIR` (docs/viewer.md)."""
