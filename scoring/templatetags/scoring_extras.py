from django import template
from django.utils.safestring import mark_safe

from ml.inference.score_format import score_text
from scoring import errors, face_thumbnail, media, review_words, sentences, time_format
from scoring.time_zones import active_time_zone_words

register = template.Library()


@register.filter
def private_url(field_file) -> str:
    return media.private_url(field_file)


@register.filter
def failure_short(photo) -> str:
    return errors.failure_short(photo.error_code)


@register.filter
def failure_sentence(photo) -> str:
    """A failed photo's sentence in the reader's language."""
    return errors.failure_sentence(photo.error)


@register.filter
def status_words(status: str) -> str:
    """A photo's status as a tile says it: "queued", "running"."""
    from scoring.explain import STATUS_WORDS

    return STATUS_WORDS.get(status, status)


@register.filter
def photo_label(photo) -> str:
    """The name a photo goes by on the pages: its label, or when it was uploaded."""
    from scoring.compare import photo_label as label

    return label(photo)


@register.filter
def stage_words(name: str) -> dict:
    from scoring.explain import stage

    return stage(name)


@register.filter
def local_time_text(value) -> str:
    """A time in the page's zone (the reader's), as every page writes it."""
    return time_format.local_time_text(value) if value else ""


@register.filter
def face_view_box(photo) -> str:
    return face_thumbnail.face_view_box(photo)


@register.filter
def access_sentence(record) -> str:
    """ "Opened by a reviewer on 3 Dec 2026, 16:36 (China (Shanghai) Time): the photo's page." in the reader's zone."""
    return review_words.access_sentence(record, time_format.local_time_text(record.opened), active_time_zone_words())


@register.filter
def score(value) -> str:
    """A score as every place prints it ("3.53"); blank for none."""
    return "" if value is None or value == "" else score_text(value)


@register.inclusion_tag("scoring/_cautions.html")
def cautions() -> dict:
    """What the score cannot see, and how far people agree: the photo page, compare and About say it alike."""
    from scoring.explain import CAUTIONS, agreement_sentence

    return {"cautions": CAUTIONS, "agreement": agreement_sentence()}


class SentencesNode(template.Node):
    def __init__(self, nodelist):
        self.nodelist = nodelist

    def render(self, context) -> str:
        # Only spaces are removed from what was rendered (and escaped) already: still safe.
        return mark_safe(sentences.closed_up(self.nodelist.render(context)))  # noqa: S308


@register.tag("sentences")
def sentences_tag(parser, token):
    """`{% sentences %}...{% endsentences %}`: translated sentences set side by side in a
    template read as each language sets them (no space after a Chinese full stop)."""
    nodelist = parser.parse(("endsentences",))
    parser.delete_first_token()
    return SentencesNode(nodelist)
