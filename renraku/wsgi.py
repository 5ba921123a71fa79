"""The WSGI entry point: `renraku serve` runs it under gunicorn's threaded workers."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "renraku.settings")
application = get_wsgi_application()
