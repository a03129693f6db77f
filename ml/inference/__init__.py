"""From photos to scores: face finding and alignment, the Predictor, the look inside, percentiles and rating bands."""
