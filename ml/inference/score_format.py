"""The one rounding rule for a score: every place that prints one (the pages, the face box drawn
on a photo, the admin, the API, the export, the command line) goes through it, so a face reads
the same number everywhere. Plain Python: the web process reads it too."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

SCORE_DECIMALS = 2
_STEP = Decimal(1).scaleb(-SCORE_DECIMALS)


def rounded_score(score: float) -> float:
    """The score to 2 decimals, half up on the number as written (3.525 gives 3.53): a float's
    binary value (3.52499...) would round it down, where a person reading 3.525 rounds up."""
    return float(Decimal(repr(float(score))).quantize(_STEP, rounding=ROUND_HALF_UP))


def score_text(score: float) -> str:
    """The score as printed: "3.53"."""
    return f"{rounded_score(score):.{SCORE_DECIMALS}f}"
