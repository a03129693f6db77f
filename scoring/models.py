"""Users, their photos, and what the network found in each."""

import re
import uuid

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from ml.inference.score_format import score_text  # plain Python: safe in the web process
from scoring.labels import LABEL_MAX_LENGTH
from scoring.time_format import local_time_text
from scoring.time_zones import TIME_ZONE_MAX_LENGTH, validate_time_zone


def language_choices() -> list[tuple[str, str]]:
    """The site's languages, read when asked: a language added to settings needs no migration."""
    return list(settings.LANGUAGES)


class User(AbstractUser):
    """Our own user model from the first migration, so it can grow without a painful swap."""

    language = models.CharField(
        max_length=15, choices=language_choices, blank=True, help_text=_("Blank: follow the browser.")
    )
    time_zone = models.CharField(
        max_length=TIME_ZONE_MAX_LENGTH,
        validators=[validate_time_zone],
        blank=True,
        help_text=_("An IANA name such as Asia/Shanghai; blank until the browser has told us."),
    )


REVIEW_NOTE_MAX_LENGTH = 500


def photo_folder(public_id) -> str:
    """Every file of a photo lives in its own folder: one lookup finds its owner, and the
    leftovers of a worker killed while storing results can be found and removed."""
    return f"photos/{public_id}"


def results_folder(public_id) -> str:
    return f"{photo_folder(public_id)}/results"


def photo_file_name(public_id, kind: str, extension: str) -> str:
    """Storage names never carry the user's file name; the random part keeps them unguessable.

    The original sits in the photo's folder, everything scoring makes in its results folder.
    """
    folder = photo_folder(public_id) if kind == "original" else results_folder(public_id)
    return f"{folder}/{kind}-{uuid.uuid4().hex}.{extension}"


# Exactly what photo_file_name makes: nothing like "..", so a name cannot point outside its folder.
PHOTO_FILE_NAME = re.compile(r"photos/(?P<public_id>[0-9a-f-]{36})/(?:results/)?[a-z]+-[0-9a-f]{32}\.(?:jpg|png)")


class PhotoQuerySet(models.QuerySet):
    """Who may see which photo, decided here once for every read (pages, API, export, history)."""

    @staticmethod
    def _under_review_q() -> Q:
        """Photos staff flagged (and those whose owner asked for another look), hidden from their
        owner until approved: the one place this rule lives."""
        return Q(review__in=(Photo.Review.FLAGGED, Photo.Review.SECOND_LOOK))

    def under_review(self) -> "PhotoQuerySet":
        return self.filter(self._under_review_q())

    def to_review(self) -> "PhotoQuerySet":
        """The review queue: second looks first, then the oldest unreviewed."""
        wanted = Q(review__in=(Photo.Review.UNREVIEWED, Photo.Review.SECOND_LOOK))
        second_look_first = models.Case(
            models.When(review=Photo.Review.SECOND_LOOK, then=0), default=1, output_field=models.IntegerField()
        )
        return self.filter(wanted).order_by(second_look_first, "created", "id")

    def visible_to(self, user, *, own_only: bool = False, under_review: bool = False) -> "PhotoQuerySet":
        """What the user may see: staff who passed a second factor every photo, an owner their own
        unless under review, anyone else none.

        `own_only`: the user's own photos as their owner sees them (flagged ones hidden, staff
        included): what lists of "your photos" show, while staff still open any photo by its id.
        `under_review`: the owner's own photos under review too, for what an owner may still do
        with them (delete one, ask for another look), never to show them.
        """
        from scoring.second_factor import has_staff_powers  # here: it reads allauth, loaded after the models

        if not user.is_authenticated:
            return self.none()
        if has_staff_powers(user) and not own_only:
            return self.all()
        own = self.filter(owner=user)
        return own if under_review else own.exclude(self._under_review_q())


