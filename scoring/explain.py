"""Plain words for what the pages show: each stage of the network, the images' legends, the score scale.

Kept as plain dicts and strings so templates and the page scripts (through json_script) read the
same text; the stage names are those of ml.models.efficientnet_lite.BeautyNet.stage_names().
"""

from django.utils.translation import gettext, gettext_noop, ngettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from ml.inference.dark_filters import SHIP_SPEED_GAIN  # plain JSON reader: safe in the web process
from ml.inference.rating_band import (  # numpy only: safe in the web process
    BAND_SHARE,
    HIGHEST,
    LOWEST,
    band,
    on_score_scale,
    panel_counts,
    score_band,
)
from ml.inference.score_format import figure_text, rating_text  # plain Python: safe in the web process
from scoring.numbers import whole_number
from scoring.sentences import joined

# One sentence per stage, input side first. The network shrinks the face at each step and
# looks for more complex patterns, so early stages are about edges and colours, late ones
# about the whole face.
STAGES: dict[str, dict[str, str]] = {
    "stem": {
        "title": _("Edges and colours"),
        "text": _(
            "The first step looks at tiny patches of 3 by 3 pixels: light against dark, edges, changes of colour."
        ),
    },
    "stage1": {
        "title": _("Fine lines"),
        "text": _("Edges are joined into short lines and curves: eyelashes, the rim of the lips, strands of hair."),
    },
    "stage2": {
        "title": _("Textures"),
        "text": _("Small repeated patterns appear: skin texture, hair, the shading around the nose."),
    },
    "stage3": {
        "title": _("Small shapes"),
        "text": _("Lines and textures combine into small shapes, such as the corners of the eyes and mouth."),
    },
    "stage4": {
        "title": _("Parts of a face"),
        "text": _("The network now reacts to whole features: an eye, an eyebrow, the nose, the mouth."),
    },
    "stage5": {
        "title": _("Parts in place"),
        "text": _("Features are seen together with where they sit. The map of what raised the score is taken here."),
    },
    "stage6": {
        "title": _("Proportions"),
        "text": _(
            "On a coarse grid of 6 by 6 squares the network weighs how the features relate: spacing, symmetry, "
            "proportions."
        ),
    },
    "stage7": {
        "title": _("The whole face"),
        "text": _(
            "Each part of the network now sees nearly the whole face; the picture says which overall impressions "
            "are present, not where, so it looks much alike from face to face."
        ),
    },
    "head": {
        "title": _("Summary for the score"),
        "text": _(
            "Everything found is summed up in 1,280 numbers, which are weighed into this network's estimate: most "
            "of the score you see. A second network, trained to recognise faces, gives the rest and is not drawn."
        ),
    },
}

LAYER_LEGEND = _(
    "The network looks at a face in steps (stages), each made of many small pattern detectors (filters). "
    "Each picture shows one stage in two halves. Left: the face, coloured where the stage reacted "
    "(blue: hardly, red: most). Right: the 9 filters that reacted most, each as its own small map of the face "
    "(dark: hardly, yellow: most). Early stages react almost everywhere, so their left half can look evenly red."
)
# Under every stage's picture, and under every grid of its filters: what the colours and squares mean.
PICTURE_KEY = _(
    "Left: where this stage reacted (blue: hardly, red: most). "
    "Right: its 9 busiest filters (dark: hardly, yellow: most)."
)
GRID_KEY = _(
    "Each square is one filter of this stage. Green: it reacted to the training faces. Black: it stayed dark, "
    "reacting to almost none of them."
)
GRAD_CAM_LEGEND = _(
    "This map shows which parts of the face raised the score of the drawn network (which gives most of the score), "
    "found by tracing the score back through the network (a method called Grad-CAM). Red and yellow areas raised "
    "it most; blue areas mattered little."
)
FILTERS_LEGEND = _(
    "The 32 patterns the network's first stage looks for, each a tiny patch of 3 by 3 pixels shown enlarged: "
    "edges, spots and changes of colour, looked for before anything else. They are the same for every photo."
)
# The shipped model mixes two networks (ml/MODEL_CARD.md); the pictures show one of them.
TWO_NETWORKS = _(
    "The score comes from two networks: one trained on rated faces (EfficientNet-Lite0) gives most of it "
    "and is the one whose layers are drawn; one trained to recognise people (dlib's) adds the rest and is not drawn."
)
SCORE_SCALE = _(
    "1 means raters found the face much less attractive than most, 3 about average, 5 much more. "
    "The score is the mean rating the model expects from MEBeauty's panel (about 300 volunteers of "
    "various ethnicity, age and gender, rating everyday photos of six ethnic groups)."
)
# What the score cannot see: said on the photo page, compare and About alike.
CAUTIONS = (
    _(
        "Age, expression and lighting move the score: the same person scores differently young or old, smiling "
        "or not, in soft or in harsh light."
    ),
    _("Make-up, retouching and filters move it too, and the model cannot tell a retouched face from a bare one."),
    _(
        "A retouched studio portrait set against a phone selfie is no fair match: compare photos taken the same way, "
        "in the same light."
    ),
    _("Children, faces in profile and sunglasses are outside what the model learned."),
)


