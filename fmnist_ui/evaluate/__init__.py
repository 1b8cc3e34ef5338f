"""The Evaluate page and its tabs."""
