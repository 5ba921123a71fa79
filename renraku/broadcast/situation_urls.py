"""The headquarters' pages of an alert (renraku/broadcast/situation_views.py)."""

from django.urls import path

from . import situation_views as views

urlpatterns: list = [
    path("alerts/<int:pk>/situation/", views.situation_ward, name="situation"),
    path("alerts/<int:pk>/situation/print/", views.situation_print, name="situation_print"),
    path("alerts/<int:pk>/situation/<str:by>.csv", views.situation_csv, name="situation_csv"),
    path(
        "alerts/<int:pk>/situation/<str:area>/<str:code>/",
        views.situation_area,
        name="situation_area",
    ),
]
