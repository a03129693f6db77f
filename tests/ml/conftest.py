"""Fixtures of the ml tests: real face photos and the shipped predictor; helpers are in helpers.py."""

import pytest


@pytest.fixture(scope="session")
def predictor():
    from ml.inference.predictor import Predictor

    return Predictor(device="cpu")
