"""The wall display and other read-only display links (renraku/broadcast/wall_views.py)."""

from django.urls import path

from . import wall_views as views

urlpatterns: list = [
    # One address, two names: GET lists an alert's links, POST makes one.
    path("alerts/<int:pk>/displays/", views.displays, name="displays"),
    path("alerts/<int:pk>/displays/", views.displays, name="display_create"),
    path(
        "alerts/<int:pk>/displays/<int:link_id>/revoke/",
        views.display_revoke,
        name="display_revoke",
    ),
    path(
        "alerts/<int:pk>/displays/department-heads/",
        views.display_send_heads,
        name="display_send_heads",
    ),
    path("wall/<str:token>/", views.wall_page, name="wall"),
    path("wall/<str:token>/live/", views.wall_live, name="wall_live"),
]
