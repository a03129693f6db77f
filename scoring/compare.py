"""Comparing a user's photos: which were chosen, in what order, and what the difference says."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from django.http import Http404, HttpRequest
from django.utils.text import get_text_list
from django.utils.translation import gettext, ngettext

from ml.inference.rating_band import share_preferring  # numpy only: safe in the web process
from scoring.explain import SCORE_MARGIN
from scoring.local_time import local_time_text
from scoring.models import Photo
from scoring.serializers import photo_as_dict

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


def _points(gap: float) -> str:
    """A score difference in words: "0.12 points", "1.00 point"."""
    value = round(abs(gap), 2)
    return ngettext("%(points)s point", "%(points)s points", 1 if value == 1 else 2) % {"points": f"{value:.2f}"}


def joined(*sentences: str) -> str:
    """Sentences one after another: a space after a Latin full stop, none after a Chinese one."""
    text = ""
    for sentence in filter(None, sentences):
        text += ("" if not text or text.endswith("。") else " ") + sentence
    return text


def _letters(entries: list[Entry]) -> str:
    return get_text_list([e.letter for e in entries], gettext("and"))


def difference_in_words(a: Entry, b: Entry) -> str:
    """One sentence on how b compares with a, honest about the model's margin of error."""
    if a.score is None or b.score is None:
        missing = a if a.score is None else b
        return gettext("%(letter)s has no score yet (or no face the model could score), so it cannot be compared.") % {
            "letter": missing.letter
        }
    gap = b.score - a.score
    words = {"a": a.letter, "b": b.letter, "points": _points(gap), "margin": f"{SCORE_MARGIN:.2f}"}
    if abs(gap) < SCORE_MARGIN:
        tie = (
            gettext(
                "%(a)s and %(b)s are %(points)s apart: within the model's margin of error (about %(margin)s), "
                "so read it as a tie."
            )
            % words
        )
        return joined(tie, raters_split(a, b))
    words["shift"] = f"{abs(b.percentile - a.percentile):.0f}"
    if gap > 0 and abs(gap) < 4 * SCORE_MARGIN:
        sentence = gettext(
            "%(b)s scores %(points)s higher than %(a)s (%(shift)s percentile points): a clear difference."
        )
    elif gap > 0:
        sentence = gettext(
            "%(b)s scores %(points)s higher than %(a)s (%(shift)s percentile points): a large difference."
        )
    elif abs(gap) < 4 * SCORE_MARGIN:
        sentence = gettext(
            "%(b)s scores %(points)s lower than %(a)s (%(shift)s percentile points): a clear difference."
        )
    else:
        sentence = gettext(
            "%(b)s scores %(points)s lower than %(a)s (%(shift)s percentile points): a large difference."
        )
    return joined(sentence % words, raters_split(a, b))


def raters_split(a: Entry, b: Entry) -> str:
    """How raters would split over the two, from their rating distributions: a clear gap in the
    mean can still leave many raters of the other opinion."""
    if not (a.distribution and b.distribution):
        return ""
    higher, lower = (b, a) if b.score > a.score else (a, b)
    words = {"tenths": round(10 * share_preferring(lower.distribution, higher.distribution)), "letter": higher.letter}
    if abs(b.score - a.score) < SCORE_MARGIN:
        return gettext("Raters would split about evenly too: %(tenths)d in 10 would rate %(letter)s higher.") % words
    return (
        gettext("Raters disagree, though: about %(tenths)d in 10 would rate %(letter)s higher, the rest not.") % words
    )


def verdict(entries: list[Entry]) -> str:
    """Which photo scores highest; photos within the margin of the best share the top, so a tie
    never reads as a win. Below a shared top, a photo is "clearly lower" only when it is beyond
    the margin of every photo at the top (the pairwise sentences would call it a tie otherwise)."""
    scored = [e for e in entries if e.score is not None]
    if not scored:
        return gettext("No face was scored in these photos.")
    best = max(scored, key=lambda e: e.score)
    top = [e for e in scored if best.score - e.score < SCORE_MARGIN]  # in the order chosen
    if len(top) == 1:
        return gettext(
            "%(letter)s scores highest: %(score)s / 5, higher than %(percentile)s%% of the reference faces."
        ) % {
            "letter": best.letter,
            "score": f"{best.score:.2f}",
            "percentile": f"{best.percentile:.0f}",
        }
    words = {"letters": _letters(top), "scores": get_text_list([f"{e.score:.2f}" for e in top], gettext("and"))}
    if len(top) == 2:
        sentence = gettext(
            "%(letters)s score about the same, the highest here (%(scores)s / 5): closer than the model's margin "
            "of error, so neither is ahead."
        )
    else:
        sentence = gettext(
            "%(letters)s score about the same, the highest here (%(scores)s / 5): closer than the model's margin "
            "of error, so none is ahead."
        )
    sentence %= words
    lowest_top = min(e.score for e in top)
    clearly = [e for e in scored if e not in top and lowest_top - e.score >= SCORE_MARGIN]
    a_little = [e for e in scored if e not in top and lowest_top - e.score < SCORE_MARGIN]
    if clearly:
        sentence = joined(
            sentence,
            ngettext("%(letters)s scores clearly lower.", "%(letters)s score clearly lower.", len(clearly))
            % {"letters": _letters(clearly)},
        )
    if a_little:
        sentence = joined(
            sentence,
            ngettext("%(letters)s scores a little lower.", "%(letters)s score a little lower.", len(a_little))
            % {"letters": _letters(a_little)},
        )
    return sentence


def compare(photos: list[Photo], request: HttpRequest | None = None) -> Comparison:
    """Entries in the chosen order, a verdict, and each photo's difference from the first."""
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
    first = entries[0]
    return Comparison(
        entries=entries,
        verdict=verdict(entries),
        differences=[difference_in_words(first, other) for other in entries[1:]],
    )
