"""The one rounding rule for a score: every place that prints one (the pages, the face box drawn
on a photo, the admin, the API, the export, the command line) goes through it, so a face reads
the same number everywhere. Plain Python: the web process reads it too."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

SCORE_DECIMALS = 2
RATING_DECIMALS = 1  # a panel's ratings and the band that holds them: coarser than a score, as they are


def rounded(value: float, decimals: int) -> float:
    """`value` to `decimals` places, half up on the number as written (3.525 gives 3.53): a float's
    binary value (3.52499...) would round it down, where a person reading 3.525 rounds up."""
    return float(Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP))


def rounded_score(score: float) -> float:
    """The score to 2 decimals, by the one rule (`rounded`)."""
    return rounded(score, SCORE_DECIMALS)


def score_text(score: float) -> str:
    """The score as printed: "3.53"."""
    return f"{rounded_score(score):.{SCORE_DECIMALS}f}"


def figure_text(value: float, decimals: int = 2) -> str:
    """Any other figure the pages print beside scores (a correlation: 0.485 gives "0.49"), rounded
    by the same rule, so a page and the README or model card it cites agree."""
    return f"{rounded(value, decimals):.{decimals}f}"


def rounded_rating(rating: float) -> float:
    """A rater's rating on the 1-5 scale (a histogram's step, a band's edge) to 1 decimal, by the one rule."""
    return rounded(rating, RATING_DECIMALS)


def rating_text(rating: float) -> str:
    """A rating as printed: "3.7", and "5" for a whole one (as a browser prints the number 5.0)."""
    return f"{rounded_rating(rating):g}"
