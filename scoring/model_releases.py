"""The models that have scored photos, named in words for their pages.

A photo keeps the version of the weights that scored it (`Photo.model_version`, a hash of the
weights); people are told which model that was by its release date and the rating panels
it learned from. The web process reads this table, not the weights file (it never imports
torch); a test checks that the served weights have a row and that its datasets are the ones
the file's heads name. Ship new weights with a new row.
"""

from dataclasses import dataclass
from datetime import date

from django.utils.formats import date_format
from django.utils.text import get_text_list
from django.utils.translation import gettext as _

from scoring.time_format import local_time_text
from scoring.time_zones import active_time_zone_words

# The rating panels of the weights files' heads (metadata["regressor"]["heads"]), as the
# datasets are published.
DATASET_OF_HEAD = {"scut": "SCUT-FBP5500", "mebeauty": "MEBeauty"}


@dataclass(frozen=True)
class Release:
    kind: str  # "ensemble", or a single network's architecture
    released: date  # when the weights were first shipped (the commit that brought them)
    heads: tuple[str, ...]


RELEASES = {
    "ensemble-21a584d646": Release("ensemble", date(2026, 11, 29), ("scut", "mebeauty")),
}


def model_in_words(version: str) -> str:
    """The release in plain words ("two networks combined, released 29 Nov 2026, trained on SCUT-FBP5500 and
    MEBeauty"); "" for an unknown version (the page then gives the version alone)."""
    release = RELEASES.get(version)
    if release is None:
        return ""
    datasets = get_text_list([DATASET_OF_HEAD[head] for head in release.heads], _("and"))
    if release.kind == "ensemble":
        words = _("two networks combined, released %(date)s, trained on %(datasets)s")
    else:
        words = _("one network, released %(date)s, trained on %(datasets)s")
    return words % {"date": date_format(release.released, "DATE_FORMAT"), "datasets": datasets}


def scored_by_sentence(photo) -> str:
    """The photo page's line on what scored it and when (in the reader's zone); "" before a model has."""
    if not photo.model_version:
        return ""
    model = model_in_words(photo.model_version) or photo.model_version
    if not photo.scored:
        return _("Model: %(model)s.") % {"model": model}
    return _("Model: %(model)s. Scored %(when)s (%(zone)s).") % {
        "model": model,
        "when": local_time_text(photo.scored),
        "zone": active_time_zone_words(),
    }
