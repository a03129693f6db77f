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


class FaceSerializer(serializers.Serializer):
    box = serializers.ListField(child=serializers.IntegerField())
    score = serializers.FloatField()
    percentile = serializers.FloatField()


class PhotoSerializer(serializers.Serializer):
    """Documents the JSON of `photo_as_dict` for the OpenAPI schema."""

    id = serializers.UUIDField()
    status = serializers.ChoiceField(choices=Photo.Status.choices)
    error = serializers.CharField(allow_null=True)
    faces = FaceSerializer(many=True)

    def to_representation(self, instance):
        return photo_as_dict(instance, self.context.get("request"))
