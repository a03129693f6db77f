from django.urls import include, path
from rest_framework.routers import DefaultRouter

from scoring import api, views

app_name = "scoring"
router = DefaultRouter()
router.register("photos", api.PhotoViewSet, basename="photo")

urlpatterns = [
    path("", views.upload, name="upload"),
    path("history/", views.history, name="history"),
    path("compare/", views.compare, name="compare"),
    path("photos/<uuid:public_id>/", views.photo_detail, name="photo"),
    path("photos/<uuid:public_id>/status/", views.photo_status, name="photo_status"),
    path("photos/<uuid:public_id>/delete/", views.photo_delete, name="photo_delete"),
    path("account/delete/", views.account_delete, name="account_delete"),
    path("private-media/<path:name>", views.media, name="media"),
    path("api/", include(router.urls)),
]
