"""The run directory: typed records, atomic updates, liveness, listing, background jobs."""
