"""The networks, their registry and preprocessing, and the weights bundle (torch only; no photos, no training)."""
