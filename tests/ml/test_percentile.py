from ml.percentile import score_percentile


def test_percentile_follows_the_dataset_distribution():
    assert score_percentile(1.0) == 0
    assert score_percentile(5.0) == 100
    assert 45 < score_percentile(2.83) < 55  # the median rating of SCUT-FBP5500 is 2.83
    assert score_percentile(2.5) < score_percentile(3.5)
