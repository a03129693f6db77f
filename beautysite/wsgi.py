import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "beautysite.settings")
application = get_wsgi_application()

from scoring.checks import refuse_unsafe_production_settings  # noqa: E402 (needs the app loaded)

refuse_unsafe_production_settings()
