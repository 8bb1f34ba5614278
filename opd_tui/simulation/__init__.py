"""A synthetic OPD day driven through the engine's public API."""
