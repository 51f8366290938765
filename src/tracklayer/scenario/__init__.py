"""Scenario files: the pydantic schema (the only place input is validated), the loader
and the built-in scenarios."""
