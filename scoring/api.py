"""JSON API: the same services and selectors as the pages."""

from drf_spectacular.utils import extend_schema
from rest_framework import status, viewsets
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from scoring import selectors
from scoring.images import UploadRejected
from scoring.limits import UPLOAD_LIMIT_MESSAGE, upload_limit_reached
from scoring.serializers import PhotoSerializer, PhotoUploadSerializer
from scoring.services import photos as photo_services


class PhotoViewSet(viewsets.ViewSet):
    parser_classes = [MultiPartParser, FormParser]
    lookup_field = "public_id"
    lookup_value_regex = "[0-9a-f-]{36}"

    def get_permissions(self):
        # One photo's route answers 404 to anyone but its owner and staff, anonymous callers
        # included (the selector decides), rather than a 401 that confirms the route exists.
        if self.action in ("retrieve", "destroy"):
            return []
        return super().get_permissions()

    @extend_schema(responses=PhotoSerializer(many=True))
    def list(self, request):
        photos = selectors.photo_list_for_user(request.user).prefetch_related("faces__layers")
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(photos, request, view=self)
        return paginator.get_paginated_response(PhotoSerializer(page, many=True, context={"request": request}).data)

    @extend_schema(request=PhotoUploadSerializer, responses={201: PhotoSerializer})
    def create(self, request):
        upload = PhotoUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        if upload_limit_reached(request):
            return Response({"detail": UPLOAD_LIMIT_MESSAGE}, status=status.HTTP_429_TOO_MANY_REQUESTS)
        try:
            photo = photo_services.photo_create(owner=request.user, upload=upload.validated_data["image"])
        except UploadRejected as error:
            return Response({"detail": str(error)}, status=status.HTTP_400_BAD_REQUEST)
        return Response({"id": str(photo.public_id), "status": photo.status}, status=status.HTTP_201_CREATED)

    @extend_schema(responses=PhotoSerializer)
    def retrieve(self, request, public_id=None):
        return Response(
            PhotoSerializer(selectors.photo_for_user(request.user, public_id), context={"request": request}).data
        )

    @extend_schema(responses={204: None})
    def destroy(self, request, public_id=None):
        photo_services.photo_delete(selectors.photo_for_user(request.user, public_id))
        return Response(status=status.HTTP_204_NO_CONTENT)
