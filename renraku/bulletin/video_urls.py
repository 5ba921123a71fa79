"""Attachments' files and the video player's reports (renraku/bulletin/video_views.py),
included under /bulletin/ in the bulletin's namespace."""

from django.urls import path

from . import video_views as views

urlpatterns: list = [
    path("attachments/<int:pk>/file", views.stream, name="attachment_file"),
    path("attachments/<int:pk>/download", views.download, name="attachment_download"),
    path("attachments/<int:pk>/progress", views.progress, name="video_progress"),
]
