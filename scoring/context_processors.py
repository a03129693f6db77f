"""Values every page's template may show."""

from django.conf import settings


def contact(request) -> dict:
    return {"contact_email": settings.CONTACT_EMAIL}
