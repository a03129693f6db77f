"""Staff review of uploads (the list, each photo's page, and the review queue); actions go through
the same services as the app. Staff reach any of it only after a second factor
(scoring.middleware.StaffSecondFactorMiddleware), and every photo they open is recorded for its owner."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import display_for_value
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.functional import lazy
from django.utils.html import format_html, format_html_join
from django.utils.text import capfirst, format_lazy
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from rest_framework.authtoken.admin import TokenAdmin
from rest_framework.authtoken.models import TokenProxy

from ml.inference.score_format import score_text
from scoring.explain import STATUS_WORDS
from scoring.media import private_url
from scoring.models import REVIEW_NOTE_MAX_LENGTH, AccessRecord, Face, Photo, User
from scoring.review_words import ACCESS_WORDS, REASON_WORDS, REVIEW_WORDS
from scoring.selectors import review as reviews
from scoring.services import photos
from scoring.services.access_records import access_record
from scoring.time_format import local_time_text
from scoring.time_zones import active_time_zone_words

admin.site.register(User, UserAdmin)
admin.site.unregister(TokenProxy)  # DRF's own admin lists every key in clear


class ReadOnly:
    """An admin that only lists: nobody adds, changes or deletes here, superusers included."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(TokenProxy)
class ApiKeyAdmin(ReadOnly, TokenAdmin):
    """Who has an API key and since when. No page of its own: a key's name is the key itself.

    Users make, replace and revoke their own keys on their account page.
    """

    list_display = ("user", "created")
    list_display_links = None

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


def _in_reader_zone(label) -> str:
    # Translators: a time column's name and the zone its times are in, "uploaded (China (Shanghai) Time)".
    return gettext("%(field)s (%(zone)s)") % {"field": label, "zone": active_time_zone_words()}


def in_reader_zone(label):
    """A time column's name with the zone its times are shown in, named in the reader's language:
    "uploaded (China (Shanghai) Time)", "上传时间（中国（上海）时间）"."""
    return lazy(_in_reader_zone, str)(label)


# A photo's fields and values as the admin names them, in the reader's language: the model's own
# names are English words set in its migrations.
PHOTO_FIELDS = {
    "public_id": _("public id"),
    "label": _("name"),
    "owner": _("owner"),
    "status": _("status"),
    "review": _("review"),
    "created": in_reader_zone(_("uploaded")),
    "width": _("width"),
    "height": _("height"),
    "error": _("error"),
    "attempts": _("attempts"),
    "claimed": in_reader_zone(_("claimed")),
    "claimed_by": _("claimed by"),
    "model_version": _("model version"),
    "scored": in_reader_zone(_("scored")),
    "review_reason": _("reason"),
    "review_note": _("note to the owner"),
    "reviewed": in_reader_zone(_("reviewed")),
    "second_look_asked": in_reader_zone(_("another look asked")),
}
VALUE_WORDS = {"status": STATUS_WORDS, "review": REVIEW_WORDS, "review_reason": REASON_WORDS}
TIMES = {"created", "claimed", "scored", "reviewed", "second_look_asked"}


def shown(field: str):
    """A photo's field for the list's columns and the photo's page, under its name in PHOTO_FIELDS."""

    @admin.display(description=PHOTO_FIELDS[field], ordering=field)
    def show(photo):
        value = getattr(photo, field)
        if field in TIMES and value is not None:
            return local_time_text(value)  # as the site's pages write times; the column names the zone
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


class PhotoReviewForm(forms.ModelForm):
    """A photo's page in the admin: a flag needs a reason, as in the queue (its owner is told)."""

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("review") == Photo.Review.FLAGGED and not cleaned.get("review_reason"):
            self.add_error("review_reason", str(photos.ReviewRefused.NEEDS_REASON))
        return cleaned


