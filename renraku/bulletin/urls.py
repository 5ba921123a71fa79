from django.urls import include, path

from . import figures_views, reading_views, writing_views

app_name = "bulletin"
urlpatterns = [
    path("", reading_views.index, name="index"),
    path("mine/", writing_views.mine, name="mine"),
    path("search/", reading_views.search_page, name="search"),
    path("settings/", reading_views.preferences, name="preferences"),
    path("new/", writing_views.compose, name="compose"),
    path("series/<int:pk>/", reading_views.series_index, name="series"),
    path("<int:pk>/", reading_views.post_page, name="post"),
    path("<int:pk>/edit/", writing_views.edit, name="edit"),
    path("<int:pk>/acknowledge/", reading_views.acknowledge, name="acknowledge"),
    path("<int:pk>/comment/", reading_views.comment, name="comment"),
    path("<int:pk>/react/", reading_views.react, name="react"),
    path("<int:pk>/feedback/", reading_views.feedback, name="feedback"),
    path("<int:pk>/follow/", figures_views.figures_page, name="figures"),
    path("<int:pk>/follow/live/", figures_views.figures_live, name="figures_live"),
    path("<int:pk>/remind/", figures_views.remind, name="remind"),
    path("<int:pk>/export.csv", figures_views.export, name="export"),
    path("<int:pk>/withdraw/", writing_views.withdraw, name="withdraw"),
    path("<int:pk>/attach/", writing_views.attach, name="attach"),
    path("attachments/<int:pk>/remove/", writing_views.detach, name="detach"),
    path("comments/<int:pk>/hide/", reading_views.hide_comment, name="hide_comment"),
    path("", include("renraku.bulletin.video_urls")),
]
