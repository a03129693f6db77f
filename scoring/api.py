"""JSON API: the same services and selectors as the pages."""

from django.db.models import QuerySet
from django.http import StreamingHttpResponse
from django.utils.translation import gettext
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.exceptions import NotFound, Throttled
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from scoring import export as exporting
from scoring import selectors
from scoring.errors import ApiError
from scoring.limits import upload_limit_message
from scoring.models import AccessRecord, Photo
from scoring.serializers import (
    ErrorSerializer,
    PhotoCreatedSerializer,
    PhotoSerializer,
    PhotoUploadSerializer,
    ValidationErrorSerializer,
)
from scoring.services import photos as photo_services
from scoring.services.access_records import access_record

NOT_FOUND = OpenApiResponse(ErrorSerializer, description="not this caller's photo, or no such photo (code not_found)")
NOT_SIGNED_IN = OpenApiResponse(
    ErrorSerializer, description="no token (code not_authenticated) or a wrong one (code authentication_failed)"
)


class PhotoPagination(PageNumberPagination):
    """A page that is not a number, or past the last, is a 400 `invalid_page` naming the pages
    there are: DRF's 404 `not_found` would read as "no such photo". `?page_size=` asks for fewer
    (or up to 100) photos a page, each carrying its layers' URLs."""

    page_size_query_param = "page_size"
    max_page_size = 100

    def get_page_size(self, request: Request) -> int | None:
        asked = request.query_params.get(self.page_size_query_param)
        if asked is not None and not (asked.isdigit() and 1 <= int(asked) <= self.max_page_size):
            # DRF would fall back to 50 without a word.
            raise ApiError(
                gettext("Invalid page size: ask for 1 to %(most)d photos a page.") % {"most": self.max_page_size},
                code="invalid_page_size",
            )
        return super().get_page_size(request)

    def get_schema_operation_parameters(self, view):
        # The bounds the view enforces belong in the schema, so clients (and fuzzers) know them.
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_query_param:
                parameter["schema"]["minimum"] = 1
            elif parameter["name"] == self.page_size_query_param:
                parameter["schema"].update(minimum=1, maximum=self.max_page_size)
        return parameters

    def paginate_queryset(
        self, queryset: QuerySet[Photo], request: Request, view: APIView | None = None
    ) -> list[Photo] | None:
        # DRF reads an empty `?page=` as page 1 and "last" as the last page: the schema promises
        # an integer from 1, so both are refused like any other page that is no number.
        asked = request.query_params.get(self.page_query_param)
        try:
            if asked is not None and not asked.isdigit():
                raise NotFound
            return super().paginate_queryset(queryset, request, view)
        except NotFound:
            pages = self.django_paginator_class(queryset, self.get_page_size(request)).num_pages
            raise ApiError(
                gettext("Invalid page: ask for a page from 1 to %(pages)d.") % {"pages": pages}, code="invalid_page"
            ) from None


class PhotoViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = PhotoSerializer
    pagination_class = PhotoPagination
    parser_classes = [MultiPartParser]  # a file needs multipart; a urlencoded form can never carry one
    lookup_field = "public_id"
    lookup_value_regex = "[0-9a-f-]{36}"

    def get_permissions(self):
        # One photo's route answers 404 to anyone but its owner and staff, anonymous callers
        # included (the selector decides), rather than a 401 that confirms the route exists.
        # AllowAny (not an empty list) so the schema says so too: its security lists `{}`, no
        # credentials (schemathesis expected the 401 a token-only security promised).
        if self.action in ("retrieve", "destroy"):
            return [AllowAny()]
        return super().get_permissions()

    def get_queryset(self) -> QuerySet[Photo]:
        return selectors.photo_list_for_user(self.request.user).prefetch_related("faces__layers")

    @extend_schema(
        responses={
            200: PhotoSerializer(many=True),
            400: OpenApiResponse(
                ErrorSerializer,
                description="a page that is not a number or past the last (code invalid_page), or a page_size "
                "outside 1-100 (code invalid_page_size)",
            ),
            401: NOT_SIGNED_IN,
        }
    )
    def list(self, request: Request, *args, **kwargs) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(
        request=PhotoUploadSerializer,
        responses={
            201: PhotoCreatedSerializer,
            400: OpenApiResponse(
                ValidationErrorSerializer,
                description="the photo was refused: code empty_file, too_large, unsupported_format, "
                "too_many_pixels, animated, unreadable_image, too_small, invalid (no file sent, or a label "
                "over 120 characters), "
                "or one_photo_per_request",
            ),
            401: NOT_SIGNED_IN,
            429: OpenApiResponse(
                ErrorSerializer, description="upload limit reached (code rate_limited); Retry-After says when to retry"
            ),
            503: OpenApiResponse(
                ErrorSerializer,
                description="the database or the photo storage cannot be reached (code database_unavailable or "
                "storage_unavailable): nothing was kept; send the photo again after Retry-After",
            ),
        },
    )
    def create(self, request: Request) -> Response:
        if len(request.FILES.getlist("image")) > 1:  # DRF would keep the last and drop the rest unsaid
            raise ApiError(
                gettext("Send one photo per request; upload the others one by one."), code="one_photo_per_request"
            )
        upload = PhotoUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        intake = photo_services.photos_intake(
            request=request, uploads=[upload.validated_data["image"]], label=upload.validated_data.get("label")
        )
        if intake.wait is not None:
            refused = Throttled(detail=upload_limit_message(intake.wait))
            refused.wait = intake.wait  # for Retry-After; given to Throttled, DRF repeats the wait in its own words
            raise refused
        if intake.rejected:
            _, error = intake.rejected[0]
            raise ApiError(str(error), code=error.code) from error
        created = PhotoCreatedSerializer(intake.created[0], context={"request": request}).data
        return Response(created, status=status.HTTP_201_CREATED, headers={"Location": created["url"]})

    @extend_schema(responses={200: PhotoSerializer, 404: NOT_FOUND})
    def retrieve(self, request: Request, public_id: str | None = None) -> Response:
        photo = selectors.photo_for_user(request.user, public_id)
        access_record(photo=photo, reader=request.user, kind=AccessRecord.Kind.API)
        return Response(PhotoSerializer(photo, context=self.get_serializer_context()).data)

    @extend_schema(responses={204: None, 404: NOT_FOUND})
    def destroy(self, request: Request, public_id: str | None = None) -> Response:
        # Its owner may delete a photo under review too.
        photo_services.photo_delete(photo=selectors.photo_for_user(request.user, public_id, under_review=True))
        return Response(status=status.HTTP_204_NO_CONTENT)


class ExportView(APIView):
    """Take my data: one zip of the caller's photos, their results and every score."""

    @extend_schema(
        operation_id="export_retrieve",
        responses={
            (200, "application/zip"): OpenApiResponse(
                OpenApiTypes.BINARY,
                description="a zip: photos/<name>/ (the photo's label made a folder name: original, annotated, "
                "filters, each face's Grad-CAM and layers) and scores.json (every photo: id, folder, label, "
                "created, status, model_version, faces with box, score and percentile); streamed, so its "
                "length is not known in advance",
            ),
            401: NOT_SIGNED_IN,
        },
    )
    def get(self, request: Request) -> StreamingHttpResponse:
        return exporting.export_response(request.user)
