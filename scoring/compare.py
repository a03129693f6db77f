"""Comparing a user's photos: which were chosen, in what order, and what the difference says."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from django.http import Http404, HttpRequest
from django.utils.text import get_text_list
from django.utils.translation import gettext, ngettext

from ml.inference.agreement import agreement, model_error  # plain JSON: safe in the web process
from ml.inference.rating_band import share_preferring  # numpy only: safe in the web process
from ml.inference.score_format import rounded_score, score_text
from scoring.models import Photo
from scoring.sentences import joined
from scoring.serializers import photo_as_dict
from scoring.time_format import local_time_text

MIN_PHOTOS = 2
MAX_PHOTOS = 4
LETTERS = "ABCD"


class SelectionError(Exception):
    """A selection that cannot be compared; the message is a sentence for the user."""


def photo_label(photo: Photo) -> str:
    """The name a photo goes by: its label, or when it was uploaded for a photo that has none."""
    return photo.label or local_time_text(photo.created)


def selected_ids(raw: list[str]) -> list[str]:
    """The chosen ids in the order chosen, each once; 404 for anything that is not a UUID."""
    ordered: list[str] = []
    for value in raw:
        try:
            public_id = str(uuid.UUID(value))
        except ValueError as error:
            raise Http404 from error
        if public_id not in ordered:
            ordered.append(public_id)
    return ordered


@dataclass
class Entry:
    letter: str
    label: str
    uploaded: str  # when, in the reader's zone
    photo: dict
    score: float | None  # of the largest face
    percentile: float | None
    distribution: list[float] | None = None  # how a panel would rate the largest face


@dataclass
class Comparison:
    entries: list[Entry]
    verdict: str
    differences: list[str] = field(default_factory=list)


def check_selection(count: int) -> None:
    """Raise SelectionError with a sentence when this many photos cannot be compared.

    Photos still being scored may be compared (a saved link may be opened early); they show their status.
    """
    if count < MIN_PHOTOS:
        raise SelectionError(gettext("Pick at least two photos: click the pictures you want to compare."))
    if count > MAX_PHOTOS:
        raise SelectionError(
            gettext("Pick at most %(most)d photos; you picked %(count)d.") % {"most": MAX_PHOTOS, "count": count}
        )


def missing_photos_message(count: int) -> str:
    """Said when a saved comparison names photos that are gone (or were never the reader's)."""
    return ngettext(
        "%(count)d photo of this comparison is no longer here: deleted, or not yours to see.",
        "%(count)d photos of this comparison are no longer here: deleted, or not yours to see.",
        count,
    ) % {"count": count}


def printed_gap(a: Entry, b: Entry) -> float:
    """How far b's score is above a's (below, when negative), as the two scores are printed: 3.0047
    and 2.9974 both print 3.00, so they are 0 apart, not 0.01."""
    return rounded_score(rounded_score(b.score) - rounded_score(a.score))


def _points(gap: float) -> str:
    """A printed gap in words: "0.12 points", "1.00 point"."""
    value = abs(gap)
    return ngettext("%(points)s point", "%(points)s points", 1 if value == 1 else 2) % {"points": score_text(value)}


def _letters(entries: list[Entry]) -> str:
    return get_text_list([e.letter for e in entries], gettext("and"))


@dataclass(frozen=True)
class Split:
    """How a panel would split over two photos' largest faces, the model's own error allowed for."""

    ahead: Entry  # the one more raters would rate higher (the first chosen, on a toss-up)
    behind: Entry
    tenths: int  # how many in 10 would rate `ahead` higher: 5 to 10


def panel_split(a: Entry, b: Entry) -> Split | None:
    """The split over a and b; None where either face lacks a panel's distribution (scored
    before the model predicted one) or the model's error was never measured."""
    error = model_error()
    if not (a.distribution and b.distribution) or error is None:
        return None
    if printed_gap(a, b) == 0:
        return Split(ahead=a, behind=b, tenths=5)  # scores printed alike read as a toss-up, never as a lead
    share = share_preferring(a.distribution, b.distribution, score_error=error)  # rating b above a
    tenths = round(10 * max(share, 1 - share))
    if share > 0.5 and tenths > 5:
        return Split(ahead=b, behind=a, tenths=tenths)
    return Split(ahead=a, behind=b, tenths=tenths)  # a toss-up names the two in the order chosen


def split_words(split: Split) -> str:
    """The verdict on two photos, from the split alone: equal splits read alike, and the words
    never say more than the number beside them."""
    words = {"tenths": split.tenths, "ahead": split.ahead.letter, "behind": split.behind.letter}
    if split.tenths <= 5:
        return gettext("About as many people would rate %(ahead)s higher as %(behind)s: too close to call.") % words
    if split.tenths == 6:
        return gettext("About 6 in 10 people would rate %(ahead)s higher than %(behind)s: close.") % words
    if split.tenths == 7:
        return (
            gettext(
                "About 7 in 10 people would rate %(ahead)s higher than %(behind)s: %(ahead)s is ahead, "
                "though many would disagree."
            )
            % words
        )
    if split.tenths < 10:
        return (
            gettext("About %(tenths)d in 10 people would rate %(ahead)s higher than %(behind)s: a clear difference.")
            % words
        )
    return gettext("Nearly everyone would rate %(ahead)s higher than %(behind)s: a clear difference.") % words


def difference_in_words(a: Entry, b: Entry) -> str:
    """How b compares with a: the gap in points, then how a panel would split over the two."""
    if a.score is None or b.score is None:
        missing = a if a.score is None else b
        return gettext("%(letter)s has no score yet (or no face the model could score), so it cannot be compared.") % {
            "letter": missing.letter
        }
    gap = printed_gap(a, b)
    words = {"a": a.letter, "b": b.letter, "points": _points(gap), "score": score_text(a.score)}
    if gap == 0:
        points = gettext("%(a)s and %(b)s score the same: %(score)s / 5.") % words
    elif gap > 0:
        points = gettext("%(b)s scores %(points)s higher than %(a)s.") % words
    else:
        points = gettext("%(b)s scores %(points)s lower than %(a)s.") % words
    split = panel_split(a, b)
    if split is None:
        return joined(
            points,
            gettext(
                "How a panel would split cannot be told: a photo was scored by an earlier model, which did not "
                "predict it. Score it again to compare."
            ),
        )
    return joined(points, split_words(split))


def _ranked(scored: list[Entry]) -> list[Entry]:
    # Ranked as printed, stable: scores printed alike keep the order chosen and share a place.
    return sorted(scored, key=lambda e: -rounded_score(e.score))


def differences_from_the_highest(entries: list[Entry]) -> list[str]:
    """Under a verdict on three or four photos: each other photo against the highest, in the order
    chosen; the one next to it is left out, the verdict having said that pair already."""
    ranked = _ranked([e for e in entries if e.score is not None])
    if not ranked:
        return []
    said = ranked[:2]
    return [difference_in_words(ranked[0], e) for e in entries if e not in said]


def verdict(entries: list[Entry]) -> str:
    """The headline: for two photos, how a panel would split over them; for three or four, which
    scores highest and how a panel would split between it and the next."""
    scored = [e for e in entries if e.score is not None]
    if not scored:
        return gettext("No face was scored in these photos.")
    if len(entries) == 2:
        return difference_in_words(*entries)
    ranked = _ranked(scored)
    best = ranked[0]
    top = [e for e in ranked if printed_gap(best, e) == 0]
    if len(top) > 1:
        sentence = gettext("%(letters)s share the highest score: %(score)s / 5.") % {
            "letters": _letters(top),
            "score": score_text(best.score),
        }
    else:
        sentence = gettext(
            "%(letter)s scores highest: %(score)s / 5, higher than %(percentile)s%% of the reference faces."
        ) % {
            "letter": best.letter,
            "score": score_text(best.score),
            "percentile": f"{best.percentile:.0f}",
        }
    if len(ranked) < 2:
        return sentence
    split = panel_split(best, ranked[1])
    return joined(sentence, split_words(split) if split else "")


def _error_words() -> dict | None:
    figures = agreement()
    if figures is None:
        return None
    return {"photos": figures["model"]["photos"], "rmse": score_text(figures["model"]["rmse"])}


def error_note() -> str:
    """How the model's error, which every split allows for, was measured: said under a comparison."""
    words = _error_words()
    if words is None:
        return ""
    return (
        gettext(
            "Each “how many in 10 people” figure allows for the model's own error: on MEBeauty's validation "
            "list (%(photos)d photos held out from its training) its scores missed the panel's mean by %(rmse)s "
            "points (root mean square)."
        )
        % words
    )


def model_error_sentence() -> str:
    """The model's error and how it was measured, for About."""
    words = _error_words()
    if words is None:
        return ""
    return (
        gettext(
            "On MEBeauty's validation list (%(photos)d photos held out from its training) the model's scores missed "
            "the panel's mean by %(rmse)s points (root mean square). Comparisons allow for that error: they say how "
            "many in 10 people would rate one photo higher, not which one wins."
        )
        % words
    )


def compare(photos: list[Photo], request: HttpRequest | None = None) -> Comparison:
    """Entries in the chosen order, a verdict, and each other photo's difference from the highest."""
    check_selection(len(photos))
    entries = []
    for letter, photo in zip(LETTERS, photos):
        face = photo.top_face
        entries.append(
            Entry(
                letter=letter,
                label=photo_label(photo),
                uploaded=local_time_text(photo.created),
                photo=photo_as_dict(photo, request),
                score=face.score if face else None,
                percentile=face.percentile if face else None,
                distribution=face.distribution if face else None,
            )
        )
    return Comparison(
        entries=entries,
        verdict=verdict(entries),
        # With two photos the verdict is their difference already.
        differences=differences_from_the_highest(entries) if len(entries) > 2 else [],
    )