def agreement_sentence() -> str:
    """How far people agree with each other, from MEBeauty's own ratings, and the model beside them."""
    from ml.inference.agreement import agreement  # plain JSON: safe in the web process

    figures = agreement()
    if figures is None:
        return ""
    words = {
        "one": figure_text(figures["one_rater_vs_rest"]),
        "three": figure_text(figures["mean_of_three_vs_rest"]),
        "panel": figure_text(figures["split_half"]["spearman_brown"]),
        "model": figure_text(figures["model"]["pc"]),
    }
    sentence = (
        gettext(
            "People disagree about faces. In MEBeauty's own ratings, one person's rating agrees with the mean of the "
            "rest of the panel at a correlation of %(one)s, the mean of three people's at %(three)s, and a whole "
            "panel with another panel like it at %(panel)s (its split-half reliability). The model agrees with a "
            "panel's mean at %(model)s on photos held out from its training"
        )
        % words
    )
    people = figures.get("model_like_mean_of")
    if people:
        return gettext("%(sentence)s: about as well as the mean of %(people)d people.") % {
            "sentence": sentence,
            "people": people,
        }
    return gettext("%(sentence)s.") % {"sentence": sentence}


def percentile_meaning() -> str:
    """What the percentile counts, naming the population the table was made from."""
    from ml.inference.percentile import reference_population  # numpy only: safe in the web process

    population = gettext(reference_population())
    return gettext(
        "The percentile is the share of the reference faces rated lower than this score: %(population)s."
    ) % {"population": population}


# The shipped table's population (ml/inference/score_quantiles.json), here so the catalogue carries its
# translation; a table made anew says something else, and tests/web/test_languages.py fails until
# that sentence is marked and translated too.
gettext_noop(
    "1,973 in-the-wild photos of MEBeauty's train and val lists (six ethnic groups, both genders), rated by its "
    "mixed panel, on its 1-10 scale divided by two"
)


# A photo's status in a word, where a tile waits for its score (the statuses of scoring.models.Photo).
STATUS_WORDS = {
    "queued": pgettext_lazy("photo status", "queued"),
    "running": pgettext_lazy("photo status", "running"),
    "done": pgettext_lazy("photo status", "scored"),
    "failed": pgettext_lazy("photo status", "not scored"),
}


def stage(name: str) -> dict[str, str]:
    """The words for a stage; a stage this module does not know gets its name and no sentence."""
    return STAGES.get(name, {"title": name, "text": ""})


NOT_SCORED = _("Not scored: no model's result is kept for this photo, only the reason above.")


def page_texts() -> dict:
    """Everything the photo page's script needs to explain what it draws."""
    return {
        "stages": STAGES,
        "layer_legend": LAYER_LEGEND,
        "grad_cam_legend": GRAD_CAM_LEGEND,
        "picture_key": PICTURE_KEY,
        "grid_key": GRID_KEY,
        "filters_legend": FILTERS_LEGEND,
        "score_scale": SCORE_SCALE,
        "two_networks": TWO_NETWORKS,
        "percentile_meaning": percentile_meaning(),
        "not_scored": NOT_SCORED,
        "panel_legend": PANEL_LEGEND,
        "panel_title": PANEL_TITLE,
        "panel_axis": PANEL_AXIS,
    }


PANEL_SIZE = 25  # the median MEBeauty photo's number of raters
PANEL_TITLE = _("How 25 raters would score this face")
PANEL_AXIS = _("A rater's rating out of 5, their 1-10 halved, so 0.5 to 5 (bars: how many of the 25 give it)")
PANEL_LEGEND = _(
    "How a panel of 25 people like MEBeauty's raters would split over this face, on the score's scale "
    "(they rated 1-10, halved here: a 7 of theirs is a 3.5; the score is their mean). The spread follows "
    "from the score: the model learnt from every single rating how far raters disagree over faces of each "
    "score, and it cannot tell this face's own spread better than that."
)


def _disagreement(half_width: float) -> str:
    """How much a panel's middle half spreads, in words (the median MEBeauty photo's spans about 2.5 steps)."""
    if half_width >= 2.5:
        return gettext("Raters would disagree a lot about this face")
    if half_width >= 1.5:
        return gettext("Raters would disagree somewhat about this face")
    return gettext("Raters would mostly agree about this face")


