from django.urls import include, path

from . import views

app_name = "bulletin"
urlpatterns = [
    path("", views.index, name="index"),
    path("mine/", views.mine, name="mine"),
    path("search/", views.search_page, name="search"),
    path("settings/", views.preferences, name="preferences"),
    path("new/", views.compose, name="compose"),
    path("series/<int:pk>/", views.series_index, name="series"),
    path("<int:pk>/", views.post_page, name="post"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/acknowledge/", views.acknowledge, name="acknowledge"),
    path("<int:pk>/comment/", views.comment, name="comment"),
    path("<int:pk>/react/", views.react, name="react"),
    path("<int:pk>/feedback/", views.feedback, name="feedback"),
    path("<int:pk>/follow/", views.follow, name="follow"),
    path("<int:pk>/follow/live/", views.follow_live, name="follow_live"),
    path("<int:pk>/remind/", views.remind, name="remind"),
    path("<int:pk>/export.csv", views.export, name="export"),
    path("<int:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("<int:pk>/attach/", views.attach, name="attach"),
    path("attachments/<int:pk>/remove/", views.detach, name="detach"),
    path("comments/<int:pk>/hide/", views.hide_comment, name="hide_comment"),
    path("", include("renraku.bulletin.video_urls")),
]
