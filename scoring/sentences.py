"""Sentences set one after another, as each language sets them: a space after a Latin full stop,
none after a Chinese one (nor after any other full-width mark that ends a sentence or a clause)."""

from __future__ import annotations

import re

# Full-width marks after which Chinese sets no space: 。！？；：）and the enumeration comma 、.
_CLOSED_UP = re.compile(r"(?<=[\u3002\uff01\uff1f\uff1b\uff1a\uff09\u3001])[ \t\n]+")


def closed_up(text: str) -> str:
    """`text` without the spaces a template's line breaks or a join left after a full-width mark."""
    return _CLOSED_UP.sub("", text)


def joined(*sentences: str) -> str:
    """Sentences one after another (empty ones left out): a space between them, none after a Chinese one."""
    return closed_up(" ".join(filter(None, sentences)))
