"""Model variants (registry, builders), model files and their checks, the import sandbox, inference."""
