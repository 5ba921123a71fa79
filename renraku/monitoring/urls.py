from django.urls import path

from . import views

urlpatterns = [
    # /healthz itself (renraku/web/views.py) stays the liveness probe: see views.ready.
    path("healthz/ready", views.ready, name="healthz_ready"),
    path("metrics", views.metrics, name="metrics"),
]
