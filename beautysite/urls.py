from allauth.account.decorators import secure_admin_login
from allauth.mfa.totp.views import activate_totp
from csp.decorators import csp_update
from django.contrib import admin
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from scoring import languages

# The admin signs in through allauth's pages, which ask for the second factor (Django's own form would not).
admin.site.login = secure_admin_login(admin.site.login)

urlpatterns = [
    path("admin/", admin.site.urls),
    # allauth draws the authenticator app's QR code as a data: image.
    path("accounts/2fa/totp/activate/", csp_update({"img-src": ["data:"]})(activate_totp), name="mfa_activate_totp"),
    path("accounts/", include("allauth.urls")),
    path("i18n/setlang/", languages.set_language, name="set_language"),
    # The page scripts' words (gettext, ngettext, interpolate) in the page's language: a script
    # from our own origin, as the CSP wants.
    path("i18n/catalogue.js", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path(
        "api/docs/",
        # Swagger UI's stylesheet draws its icons as data: images.
        csp_update({"img-src": ["data:"]})(
            SpectacularSwaggerSplitView.as_view(url_name="schema", template_name="scoring/swagger_ui.html")
        ),
        name="api-docs",
    ),
    path("", include("scoring.urls")),
]

handler400 = "scoring.error_pages.bad_request"
handler403 = "scoring.error_pages.permission_denied"
handler404 = "scoring.error_pages.page_not_found"
handler500 = "scoring.error_pages.server_error"
