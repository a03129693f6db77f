"""Datasets, training, closed-form fitting, ensembles and evaluation (requirements-train.txt):
`python -m ml train`, `fit-face-kernel`, `ensemble`, `fit-spread`, `evaluate`, `percentiles`."""
