import os

from django.contrib import admin
from django.urls import include, path

from renraku.web import views

# Japanese, styled error pages that need neither the user nor the database (web/errors.py).
handler400 = "renraku.web.errors.bad_request"
handler403 = "renraku.web.errors.forbidden"
handler404 = "renraku.web.errors.not_found"
handler500 = "renraku.web.errors.server_error"

urlpatterns = [
    path("", views.home, name="home"),
    path("manifest.webmanifest", views.manifest, name="manifest"),
    path("sw.js", views.service_worker, name="service_worker"),
    path("offline/", views.offline, name="offline"),
    path("healthz", views.healthz, name="healthz"),
    path("", include("renraku.monitoring.urls")),
    path("accounts/", include("renraku.accounts.urls")),
    path("directory/", include("renraku.directory.urls")),
    path("audit/", include("renraku.accounts.audit_urls")),
    path("feeds/", include("renraku.feeds.urls")),
    path("bulletin/", include("renraku.bulletin.urls")),
    path("dialogues/", include("renraku.dialogues.urls")),
    path("mobilise/", include("renraku.mobilise.urls")),
    path("drills/", include("renraku.drills.urls")),
    path("readiness/", include("renraku.readiness.urls")),
    path("", include("renraku.broadcast.urls")),
    path("", include("renraku.channels.urls")),
    path("", include("renraku.notices.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include("renraku.api.urls")),
    path("admin/", admin.site.urls),
]

# The benchmarks' floor (renraku/web/floor.py), first so that resolving it costs least;
# routed only when a benchmark starts the server with RENRAKU_BENCHMARK_FLOOR=1.
if os.environ.get("RENRAKU_BENCHMARK_FLOOR") == "1":
    from renraku.web import floor

    urlpatterns.insert(0, path("_floor/", floor.floor, name="benchmark_floor"))
