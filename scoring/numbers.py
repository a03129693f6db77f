"""Large numbers as the reader's language counts them: "40 million" in English, "4000 万" in
Chinese (which counts in ten thousands), through CLDR's compact forms in Babel."""

import re

from babel.numbers import format_compact_decimal, format_decimal
from django.utils import translation
from django.utils.translation import gettext

# Chinese text keeps a space between figures and Chinese characters (README: Languages).
_FIGURE_THEN_HAN = re.compile(r"(\d)([\u4e00-\u9fff])")


def _locale() -> str:
    return translation.to_locale(translation.get_language() or "en")


def whole_number(value: int) -> str:
    """A count as the reader's language groups its digits: every count on a page the same way
    ("21,008", "2,640"; CLDR groups Chinese by thousands too)."""
    return format_decimal(value, locale=_locale())


def large_number(value: int) -> str:
    locale = _locale()
    return _FIGURE_THEN_HAN.sub(r"\1 \2", format_compact_decimal(value, format_type="long", locale=locale))


def pixel_count(pixels: int) -> str:
    """A number of pixels in words: "40 million pixels", "4000 万像素"."""
    return gettext("%(count)s pixels") % {"count": large_number(pixels)}
