"""Track-cued tasking: pointing sensors from a tracker's estimates (docs/sensing.md)."""