def flag_action(reason: Photo.Reason):
    """The list's action that flags the selected photos for one reason of the short list (the note,
    and "another reason", need the photo's own page or the queue)."""

    @admin.action(description=format_lazy(_("Flag: {}"), REASON_WORDS[reason]), permissions=["review"])
    def flag(modeladmin, request, queryset):
        count = photos.photo_review(photos=queryset, review=Photo.Review.FLAGGED, reason=reason)
        modeladmin.message_user(
            request, ngettext("%(count)d photo flagged.", "%(count)d photos flagged.", count) % {"count": count}
        )

    flag.__name__ = f"flag_{reason}"
    return flag


@admin.register(Photo)
class PhotoAdmin(admin.ModelAdmin):
    list_display = (
        "thumbnail",
        shown("label"),
        shown("owner"),
        shown("status"),
        "score",
        shown("review"),
        shown("review_reason"),
        shown("created"),
        "short_id",
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
        shown("reviewed"),
        shown("second_look_asked"),
    )
    fields = (*readonly_fields, "review", "review_reason", "review_note")
    inlines = [FaceInline]
    actions = [
        "rescore",
        "approve",
        *(flag_action(reason) for reason in Photo.Reason if reason != Photo.Reason.OTHER),
    ]

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

    # Reviewers (scoring.Photo's review_photo and rescore_photo permissions, the `reviewers` group)
    # set a photo's review and send it to be scored again; nothing else of it changes here.
    def has_review_permission(self, request) -> bool:
        return request.user.has_perm("scoring.review_photo")

    def has_rescore_permission(self, request) -> bool:
        return request.user.has_perm("scoring.rescore_photo")

    def has_change_permission(self, request, obj=None):
        return self.has_review_permission(request)

    def has_add_permission(self, request):
        return False  # photos arrive through uploads, which clean them

    def get_form(self, request, obj=None, change=False, **kwargs):
        return super().get_form(request, obj, change, form=PhotoReviewForm, **kwargs)

    def save_model(self, request, obj, form, change):
        """The review fields only, through the service (the form made sure a flag has a reason)."""
        photos.photo_review(
            photos=Photo.objects.filter(pk=obj.pk),
            review=form.cleaned_data["review"],
            reason=form.cleaned_data["review_reason"],
            note=form.cleaned_data["review_note"],
        )
        obj.refresh_from_db()

    def change_view(self, request, object_id, form_url="", extra_context=None):
        photo = self.get_object(request, object_id)
        if photo is not None:
            access_record(photo=photo, reader=request.user, kind=AccessRecord.Kind.ADMIN)
        return super().change_view(request, object_id, form_url, extra_context)

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "to_review": reviews.review_queue().count()}
        return super().changelist_view(request, extra_context)

    @admin.display(description=_("photo"))
    def thumbnail(self, photo):
        return format_html('<img src="{}" class="photo-thumbnail" alt="">', private_url(photo.image))

    @admin.display(description=_("annotated"))
    def preview(self, photo):
        return format_html('<img src="{}" class="photo-preview">', private_url(photo.annotated or photo.image))

    @admin.display(description=_("score"))
    def score(self, photo):
        best = photo.best_score
        return "" if best is None else score_text(best)

    @admin.display(description=PHOTO_FIELDS["public_id"], ordering="public_id")
    def short_id(self, photo):
        """The id's first characters, on one line; the whole id is its title and in the search."""
        return format_html('<code title="{}">{}</code>', photo.public_id, str(photo.public_id)[:8])

    def delete_model(self, request, obj):
        photos.photo_delete(photo=obj)

    def delete_queryset(self, request, queryset):
        for photo in queryset:
            photos.photo_delete(photo=photo)

    @admin.action(description=_("Re-score the selected photos"), permissions=["rescore"])
    def rescore(self, request, queryset):
        for photo in queryset:
            photos.photo_rescore(photo=photo)
        count = queryset.count()
        self.message_user(
            request,
            ngettext("%(count)d photo queued for scoring again.", "%(count)d photos queued for scoring again.", count)
            % {"count": count},
        )

    @admin.action(description=_("Approve (clear the flag)"), permissions=["review"])
    def approve(self, request, queryset):
        count = photos.photo_review(photos=queryset, review=Photo.Review.APPROVED)
        self.message_user(
            request, ngettext("%(count)d photo approved.", "%(count)d photos approved.", count) % {"count": count}
        )

    # The review queue: one photo at a time, large, approved or flagged from the keyboard.

    def get_urls(self):
        queue = [
            path("review/", self.admin_site.admin_view(self.review_view), name="scoring_photo_review"),
            path(
                "review/<uuid:public_id>/",
                self.admin_site.admin_view(require_POST(self.review_decide)),
                name="scoring_photo_review_decide",
            ),
        ]
        return queue + super().get_urls()

    def review_view(self, request: HttpRequest, photo: Photo | None = None, status: int = 200) -> HttpResponse:
        """The next photo waiting for review (or `photo`, shown again with what was wrong)."""
        if not self.has_review_permission(request):
            raise PermissionDenied
        photo = photo or reviews.next_to_review()
        if photo is not None:
            access_record(photo=photo, reader=request.user, kind=AccessRecord.Kind.REVIEW)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": gettext("Review queue"),
            "photo": photo,
            "left": reviews.review_queue().count(),
            "reasons": [(number, value, REASON_WORDS[value]) for number, value in enumerate(Photo.Reason, start=1)],
            "previous_reason": REASON_WORDS.get(photo.review_reason, "") if photo else "",
            "note_max_length": REVIEW_NOTE_MAX_LENGTH,
            "chosen_reason": request.POST.get("reason", ""),
            "note": request.POST.get("note", ""),
        }
        return TemplateResponse(request, "admin/scoring/photo/review.html", context, status=status)

    def review_decide(self, request: HttpRequest, public_id) -> HttpResponse:
        """Approve or flag one photo, then on to the next."""
        if not self.has_review_permission(request):
            raise PermissionDenied
        photo = get_object_or_404(Photo.objects.prefetch_related("faces"), public_id=public_id)
        decision = {"approve": Photo.Review.APPROVED, "flag": Photo.Review.FLAGGED}.get(request.POST.get("decision"))
        reason = request.POST.get("reason", "")
        note = request.POST.get("note", "")
        try:
            if decision is None:
                raise photos.ReviewRefused(gettext("Approve or flag the photo."))
            if reason and reason not in Photo.Reason.values:
                raise photos.ReviewRefused(gettext("Choose a reason from the list."))
            if len(note) > REVIEW_NOTE_MAX_LENGTH:
                raise photos.ReviewRefused(
                    gettext("Keep the note under %(count)d characters.") % {"count": REVIEW_NOTE_MAX_LENGTH}
                )
            photos.photo_review(photos=Photo.objects.filter(pk=photo.pk), review=decision, reason=reason, note=note)
        except photos.ReviewRefused as refused:
            messages.error(request, str(refused))
            return self.review_view(request, photo=photo, status=400)
        done = (
            gettext("“%(photo)s” approved.") if decision == Photo.Review.APPROVED else gettext("“%(photo)s” flagged.")
        )
        messages.success(request, done % {"photo": photo.label or str(photo.public_id)[:8]})
        return redirect("admin:scoring_photo_review")


@admin.register(AccessRecord)
class AccessRecordAdmin(ReadOnly, admin.ModelAdmin):
    """Every time staff opened another user's photo. Read only, for everyone: no one changes or
    deletes a record here; they go with their photo."""

    list_display = ("opened_text", "staff_name", "what", "photo")
    list_select_related = ("photo",)
    search_fields = ("staff_name", "photo__public_id", "photo__owner__username")

    @admin.display(description=in_reader_zone(_("opened")), ordering="opened")
    def opened_text(self, record):
        return local_time_text(record.opened)

    @admin.display(description=_("what"), ordering="kind")
    def what(self, record):
        return ACCESS_WORDS.get(record.kind, record.kind)
