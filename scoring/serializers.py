"""One JSON shape for a photo, shared by the status endpoint, the pages, the API and its schema.

The serializers below both produce the JSON and describe it to drf-spectacular, so the
OpenAPI schema cannot tell something other than what the code sends.
"""

from django.core.validators import ProhibitNullCharactersValidator
from django.http import HttpRequest
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.reverse import reverse

from ml.inference.rating_band import BAND_SHARE, score_band
from ml.inference.score_format import rounded_score
from scoring import explain
from scoring.errors import failure_sentence
from scoring.labels import LABEL_MAX_LENGTH
from scoring.local_time import account_zone
from scoring.media import private_url
from scoring.model_releases import scored_by_sentence
from scoring.models import AccessRecord, Face, Photo


@extend_schema_field({"type": "string", "nullable": True, "description": "null until the file exists"})
class PrivateFileUrlField(serializers.Field):
    """A stored file's URL that opens for the photo's owner (session or token) and staff only;
    null where there is no file (a failed photo's annotated copy), as the API's other absent values."""

    def __init__(self, **kwargs):
        super().__init__(read_only=True, **kwargs)

    def get_attribute(self, instance):
        # DRF skips to_representation for None but not for an empty FileField; both become null here.
        value = super().get_attribute(instance)
        return value or None

    def to_representation(self, value) -> str:
        url = private_url(value)
        request = self.context.get("request")
        if url.startswith("/") and request is not None:
            return request.build_absolute_uri(url)
        return url


@extend_schema_field({"type": "string", "nullable": True})
class BlankAsNullField(serializers.Field):
    """A text column that is blank until set, sent as null rather than ""."""

    def __init__(self, **kwargs):
        super().__init__(read_only=True, **kwargs)

    def to_representation(self, value) -> str | None:
        return value or None


class ReaderDateTimeField(serializers.DateTimeField):
    """ISO 8601 with the offset of the reader's zone ("2026-12-03T16:36:00+08:00"): the account's
    zone, for API callers too (DRF reads their token after the middleware chose a zone), else
    the page's (the browser's, for a new account), else UTC ("Z"). The export names its zone in
    `context["time_zone"]` (it is written after the request's middleware is done)."""

    def default_timezone(self):
        if "time_zone" in self.context:
            return self.context["time_zone"]
        request = self.context.get("request")
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.time_zone:
            return account_zone(user)
        return timezone.get_current_timezone()


class FailureSentenceField(BlankAsNullField):
    """A failed photo's sentence, in the reader's language (the worker stores it in English)."""

    def to_representation(self, value) -> str | None:
        return failure_sentence(value) or None


class RoundedFloatField(serializers.FloatField):
    def __init__(self, digits: int, **kwargs):
        super().__init__(read_only=True, **kwargs)
        self.digits = digits

    def to_representation(self, value) -> float:
        return round(float(value), self.digits)


class ScoreField(serializers.FloatField):
    """A face's score, rounded by the rule every page prints it by (`ml.inference.score_format`)."""

    def __init__(self, **kwargs):
        super().__init__(read_only=True, **kwargs)

    def to_representation(self, value) -> float:
        return rounded_score(value)


def band_of(distribution: list[float] | None) -> dict | None:
    """The API's `band` of a face's rating distribution (null without one)."""
    if not distribution:
        return None
    low, high = score_band(distribution)  # rounded as the pages print it: one range everywhere
    return {"low": low, "high": high, "share": BAND_SHARE}


class LayerSerializer(serializers.Serializer):
    name = serializers.CharField(read_only=True)
    shape = serializers.CharField(read_only=True, help_text="channels x height x width")
    url = PrivateFileUrlField(source="image")


class FaceSerializer(serializers.Serializer):
    box = serializers.ListField(
        child=serializers.IntegerField(), read_only=True, min_length=4, max_length=4,
        help_text="x, y, width, height in pixels",
    )  # fmt: skip
    score = ScoreField(
        help_text="1-5: the mean rating expected from MEBeauty's mixed panel (its 1-10 scale divided by two)"
    )
    percentile = RoundedFloatField(1, help_text="share of MEBeauty's 1,973 rated photos rated lower, 0-100")
    distribution = serializers.ListField(
        child=serializers.FloatField(), read_only=True, min_length=10, max_length=10, allow_null=True,
        help_text="how a panel would split: a rater's chance of giving each rating 0.5, 1, 1.5, ... 5 on the score's "
        "scale (MEBeauty's 1-10 ratings halved; its mean is the score); null for faces scored before the model "
        "predicted it",
    )  # fmt: skip
    band = serializers.SerializerMethodField(
        help_text=f"the range of ratings (the score's scale; one decimal, as the pages print it) that holds the "
        f"middle {BAND_SHARE:.0%} of a panel's ratings"
    )
    grad_cam_url = PrivateFileUrlField(source="grad_cam")
    layers = LayerSerializer(many=True, read_only=True)

    @extend_schema_field(
        {
            "type": "object",
            "nullable": True,
            "properties": {"low": {"type": "number"}, "high": {"type": "number"}, "share": {"type": "number"}},
            "required": ["low", "high", "share"],
        }
    )
    def get_band(self, face: Face) -> dict | None:
        return band_of(face.distribution)


class AccessRecordSerializer(serializers.Serializer):
    """One time staff opened the photo: when and what, never who."""

    opened = ReaderDateTimeField(read_only=True, help_text="when, in the account's time zone as `created`")
    what = serializers.ChoiceField(
        source="kind", choices=AccessRecord.Kind.choices, read_only=True,
        help_text="page, files, admin (the staff pages), review (the review queue) or api",
    )  # fmt: skip


class PhotoSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    status = serializers.ChoiceField(choices=Photo.Status.choices, read_only=True)
    error = FailureSentenceField(help_text="why the photo failed, a sentence for its owner")
    error_code = serializers.SerializerMethodField(help_text="the failure's stable code (see the README)")
    label = BlankAsNullField(
        help_text="the uploaded file's name, cleaned (or the upload's `label`); shown to its owner and staff"
    )
    created = ReaderDateTimeField(
        read_only=True, help_text="when it was uploaded: ISO 8601 with the offset of the account's time zone"
    )
    model_version = BlankAsNullField(help_text="the weights that scored it")
    width = serializers.IntegerField(read_only=True)
    height = serializers.IntegerField(read_only=True)
    image_url = PrivateFileUrlField(source="image")
    annotated_url = PrivateFileUrlField(source="annotated")
    filters_url = PrivateFileUrlField(source="filters")
    faces = FaceSerializer(many=True, read_only=True)
    opened_by_staff = AccessRecordSerializer(
        source="access_records", many=True, read_only=True,
        help_text="every time a reviewer opened this photo, newest first (the same kind within 10 minutes: once)",
    )  # fmt: skip

    @extend_schema_field({"type": "string", "nullable": True})
    def get_error_code(self, photo: Photo) -> str | None:
        return photo.error_code


# The export's scores.json: the API's shapes, each file named by its path inside the zip instead
# of a URL (`photos/<name>/...`, the photo's label made a folder name, as `scoring.export` lays the
# archive out).


@extend_schema_field({"type": "string", "nullable": True})
class ArchivePathField(serializers.Field):
    """Where a stored file lies in the export's zip (`context["archive_paths"]`: storage name ->
    archive path); null where there is no file or it could not be read into the archive."""

    def __init__(self, **kwargs):
        super().__init__(read_only=True, **kwargs)

    def get_attribute(self, instance):
        return super().get_attribute(instance) or None

    def to_representation(self, value) -> str | None:
        return self.context["archive_paths"].get(value.name)


class ArchivedLayerSerializer(LayerSerializer):
    url = None
    file = ArchivePathField(source="image")


class ArchivedFaceSerializer(FaceSerializer):
    grad_cam_url = None
    grad_cam = ArchivePathField()
    layers = ArchivedLayerSerializer(many=True, read_only=True)


class ArchivedFilesSerializer(serializers.Serializer):
    original = ArchivePathField(source="image")
    annotated = ArchivePathField()
    filters = ArchivePathField()


class ArchivedPhotoSerializer(PhotoSerializer):
    image_url = annotated_url = filters_url = None
    time_zone = serializers.SerializerMethodField(help_text="the zone `created` is written in: the account's")
    folder = serializers.SerializerMethodField(help_text="the photo's folder in the archive, under `photos/`")
    files = ArchivedFilesSerializer(source="*", read_only=True)
    faces = ArchivedFaceSerializer(many=True, read_only=True)

    def get_time_zone(self, photo: Photo) -> str:
        return str(self.context["time_zone"])

    def get_folder(self, photo: Photo) -> str:
        return self.context["folder"]


def photo_as_dict(photo: Photo, request: HttpRequest | None = None) -> dict:
    return PhotoSerializer(photo, context={"request": request}).data


def photo_page_dict(photo: Photo, request: HttpRequest | None = None) -> dict:
    """The API's shape plus what the photo page draws from it: each face's panel of raters, in words,
    which of the drawn network's filters stay dark, and the model that scored it, in words."""
    data = photo_as_dict(photo, request)
    data["model_line"] = scored_by_sentence(photo)
    for face in data["faces"]:
        face["panel"] = explain.panel_split(face["distribution"])
    # The filters that stay dark, as measured on the weights that scored this photo.
    data["dark_filters"] = explain.dark_filter_notes(photo.model_version) if data["faces"] else None
    return data


class LabelField(serializers.CharField):
    """A name for the photo, taken as it comes: control characters (NUL included, which DRF's
    CharField refuses) are what `scoring.labels.clean_label` drops, not a reason to refuse it."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.validators = [v for v in self.validators if not isinstance(v, ProhibitNullCharactersValidator)]


class PhotoUploadSerializer(serializers.Serializer):
    # An empty file is refused by the upload's own checks, with their sentence and code.
    image = serializers.FileField(allow_empty_file=True, help_text="a JPEG, PNG or WebP photo")
    label = LabelField(
        required=False,
        allow_blank=True,
        max_length=LABEL_MAX_LENGTH,
        help_text="a name to tell the photo apart (control characters dropped); the file's name when left out",
    )


class PhotoCreatedSerializer(serializers.Serializer):
    """What an upload answers: the new photo's id (GET /api/photos/<id>/ follows its scoring)."""

    id = serializers.UUIDField(source="public_id", read_only=True)
    status = serializers.ChoiceField(choices=Photo.Status.choices, read_only=True)
    url = serializers.SerializerMethodField(help_text="where to follow its scoring (also the Location header)")

    def get_url(self, photo: Photo) -> str:
        return reverse("scoring:photo-detail", args=[photo.public_id], request=self.context.get("request"))


class ErrorSerializer(serializers.Serializer):
    """Every 4xx answer of the API."""

    detail = serializers.CharField(help_text="what went wrong and what to do, for people")
    code = serializers.CharField(help_text="stable, for programs (see the README)")


class ValidationErrorSerializer(ErrorSerializer):
    field_errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="each field's messages, when the form itself was wrong (code invalid)",
    )
