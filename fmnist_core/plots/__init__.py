"""Plotly figures of every page (each builder takes a ``t`` for its words)."""
