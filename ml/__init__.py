"""Facial-beauty prediction in PyTorch, in three floors, each importing only those below it:

- `ml.models`: the networks (one registry), their preprocessing and the weights bundle;
- `ml.inference`: photo -> faces -> scores and a look inside (`Predictor`), what a worker runs;
- `ml.training`: datasets, training, fitting and evaluation (needs requirements-train.txt);

with the command line (`python -m ml ...`: `ml.cli`, `ml.score_files`, `ml.bench`, `ml.prune_bench`) on top.
`from ml import Predictor` imports the inference floor only when it is first used, so
importing `ml` stays light.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ml.inference.predictor import Predictor

__all__ = ["Predictor"]


def __getattr__(name: str) -> Any:
    if name == "Predictor":
        from ml.inference.predictor import Predictor

        return Predictor
    raise AttributeError(f"module 'ml' has no attribute {name!r}")
