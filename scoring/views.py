"""Pages. Each one is thin: selectors read, services write."""

import mimetypes
import uuid
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext, ngettext
from django.views.decorators.http import require_http_methods, require_POST

from scoring import compare as comparing
from scoring import explain, selectors
from scoring import export as exporting
from scoring.error_pages import wants_json
from scoring.example import example_result
from scoring.forms import AccountDeleteForm, PhotoLabelForm, TimeZoneForm, UploadForm
from scoring.limits import upload_limit_message
from scoring.media import media_reader
from scoring.models import AccessRecord, Photo
from scoring.review_words import REASON_WORDS
from scoring.selectors import history as histories
from scoring.selectors import review as reviews
from scoring.serializers import photo_page_dict
from scoring.services import accounts, api_keys
from scoring.services import photos as photo_services
from scoring.services.access_records import access_record
from scoring.time_zones import active_time_zone, time_zone_words


def home(request: HttpRequest) -> HttpResponse:
    """What the site does, for visitors; signed-in users go straight to the upload page."""
    if request.user.is_authenticated:
        return redirect("scoring:upload")
    example = example_result()
    context = {
        "example": example,
        "example_credit": gettext(example["credit"]) if example else "",  # marked in make_example
        "example_panel": explain.panel_split(example.get("distribution")) if example else None,
        "stages": explain.STAGES,
        "two_networks": explain.TWO_NETWORKS,
        "picture_key": explain.PICTURE_KEY,
    }
    return render(request, "scoring/home.html", context)


def about(request: HttpRequest) -> HttpResponse:
    context = {
        "percentile_meaning": explain.percentile_meaning(),
        "two_networks": explain.TWO_NETWORKS,
        "model_error": comparing.model_error_sentence(),
    }
    return render(request, "scoring/about.html", context)


@login_required
def upload(request: HttpRequest) -> HttpResponse:
    """The upload form. The page's script sends it asking for JSON (to show the bytes going out):
    it is answered where to go next, or the sentences of a refusal, instead of a redirect or a page."""
    # Bound on every POST: one sent with no file at all is told to choose one.
    form = UploadForm(request.POST, request.FILES) if request.method == "POST" else UploadForm()
    as_json = request.method == "POST" and wants_json(request)
    if request.method == "POST" and form.is_valid():
        intake = photo_services.photos_intake(request=request, uploads=form.cleaned_data["photos"])
        created, wait = intake.created, intake.wait
        rejected = form.notes + [
            gettext("%(file)s: %(error)s") % {"file": name, "error": error} for name, error in intake.rejected
        ]
        if wait is not None:
            rejected.append(upload_limit_message(wait))
        status = 429 if wait is not None else 400
        if as_json and not created:
            return _upload_refused(rejected, status, wait)
        for message in rejected:
            messages.error(request, message)
        if len(created) == 1 and not rejected:
            return _upload_done(as_json, reverse("scoring:photo", args=[created[0].public_id]))
        if created:
            # Some or all were stored: say so, and show the rest's errors on the history page.
            uploaded = ngettext(
                "%(count)d photo uploaded; it is being scored.",
                "%(count)d photos uploaded; they are being scored.",
                len(created),
            ) % {"count": len(created)}
            # Tagged so the history page's script can say when scoring has finished.
            messages.success(request, uploaded, extra_tags="scoring-progress")
            return _upload_done(as_json, reverse("scoring:history"))
    else:
        status, wait = (400 if request.method == "POST" else 200), None
        if as_json:
            return _upload_refused([str(error) for errors in form.errors.values() for error in errors], status, None)
    recent = selectors.photo_list_for_user(request.user)[:6]
    response = render(request, "scoring/upload.html", {"form": form, "recent": recent}, status=status)
    if wait is not None:
        response["Retry-After"] = str(wait)
    return response


def _upload_done(as_json: bool, location: str) -> HttpResponse:
    # The script follows `location` itself: had it followed a redirect, the page it fetched
    # would have used up the messages meant for the page the person then opens.
    return JsonResponse({"location": location}) if as_json else redirect(location)


def _upload_refused(sentences: list[str], status: int, wait: int | None) -> JsonResponse:
    response = JsonResponse({"errors": sentences}, status=status)
    if wait is not None:
        response["Retry-After"] = str(wait)
    return response