class Photo(models.Model):
    objects = PhotoQuerySet.as_manager()

    class Status(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        DONE = "done"
        FAILED = "failed"

    class Review(models.TextChoices):
        """Staff's verdict: a flagged photo is hidden from its owner until approved.

        unreviewed -> approved | flagged; flagged -> second_look (its owner asked, once) ->
        approved | flagged; approved -> flagged (staff changed their mind).
        """

        UNREVIEWED = "unreviewed"
        APPROVED = "approved"
        FLAGGED = "flagged"
        SECOND_LOOK = "second_look"

    class Reason(models.TextChoices):
        """Why a photo was flagged: the short list a reviewer picks from (its words, for owner and
        reviewer alike, are scoring.review_words.REASON_WORDS)."""

        NOT_A_FACE = "not_a_face"
        CHILD = "child"
        NUDITY = "nudity"
        VIOLENCE = "violence"
        SOMEONE_ELSE = "someone_else"
        OTHER = "other"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="photos")
    image = models.FileField(max_length=200)
    label = models.CharField(
        max_length=LABEL_MAX_LENGTH,
        blank=True,
        help_text=_("The uploaded file's name, cleaned; for its owner and staff."),
    )
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED, db_index=True)
    error = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    claimed = models.DateTimeField(null=True, blank=True, help_text=_("When a worker last took it"))
    claimed_by = models.CharField(max_length=64, blank=True, help_text=_("The Celery task id holding the claim"))
    model_version = models.CharField(max_length=64, blank=True)
    annotated = models.FileField(max_length=200, blank=True)
    filters = models.FileField(max_length=200, blank=True)
    review = models.CharField(
        max_length=12, choices=Review.choices, default=Review.UNREVIEWED, help_text=_("Flagged: hidden from its owner.")
    )
    review_reason = models.CharField(max_length=16, choices=Reason.choices, blank=True)
    review_note = models.TextField(
        max_length=REVIEW_NOTE_MAX_LENGTH, blank=True, help_text=_("Shown to the photo's owner with the reason.")
    )
    reviewed = models.DateTimeField(null=True, blank=True)
    second_look_asked = models.DateTimeField(
        null=True, blank=True, help_text=_("When its owner asked for another look (once per photo).")
    )
    created = models.DateTimeField(auto_now_add=True, db_index=True)
    scored = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("photo")
        verbose_name_plural = _("photos")
        ordering = ["-created", "-id"]
        indexes = [models.Index(fields=["owner", "-created"]), models.Index(fields=["review", "created"])]
        permissions = [("review_photo", "Can review photos"), ("rescore_photo", "Can re-score photos")]

    def __str__(self) -> str:
        # As the pages name a photo, with its status in the site's words ("scored", not "done").
        from scoring.explain import STATUS_WORDS  # here: explain reads ml's tables, not needed to load models

        name = self.label or str(self.public_id)[:8]
        return f"{name} ({STATUS_WORDS.get(self.status, self.status)})"

    @cached_property
    def top_face(self):
        """The largest face (rank 0), from the prefetched faces when there are any."""
        faces = self.faces.all()
        return faces[0] if faces else None

    @property
    def best_score(self) -> float | None:
        return self.top_face.score if self.top_face else None

    @property
    def error_code(self) -> str | None:
        """The failure's stable code (README); None unless the photo failed."""
        from scoring.errors import failure_code  # here: scoring.errors loads DRF, not yet ready while models load

        return failure_code(self.error) if self.status == self.Status.FAILED else None

    def stored_files(self) -> list:
        files = [self.image, self.annotated, self.filters]
        for face in self.faces.all():
            files.append(face.grad_cam)
            files.extend(layer.image for layer in face.layers.all())
        return [f for f in files if f]


class Face(models.Model):
    photo = models.ForeignKey(Photo, on_delete=models.CASCADE, related_name="faces")
    rank = models.PositiveSmallIntegerField(help_text=_("0 for the largest face"))
    x = models.IntegerField()
    y = models.IntegerField()
    w = models.IntegerField()
    h = models.IntegerField()
    score = models.FloatField()
    percentile = models.FloatField()
    # A rater's chance of each rating 1..10 on MEBeauty's scale (ml.inference.rating_spread); null for
    # faces scored before the model predicted it.
    distribution = models.JSONField(null=True, blank=True)
    grad_cam = models.FileField(max_length=200)

    class Meta:
        verbose_name = _("face")
        verbose_name_plural = _("faces")
        ordering = ["rank"]
        constraints = [models.UniqueConstraint(fields=["photo", "rank"], name="unique_face_rank")]

    def __str__(self) -> str:
        # Printed by the one rounding rule, as the admin's score column beside it is (3.525 is 3.53).
        return _("face %(number)d, score %(score)s") % {"number": self.rank + 1, "score": score_text(self.score)}

    @property
    def box(self) -> list[int]:
        return [self.x, self.y, self.w, self.h]


class LayerImage(models.Model):
    face = models.ForeignKey(Face, on_delete=models.CASCADE, related_name="layers")
    order = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=32)
    shape = models.CharField(max_length=32, help_text=_("channels x height x width"))
    image = models.FileField(max_length=200)

    class Meta:
        verbose_name = _("layer picture")
        verbose_name_plural = _("layer pictures")
        ordering = ["order"]

    def __str__(self) -> str:
        return f"{self.name} ({self.shape})"


class WorkerHeartbeat(models.Model):
    """When each Celery worker last said it was alive (written by operations.heartbeat, read by /readyz)."""

    hostname = models.CharField(max_length=200, unique=True)
    seen = models.DateTimeField()

    class Meta:
        verbose_name = _("worker heartbeat")
        verbose_name_plural = _("worker heartbeats")

    def __str__(self) -> str:
        return f"{self.hostname} at {self.seen:%Y-%m-%d %H:%M:%S}"


class AccessRecordQuerySet(models.QuerySet):
    """Records are kept as written: no update or delete through the ORM (the photo's deletion
    removes them by cascade, which does not pass through here)."""

    def update(self, **kwargs):
        raise PermissionError("access records cannot be changed")

    def delete(self):
        raise PermissionError("access records cannot be deleted; they go with their photo")


class AccessRecord(models.Model):
    """A staff member opened another user's photo (its page, files, admin page or place in the
    review queue): who, when and what, shown to the photo's owner. Written by
    scoring.services.access_records; never changed; deleted only with the photo."""

    class Kind(models.TextChoices):
        PAGE = "page"
        FILES = "files"
        ADMIN = "admin"
        REVIEW = "review"
        API = "api"

    objects = AccessRecordQuerySet.as_manager()

    photo = models.ForeignKey(Photo, on_delete=models.CASCADE, related_name="access_records")
    # Kept by name too: the record outlives the reviewer's account.
    staff = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    staff_name = models.CharField(max_length=150)
    kind = models.CharField(max_length=8, choices=Kind.choices)
    opened = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("access record")
        verbose_name_plural = _("access records")
        ordering = ["-opened", "-id"]

    def __str__(self) -> str:
        return _("%(staff)s opened %(photo)s on %(when)s") % {
            "staff": self.staff_name,
            "photo": self.photo,
            "when": local_time_text(self.opened),
        }

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise PermissionError("access records cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("access records cannot be deleted; they go with their photo")