def _between(low: float, high: float) -> str:
    """A band's edges (1-5, rounded as printed) in words: "between 2.6 and 4.8", or "a 3.5" where they meet."""
    if rating_text(low) == rating_text(high):
        # Translators: a rating on the score's 1-5 scale, as in "half would give it a 3.5".
        return gettext("a %(rating)s") % {"rating": rating_text(low)}
    return gettext("between %(low)s and %(high)s") % {"low": rating_text(low), "high": rating_text(high)}


def panel_split(distribution: list[float] | None) -> dict | None:
    """A panel of PANEL_SIZE: how many would give each rating, and the sentence that says it."""
    if not distribution:
        return None
    half_low, half_high = band(distribution, 0.5)
    sentence = gettext("%(agreement)s: half would give it %(half)s, and %(share)s%% %(most)s, out of 5.") % {
        "agreement": _disagreement(half_high - half_low),
        "half": _between(*score_band(distribution, 0.5)),
        "share": f"{BAND_SHARE * 100:.0f}",
        "most": _between(*score_band(distribution)),
    }
    counts = panel_counts(distribution, PANEL_SIZE)
    parts = [
        ngettext("%(count)d would give %(rating)s", "%(count)d would give %(rating)s", count)
        % {"count": count, "rating": rating_text(on_score_scale(step))}
        for step, count in enumerate(counts, start=1)
        if count
    ]
    # Said with the halving: a single rating of 0.5 sits below the score's 1-5 range (a score is a mean).
    text = gettext("Of %(panel)d raters (each rating 1-10 halved, so 0.5 to 5): %(split)s.") % {
        "panel": PANEL_SIZE,
        "split": gettext(", ").join(parts),
    }
    steps = [rating_text(on_score_scale(step)) for step in range(LOWEST, HIGHEST + 1)]
    return {"counts": counts, "steps": steps, "sentence": sentence, "text": text}


def _dark_grid(stage) -> dict:
    """One stage's filters in order (each convolution's output channels, input side first), and
    the positions of the dark ones among them, for the page's grid of filters."""
    dark, offset = [], 0
    for layer in stage.layers.values():
        dark.extend(offset + channel for channel in layer["dark"])
        offset += layer["channels"]
    return {"filters": offset, "dark": dark}


def _pruning_outcome(found) -> str:
    """Whether the filters were removed from the network the page shows, and why, from prune-bench's run."""
    # In words only: the speed and accuracy figures are in ml/MODEL_CARD.md ("Dark filters and pruning").
    decision = found.pruned
    if decision.get("shipped"):
        return gettext("We removed them: the network you see runs without its dark filters.")
    gain = decision.get("speed_over_shipped_batch16")
    if gain is None:
        return gettext("We have not yet tried removing them.")
    if gain < SHIP_SPEED_GAIN:
        return gettext("We tried: without them the network was no faster, so the network you see still has them.")
    return gettext(
        "We tried: without them the network was faster but scored faces less well, so the network you see still "
        "has them."
    )


def dark_filter_notes(model_version: str | None) -> dict | None:
    """What the look inside says about the filters that stayed dark on the training photos, for
    the network of `model_version` (None where no list was measured on those weights)."""
    from ml.inference.dark_filters import dark_filters_for  # plain JSON: safe in the web process

    found = dark_filters_for(model_version)
    if found is None:
        return None
    # In words a reader without a network's training follows; the threshold's figures are in
    # ml/MODEL_CARD.md ("Dark filters and pruning").
    legend = gettext(
        "Some filters hardly ever react, whatever the face: %(dark)s of the network's %(filters)s are like that "
        "(below, the black squares). They add almost nothing to any score, so they could be removed (pruned) to "
        "make the network faster, as the article this app grew from suggested."
    ) % {"dark": whole_number(found.dark), "filters": whole_number(found.filters)}
    stages = {}
    for name, stage in found.stages.items():
        sentence = gettext(
            "%(dark)s of the %(filters)s filters in this stage stayed dark on the training photos (%(share)s)."
        ) % {"dark": whole_number(stage.dark), "filters": whole_number(stage.filters), "share": f"{stage.share:.1%}"}
        label = gettext("This stage's %(filters)s filters as squares; the %(dark)s dark ones are black.") % {
            "filters": whole_number(stage.filters),
            "dark": whole_number(stage.dark),
        }
        stages[name] = {"dark": stage.dark, "filters": stage.filters, "sentence": sentence, "label": label}
        stages[name]["grid"] = _dark_grid(stage)
    stem_dark = found.stages["stem"].dark if "stem" in found.stages else 0
    filters_note = ngettext(
        "Crossed out in red: the %(dark)s filter whose output stayed dark on the training photos.",
        "Crossed out in red: the %(dark)s filters whose output stayed dark on the training photos.",
        stem_dark,
    ) % {"dark": whole_number(stem_dark)}
    return {
        "legend": joined(legend, _pruning_outcome(found)),
        "stages": stages,
        "filters_note": filters_note if stem_dark else None,
    }
