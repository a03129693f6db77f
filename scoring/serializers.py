"""One JSON shape for a photo, shared by the status endpoint, the pages and the API."""

from rest_framework import serializers

from scoring.media import private_url
from scoring.models import Photo


def photo_as_dict(photo: Photo, request=None) -> dict:
    faces = []
    for face in photo.faces.all():
        faces.append(
            {
                "box": face.box,
                "score": round(face.score, 3),
                "percentile": round(face.percentile, 1),
                "grad_cam_url": private_url(face.grad_cam),
                "layers": [
                    {"name": layer.name, "shape": layer.shape, "url": private_url(layer.image)}
                    for layer in face.layers.all()
                ],
            }
        )
    return {
        "id": str(photo.public_id),
        "status": photo.status,
        "error": photo.error or None,
        "created": photo.created.isoformat(),
        "model_version": photo.model_version or None,
        "width": photo.width,
        "height": photo.height,
        "image_url": private_url(photo.image),
        "annotated_url": private_url(photo.annotated),
        "filters_url": private_url(photo.filters),
        "faces": faces,
    }


class PhotoUploadSerializer(serializers.Serializer):
    image = serializers.FileField()


class LayerSerializer(serializers.Serializer):
    name = serializers.CharField()
    shape = serializers.CharField(help_text="channels x height x width")
    url = serializers.CharField()


class FaceSerializer(serializers.Serializer):
    box = serializers.ListField(child=serializers.IntegerField(), help_text="x, y, width, height in pixels")
    score = serializers.FloatField(help_text="1-5")
    percentile = serializers.FloatField(help_text="share of the reference faces rated lower, 0-100")
    grad_cam_url = serializers.CharField()
    layers = LayerSerializer(many=True)


class PhotoSerializer(serializers.Serializer):
    """Documents the JSON of `photo_as_dict` for the OpenAPI schema (every field it returns)."""

    id = serializers.UUIDField()
    status = serializers.ChoiceField(choices=Photo.Status.choices)
    error = serializers.CharField(allow_null=True)
    created = serializers.DateTimeField()
    model_version = serializers.CharField(allow_null=True)
    width = serializers.IntegerField()
    height = serializers.IntegerField()
    image_url = serializers.CharField()
    annotated_url = serializers.CharField(help_text="empty until scored")
    filters_url = serializers.CharField(help_text="empty until scored")
    faces = FaceSerializer(many=True)

    def to_representation(self, instance):
        return photo_as_dict(instance, self.context.get("request"))
