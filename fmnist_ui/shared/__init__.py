"""What every page uses: the language catalog, cached loaders, the router, widgets, run pickers, the map."""
