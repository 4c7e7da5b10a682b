"""Training visuals: loss plots, attention heatmaps and samples, drawn as training-event listeners."""
