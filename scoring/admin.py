"""Staff review of uploads; actions go through the same services as the app."""

from django.contrib import admin
from django.contrib.admin.utils import display_for_value
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied
from django.utils.html import format_html, format_html_join
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, pgettext_lazy
from rest_framework.authtoken.admin import TokenAdmin
from rest_framework.authtoken.models import TokenProxy

from ml.inference.score_format import score_text
from scoring.explain import STATUS_WORDS
from scoring.media import private_url
from scoring.models import Face, Photo, User
from scoring.services import photos

admin.site.register(User, UserAdmin)
admin.site.unregister(TokenProxy)  # DRF's own admin lists every key in clear


@admin.register(TokenProxy)
class ApiKeyAdmin(TokenAdmin):
    """Who has an API key and since when. No page of its own: a key's name is the key itself.

    Users make, replace and revoke their own keys on their account page.
    """

    list_display = ("user", "created")
    list_display_links = None

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def change_view(self, request, object_id, form_url="", extra_context=None):
        raise PermissionDenied


class FaceInline(admin.TabularInline):
    model = Face
    extra = 0
    can_delete = False
    fields = ("number", "box_text", "score_text", "percentile_text", "grad_cam_preview", "layer_previews")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description=_("face"))
    def number(self, face):
        return face.rank + 1  # numbered from 1, as on the photo page and the annotated photo

    @admin.display(description=_("score"))
    def score_text(self, face):
        return score_text(face.score)

    @admin.display(description=_("percentile"))
    def percentile_text(self, face):
        return f"{face.percentile:.0f}"

    @admin.display(description=_("box"))
    def box_text(self, face):
        return ", ".join(map(str, face.box))

    @admin.display(description=_("Grad-CAM"))
    def grad_cam_preview(self, face):
        return format_html('<img src="{}" width="120">', private_url(face.grad_cam))

    @admin.display(description=_("layers"))
    def layer_previews(self, face):
        return format_html_join(
            "",
            '<img src="{}" title="{}" height="60" class="layer-preview">',
            ((private_url(layer.image), layer.name) for layer in face.layers.all()),
        )


# A photo's fields and values as the admin names them, in the reader's language: the model's own
# names are English words set in its migrations.
PHOTO_FIELDS = {
    "public_id": _("public id"),
    "label": _("name"),
    "owner": _("owner"),
    "status": _("status"),
    "review": _("review"),
    "created": _("uploaded"),
    "width": _("width"),
    "height": _("height"),
    "error": _("error"),
    "attempts": _("attempts"),
    "claimed": _("claimed"),
    "claimed_by": _("claimed by"),
    "model_version": _("model version"),
    "scored": _("scored"),
}
REVIEW_WORDS = {
    Photo.Review.UNREVIEWED: pgettext_lazy("photo review", "unreviewed"),
    Photo.Review.APPROVED: pgettext_lazy("photo review", "approved"),
    Photo.Review.FLAGGED: pgettext_lazy("photo review", "flagged"),
}
VALUE_WORDS = {"status": STATUS_WORDS, "review": REVIEW_WORDS}


def shown(field: str):
    """A photo's field for the list's columns and the photo's page, under its name in PHOTO_FIELDS."""

    @admin.display(description=PHOTO_FIELDS[field], ordering=field)
    def show(photo):
        value = getattr(photo, field)
        return display_for_value(VALUE_WORDS.get(field, {}).get(value, value), admin.site.empty_value_display)

    show.__name__ = field
    return show


class WordsFilter(admin.SimpleListFilter):
    """A filter by one of a photo's choice fields, named and valued in the reader's language."""

    def lookups(self, request, model_admin):
        return list(VALUE_WORDS[self.parameter_name].items())

    def queryset(self, request, queryset):
        return queryset.filter(**{self.parameter_name: self.value()}) if self.value() else queryset


class StatusFilter(WordsFilter):
    title, parameter_name = PHOTO_FIELDS["status"], "status"


class ReviewFilter(WordsFilter):
    title, parameter_name = PHOTO_FIELDS["review"], "review"


class UploadedFilter(admin.DateFieldListFilter):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.title = PHOTO_FIELDS["created"]


@admin.register(Photo)
class PhotoAdmin(admin.ModelAdmin):
    list_display = (
        "thumbnail",
        shown("public_id"),
        shown("label"),
        shown("owner"),
        shown("status"),
        "score",
        shown("review"),
        shown("created"),
    )
    list_filter = (StatusFilter, ReviewFilter, ("created", UploadedFilter))
    search_fields = ("owner__username", "owner__email", "public_id", "label")
    list_select_related = ("owner",)
    # What the photo's page shows, read-only, under names in the reader's language; staff edit the review only.
    readonly_fields = (
        shown("public_id"),
        shown("label"),  # the owner's name for it: staff read it, only the owner renames
        shown("owner"),
        "preview",
        *map(shown, ("width", "height", "status", "error", "attempts", "claimed", "claimed_by", "model_version")),
        shown("created"),
        shown("scored"),
    )
    fields = (*readonly_fields, "review")
    inlines = [FaceInline]
    actions = ["rescore", "flag", "approve"]

    class Media:
        css = {"all": ["scoring/admin.css"]}  # a file, not style="": the CSP refuses inline styles

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("faces")

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        """The fields staff may edit (the review), named and valued in the reader's language."""
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        if formfield is not None and db_field.name in PHOTO_FIELDS:
            formfield.label = capfirst(PHOTO_FIELDS[db_field.name])
        words = VALUE_WORDS.get(db_field.name)
        if formfield is not None and words:
            formfield.choices = [(value, words.get(value, label)) for value, label in formfield.choices]
        return formfield

    def has_add_permission(self, request):
        return False  # photos arrive through uploads, which clean them

    @admin.display(description=_("photo"))
    def thumbnail(self, photo):
        return format_html('<img src="{}" height="48">', private_url(photo.image))

    @admin.display(description=_("annotated"))
    def preview(self, photo):
        return format_html('<img src="{}" class="photo-preview">', private_url(photo.annotated or photo.image))

    @admin.display(description=_("score"))
    def score(self, photo):
        best = photo.best_score
        return "" if best is None else score_text(best)

    def delete_model(self, request, obj):
        photos.photo_delete(photo=obj)

    def delete_queryset(self, request, queryset):
        for photo in queryset:
            photos.photo_delete(photo=photo)

    @admin.action(description=_("Re-score the selected photos"))
    def rescore(self, request, queryset):
        for photo in queryset:
            photos.photo_rescore(photo=photo)
        count = queryset.count()
        self.message_user(
            request,
            ngettext("%(count)d photo queued for scoring again.", "%(count)d photos queued for scoring again.", count)
            % {"count": count},
        )

    @admin.action(description=_("Flag and hide from their owners"))
    def flag(self, request, queryset):
        count = photos.photo_review(photos=queryset, review=Photo.Review.FLAGGED)
        self.message_user(
            request, ngettext("%(count)d photo flagged.", "%(count)d photos flagged.", count) % {"count": count}
        )

    @admin.action(description=_("Approve (clear the flag)"))
    def approve(self, request, queryset):
        count = photos.photo_review(photos=queryset, review=Photo.Review.APPROVED)
        self.message_user(
            request, ngettext("%(count)d photo approved.", "%(count)d photos approved.", count) % {"count": count}
        )
