"""Pages. Each one is thin: selectors read, services write."""

import mimetypes

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from scoring import selectors
from scoring.forms import UploadForm
from scoring.images import UploadRejected
from scoring.limits import UPLOAD_LIMIT_MESSAGE, upload_limit_reached
from scoring.models import Photo
from scoring.serializers import photo_as_dict
from scoring.services import photos as photo_services


@login_required
def upload(request):
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        created, rejected, status = [], [], 400
        for upload_file in form.cleaned_data["photos"]:
            if upload_limit_reached(request):
                rejected.append(UPLOAD_LIMIT_MESSAGE)
                status = 429
                break
            try:
                created.append(photo_services.photo_create(owner=request.user, upload=upload_file))
            except UploadRejected as error:
                rejected.append(f"{upload_file.name}: {error}")
        for message in rejected:
            messages.error(request, message)
        if len(created) == 1 and not rejected:
            return redirect("scoring:photo", public_id=created[0].public_id)
        if created:
            # Some or all were stored: say so, and show the rest's errors on the history page.
            messages.success(request, f"{len(created)} photo(s) uploaded; they are being scored.")
            return redirect("scoring:history")
    else:
        status = 400 if request.method == "POST" else 200
    recent = selectors.photo_list_for_user(request.user)[:6]
    return render(request, "scoring/upload.html", {"form": form, "recent": recent}, status=status)


# Photo routes answer 404 to anyone but the owner and staff, anonymous visitors included
# (no log-in redirect): whether a photo exists is not revealed. The selectors decide.
def photo_detail(request, public_id):
    photo = selectors.photo_for_user(request.user, public_id)
    return render(request, "scoring/photo.html", {"photo": photo, "data": photo_as_dict(photo, request)})


def photo_status(request, public_id):
    photo = selectors.photo_for_user(request.user, public_id)
    return JsonResponse(photo_as_dict(photo, request))


@login_required
def history(request):
    page = Paginator(selectors.photo_list_for_user(request.user), 24).get_page(request.GET.get("page"))
    chart = [{"t": p.created.isoformat(), "score": p.best_score} for p in page.object_list if p.top_face]
    return render(request, "scoring/history.html", {"page": page, "chart": list(reversed(chart))})


@login_required
def compare(request):
    ids = request.GET.getlist("photo")
    if len(ids) != 2:
        photos = selectors.photo_list_for_user(request.user).filter(status=Photo.Status.DONE)[:50]
        return render(request, "scoring/compare_pick.html", {"photos": photos})
    try:
        pair = [selectors.photo_for_user(request.user, public_id) for public_id in ids]
    except ValidationError as error:  # not a UUID
        raise Http404 from error
    return render(request, "scoring/compare.html", {"pair": [photo_as_dict(p, request) for p in pair]})


@require_POST
def photo_delete(request, public_id):
    photo_services.photo_delete(selectors.photo_for_user(request.user, public_id))
    messages.success(request, "The photo and everything computed from it were deleted.")
    return redirect("scoring:history")


@login_required
def account_delete(request):
    if request.method == "POST":
        user = request.user
        logout(request)
        photo_services.user_delete(user)
        messages.success(request, "Your account and all its photos were deleted.")
        return redirect("account_login")
    return render(request, "scoring/account_delete.html")


def media(request, name):
    """Local-storage media, after checking the file belongs to a photo this user may see."""
    selectors.photo_for_file_name(request.user, name)
    if not default_storage.exists(name):
        raise Http404
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    response = FileResponse(default_storage.open(name, "rb"), content_type=content_type)
    response["Cache-Control"] = "private, max-age=3600"
    return response
