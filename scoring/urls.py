from django.urls import include, path
from rest_framework.routers import DefaultRouter

from scoring import api, views

app_name = "scoring"
router = DefaultRouter()
router.register("photos", api.PhotoViewSet, basename="photo")

urlpatterns = [
    path("", views.home, name="home"),
    path("about/", views.about, name="about"),
    path("upload/", views.upload, name="upload"),
    # Browsers ask for /favicon.ico whatever the page says; the icon lives with the static files.
    path("favicon.ico", views.favicon),
    path("history/", views.history, name="history"),
    path("history/status/", views.history_status, name="history_status"),
    path("history/chart/", views.history_chart, name="history_chart"),
    path("compare/", views.compare, name="compare"),
    path("photos/<uuid:public_id>/", views.photo_detail, name="photo"),
    path("photos/<uuid:public_id>/status/", views.photo_status, name="photo_status"),
    path("photos/<uuid:public_id>/delete/", views.photo_delete, name="photo_delete"),
    path("photos/<uuid:public_id>/label/", views.photo_label, name="photo_label"),
    path("photos/<uuid:public_id>/second-look/", views.photo_second_look, name="photo_second_look"),
    path("account/", views.account, name="account"),
    path("account/delete/", views.account_delete, name="account_delete"),
    path("account/time-zone/", views.account_time_zone, name="account_time_zone"),
    path("account/export/", views.export, name="export"),
    path("private-media/<path:name>", views.media, name="media"),
    path("api/export/", api.ExportView.as_view(), name="api_export"),
    path("api/", include(router.urls)),
]
