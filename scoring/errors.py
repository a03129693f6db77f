"""Stable error codes: every 4xx the API answers, and every failed photo, carries one beside its sentence.

Programs act on the code; people read the sentence. The codes never change once published
(the README lists them); sentences may be reworded.
"""

import re

from django.http import Http404
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler

from operations import outages
from scoring.numbers import pixel_count

# What a failed photo's code is, found from the sentence the worker stored. The worker records
# the sentence of ml.inference.faces' exceptions (NoFaceFound, FaceTooSmall, load errors) and of the job
# policy (scoring.services.jobs); tests/web/test_errors.py raises each of them and checks its
# code here, so a reworded sentence cannot silently lose its code.
FAILURE_SENTENCE_STARTS = {
    "No face found in this photo": "no_face",
    "The face is too small to score": "face_too_small",
    "This file is not an image we can read": "unreadable_image",
    "File not found": "unreadable_image",
    "This image is too large": "too_many_pixels",
    "Scoring took too long": "too_slow",
    "We could not score this photo because of an error on our side": "internal_error",
}
SCORING_FAILED = "scoring_failed"  # a failure whose sentence is not in the table above

# A failure in a few words, where a whole sentence does not fit (a history tile).
FAILURE_SHORT = {
    "no_face": _("no face found"),
    "face_too_small": _("face too small"),
    "unreadable_image": _("unreadable file"),
    "too_many_pixels": _("image too large"),
    "too_slow": _("took too long"),
    "internal_error": _("error on our side"),
}

# The worker's sentences (ml.inference.faces, scoring.services.jobs) are stored as written, in English;
# each known one is shown in the reader's language, its figures kept. A sentence not listed
# here is shown as stored. tests/web/test_languages.py checks that every sentence the worker can
# store matches one of these patterns exactly.
FAILURE_SENTENCES = (
    (
        r"No face found in this photo\. Use a photo where one face looks at the camera, unobstructed and well lit\.",
        _("No face found in this photo. Use a photo where one face looks at the camera, unobstructed and well lit."),
    ),
    (
        r"The face is too small to score \((?P<width>\d+) pixels wide\)\. Use a photo taken closer, "
        r"where the face is at least (?P<least>\d+) pixels wide\.",
        _(
            "The face is too small to score (%(width)s pixels wide). Use a photo taken closer, "
            "where the face is at least %(least)s pixels wide."
        ),
    ),
    (
        r"This file is not an image we can read; send a JPEG, PNG or WebP photo\.",
        _("This file is not an image we can read; send a JPEG, PNG or WebP photo."),
    ),
    (r"File not found; check the path\.", _("File not found; check the path.")),
    (
        # Earlier workers wrote "megapixels": sentences they stored read the same.
        r"This image is too large \((?P<width>\d+)x(?P<height>\d+) pixels\); "
        r"send one under (?P<millions>\d+) (?:million pixels|megapixels)\.",
        _("This image is too large (%(width)sx%(height)s pixels); send one under %(pixels)s."),
    ),
    (
        r"Scoring took too long\. Try again with a smaller photo\.",
        _("Scoring took too long. Try again with a smaller photo."),
    ),
    (
        r"We could not score this photo because of an error on our side\. Delete it and upload it again later\.",
        _("We could not score this photo because of an error on our side. Delete it and upload it again later."),
    ),
)

# DRF's own codes, renamed where ours reads better.
RENAMED_CODES = {"throttled": "rate_limited"}


def failure_code(sentence: str) -> str | None:
    """The stable code of a failed photo's sentence; None when the photo did not fail."""
    if not sentence:
        return None
    for start, code in FAILURE_SENTENCE_STARTS.items():
        if sentence.startswith(start):
            return code
    return SCORING_FAILED


def failure_short(code: str | None) -> str:
    """'not scored', with why in a few words where the failure's code is a known one."""
    short = FAILURE_SHORT.get(code or "")
    return gettext("not scored: %(why)s") % {"why": short} if short else gettext("not scored")


def _figures(found: dict[str, str]) -> dict[str, str]:
    """A stored sentence's figures as the reader's language writes them: a count of millions of
    pixels becomes "40 million pixels" or "4000 万像素" (Chinese counts in ten thousands)."""
    if "millions" in found:
        found = {**found, "pixels": pixel_count(int(found.pop("millions")) * 1_000_000)}
    return found


def failure_sentence(sentence: str) -> str:
    """A failed photo's stored sentence in the reader's language ("" stays "")."""
    for pattern, words in FAILURE_SENTENCES:
        match = re.fullmatch(pattern, sentence or "")
        if match:
            return str(words) % _figures(match.groupdict()) if match.groupdict() else str(words)
    return sentence


class ApiError(exceptions.APIException):
    """A 4xx with our own code and sentence (a rejected upload, say)."""

    def __init__(self, detail: str, *, code: str, status_code: int = 400) -> None:
        super().__init__(detail, code)
        self.status_code = status_code


def _first_sentence(data) -> str:
    """The first message of a validation error, prefixed by its field's name."""
    if isinstance(data, dict):
        field, messages = next(iter(data.items()))
        first = _first_sentence(messages)
        return first if field == "non_field_errors" else f"{field}: {first}"
    if isinstance(data, list):
        return _first_sentence(data[0])
    return str(data)


def outages_response(code: str) -> Response:
    """503: a server we depend on is away; the client may send the request again after Retry-After."""
    headers = {"Retry-After": str(outages.RETRY_AFTER_SECONDS)}
    return Response({"detail": outages.sentence(code), "code": code}, status=503, headers=headers)


def api_exception_handler(exc, context):
    """DRF's handler, every answer shaped {"detail": sentence, "code": code}.

    A form that was wrong (no file sent, say) also names each field's messages in "field_errors".
    """
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    if code := outages.unavailable(exc):
        return outages_response(code)
    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        response.data = {"detail": _first_sentence(exc.detail), "code": "invalid", "field_errors": response.data}
    else:
        code = exc.detail.code if isinstance(exc.detail, exceptions.ErrorDetail) else exc.default_code
        response.data = {"detail": str(exc.detail), "code": RENAMED_CODES.get(code, code)}
    return response
