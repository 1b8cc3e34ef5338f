"""Looking inside a model: features, projections and UMAP, layer outputs and rankings, saliency, map payloads."""