# Photo routes answer 404 to anyone but the owner and staff: whether a photo exists is not
# revealed. The selectors decide. The page itself first sends an anonymous visitor to sign in
# (whatever the id, so that says nothing either): an owner opening a link signed out gets there.
@login_required
def photo_detail(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    try:
        photo = selectors.photo_for_user(request.user, public_id)
    except Http404:
        under_review = reviews.own_photo_under_review(request.user, public_id)
        if under_review is not None:
            return _under_review_page(request, under_review)
        raise
    access_record(photo=photo, reader=request.user, kind=AccessRecord.Kind.PAGE)
    return _photo_page(request, photo, PhotoLabelForm(initial={"label": photo.label}))


def _photo_page(request: HttpRequest, photo: Photo, label_form: PhotoLabelForm, status: int = 200) -> HttpResponse:
    context = {
        "photo": photo,
        "data": photo_page_dict(photo, request),
        "texts": explain.page_texts(),
        "label_form": label_form,
    }
    return render(request, "scoring/photo.html", context, status=status)


def _under_review_page(request: HttpRequest, photo: Photo, status: int = 404) -> HttpResponse:
    """The owner's page of a photo under review: still a 404 (the photo is not shown), but it says
    why it was flagged, and offers deleting it or asking once for another look."""
    context = {
        "photo": photo,
        "reason": REASON_WORDS.get(photo.review_reason, ""),
    }
    return render(request, "scoring/under_review.html", context, status=status)


@require_POST
def photo_second_look(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """The owner of a flagged photo asks, once, for another look at it."""
    photo = reviews.own_photo_under_review(request.user, public_id)
    if photo is None:
        raise Http404
    try:
        photo_services.photo_second_look_ask(photo=photo)
    except photo_services.ReviewRefused as refused:
        messages.error(request, str(refused))
        return _under_review_page(request, photo, status=400)
    messages.success(request, gettext("Asked: a reviewer will look at this photo again."))
    return redirect("scoring:photo", public_id=photo.public_id)


@require_http_methods(["GET", "POST"])
def photo_label(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Rename a photo: its owner only (staff see photos, they do not rename them)."""
    if request.method == "GET":
        # The address a refused rename leaves in the bar: reloaded, bookmarked or the target of
        # the language switch, it goes to the photo's page (whose own checks apply), not a bare 405.
        return redirect("scoring:photo", public_id=public_id)
    photo = selectors.photo_for_user(request.user, public_id)
    if photo.owner_id != request.user.pk:
        raise PermissionDenied
    form = PhotoLabelForm(request.POST)
    if not form.is_valid():
        # Said at the top as well as under the field, which sits below the whole result; named
        # there, where "This field is required." alone would not say which.
        for error in form.errors["label"]:
            # Translators: a form field's name, then what is wrong with it: "Name: This field is required."
            messages.error(request, gettext("%(field)s: %(error)s") % {"field": form["label"].label, "error": error})
        return _photo_page(request, photo, form, status=400)
    photo_services.photo_label_set(photo=photo, label=form.cleaned_data["label"])
    messages.success(request, gettext("Renamed to “%(label)s”.") % {"label": photo.label})
    return redirect("scoring:photo", public_id=photo.public_id)


def photo_status(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    photo = selectors.photo_for_user(request.user, public_id)
    access_record(photo=photo, reader=request.user, kind=AccessRecord.Kind.PAGE)  # the page's own polls: one
    return JsonResponse(photo_page_dict(photo, request))


@login_required
def history(request: HttpRequest) -> HttpResponse:
    shown = request.GET.get("status", "all")
    if shown not in histories.FILTERS:
        shown = "all"
    sort = request.GET.get("sort", "newest")
    if sort not in histories.SORTS:
        sort = "newest"
    search = " ".join(request.GET.get("q", "").split())[: histories.SEARCH_MAX_LENGTH]
    photos = histories.photos_for_history(request.user, status=shown, sort=sort, search=search)
    page = Paginator(photos, 24).get_page(request.GET.get("page"))
    # Every link of the page (filters, pages) keeps the other choices made on it.
    kept = {"status": shown, **({"sort": sort} if sort != "newest" else {}), **({"q": search} if search else {})}
    context = {
        "page": page,
        # No filters to offer a new user.
        "has_photos": shown != "all" or bool(search) or page.paginator.count > 0,
        "shown": shown,
        "filters": [(name, "?" + urlencode({**kept, "status": name})) for name in histories.FILTERS],
        "sort": sort,
        "sorts": list(histories.SORTS),
        "search": search,
        "page_query": urlencode(kept),
        "under_review": histories.under_review(request.user),
    }
    return render(request, "scoring/history.html", context)


@login_required
def history_chart(request: HttpRequest) -> HttpResponse:
    """Every scored photo's point for the history chart, fetched by the page after it renders:
    a long history's thousand points would otherwise weigh on every visit of every page of it."""
    return JsonResponse({"points": histories.chart_points(request.user)})


@login_required
def history_status(request: HttpRequest) -> HttpResponse:
    """Status of the history tiles still waiting on a score, polled by the page."""
    return JsonResponse({"photos": histories.tile_states(request.user, request.GET.getlist("photo"))})


@login_required
def compare(request: HttpRequest) -> HttpResponse:
    """Pick photos (the picker's button sends `go`), or see the chosen ones side by side."""
    ids = comparing.selected_ids(request.GET.getlist("photo"))
    try:
        comparing.check_selection(len(ids))
    except comparing.SelectionError as error:
        chosen, _ = selectors.selected_photos(request.user, ids[: comparing.MAX_PHOTOS])
        # A link from a photo page ("compare with...") opens the picker with it chosen, quietly;
        # a submitted selection that cannot be compared says why and keeps the ticks.
        if "go" in request.GET:
            messages.error(request, str(error))
            return _compare_pick(request, chosen, status=400)
        return _compare_pick(request, chosen)
    chosen, missing = selectors.selected_photos(request.user, ids)
    if missing:
        messages.warning(request, comparing.missing_photos_message(missing))
        if len(chosen) < comparing.MIN_PHOTOS:
            return _compare_pick(request, chosen)
    for photo in chosen:
        access_record(photo=photo, reader=request.user, kind=AccessRecord.Kind.PAGE)
    context = {"comparison": comparing.compare(chosen, request), "error_note": comparing.error_note()}
    return render(request, "scoring/compare.html", context)


def _compare_pick(request: HttpRequest, chosen: list[Photo], status: int = 200) -> HttpResponse:
    context = {
        "photos": histories.photos_for_filter(request.user, "done")[:60],
        "chosen": [str(p.public_id) for p in chosen],
        "max_photos": comparing.MAX_PHOTOS,
    }
    return render(request, "scoring/compare_pick.html", context, status=status)


@require_POST
def photo_delete(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    # Its owner may delete a photo under review too: gone for staff as well.
    photo_services.photo_delete(photo=selectors.photo_for_user(request.user, public_id, under_review=True))
    messages.success(request, gettext("The photo and everything computed from it were deleted."))
    return redirect("scoring:history")


NEW_KEY_SESSION = "new_api_key"


@login_required
def account(request: HttpRequest) -> HttpResponse:
    """The user's API key (made, shown once, revoked here), their time zone, and the way out."""
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "create":
            # Shown by the GET that follows, once: reloading the page never makes another key
            # (which would silently break the one just copied).
            request.session[NEW_KEY_SESSION] = api_keys.api_key_create(user=request.user)
        elif action == "revoke":
            request.session.pop(NEW_KEY_SESSION, None)
            if api_keys.api_key_revoke(user=request.user):
                messages.success(
                    request, gettext("Your API key was revoked; programs using it are refused from now on.")
                )
        return redirect("scoring:account")
    new_key = request.session.pop(NEW_KEY_SESSION, None)
    if new_key and not selectors.api_key_is_current(request.user, new_key):
        new_key = None  # replaced or revoked since (another tab or device): never show a dead key
    return _account_page(request, new_key, TimeZoneForm(initial={"time_zone": active_time_zone()}))


def _account_page(
    request: HttpRequest, new_key: str | None, zone_form: TimeZoneForm, status: int = 200
) -> HttpResponse:
    context = {
        "new_key": new_key,
        "key_created": None if new_key else selectors.api_key_created(request.user),
        "api_url": request.build_absolute_uri("/api/photos/"),
        "zone_form": zone_form,
    }
    response = render(request, "scoring/account.html", context, status=status)
    response["Cache-Control"] = "no-store"  # the page may carry a new key
    return response


@login_required
@require_POST
def account_time_zone(request: HttpRequest) -> HttpResponse:
    form = TimeZoneForm(request.POST)
    if not form.is_valid():
        return _account_page(request, None, form, status=400)
    accounts.time_zone_set(user=request.user, name=form.cleaned_data["time_zone"])
    messages.success(
        request, gettext("Times are now shown in %(zone)s.") % {"zone": time_zone_words(request.user.time_zone)}
    )
    return redirect("scoring:account")


@login_required
def export(request: HttpRequest) -> HttpResponse:
    """Take my data: every photo, what scoring made of it, and the scores, in one zip."""
    return exporting.export_response(request.user)


@login_required
def account_delete(request: HttpRequest) -> HttpResponse:
    form = AccountDeleteForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = request.user
        logout(request)
        photo_services.user_delete(user=user)
        messages.success(request, gettext("Your account and all its photos were deleted."))
        return redirect("scoring:home")
    photo_count = request.user.photos.count()
    status = 400 if request.method == "POST" else 200
    return render(request, "scoring/account_delete.html", {"form": form, "photo_count": photo_count}, status=status)


def favicon(request: HttpRequest) -> HttpResponse:
    return redirect(static("scoring/favicon.svg"), permanent=True)


def media(request: HttpRequest, name: str) -> HttpResponse:
    """Local-storage media, after checking the file belongs to a photo the caller (session or token) may see."""
    reader = media_reader(request)
    photo = selectors.photo_for_file_name(reader, name)
    if not default_storage.exists(name):
        raise Http404
    access_record(photo=photo, reader=reader, kind=AccessRecord.Kind.FILES)
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    response = FileResponse(default_storage.open(name, "rb"), content_type=content_type)
    response["Cache-Control"] = "private, max-age=3600"
    return response
