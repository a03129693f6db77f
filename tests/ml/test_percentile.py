import numpy as np
import pytest

from ml.inference import percentile


@pytest.fixture
def table(tmp_path, monkeypatch):
    monkeypatch.setattr(percentile, "QUANTILES_FILE", tmp_path / "quantiles.json")
    percentile._table.cache_clear()
    yield tmp_path / "quantiles.json"
    percentile._table.cache_clear()


def test_percentile_follows_the_ratings_it_was_built_from(table):
    ratings = np.random.default_rng(0).normal(3.0, 0.6, 4000).clip(1, 5)
    percentile.write_quantiles(ratings, "4000 made-up faces", table)
    assert percentile.reference_population() == "4000 made-up faces"
    assert percentile.score_percentile(float(np.median(ratings))) == pytest.approx(50, abs=1)
    assert percentile.score_percentile(float(np.quantile(ratings, 0.9))) == pytest.approx(90, abs=1)
    assert percentile.score_percentile(1.0) <= 0.5 and percentile.score_percentile(5.0) == 100


def test_the_shipped_table_is_ordered_and_names_its_population():
    quantiles = percentile._table()["quantiles_every_half_percent"]
    assert len(quantiles) == percentile.STEPS and quantiles == sorted(quantiles)
    assert "MEBeauty" in percentile.reference_population()
    assert percentile.score_percentile(2.5) < percentile.score_percentile(3.5)
