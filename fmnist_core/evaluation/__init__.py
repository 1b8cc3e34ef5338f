"""A run's test predictions turned into metrics, calibration, error analysis, label review, significance."""
