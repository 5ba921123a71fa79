from django.urls import path

from . import answers, facility_views, status_views, views

app_name = "mobilise"
urlpatterns = [
    path("", views.index, name="index"),
    path("start/", views.start, name="start"),
    path("<int:pk>/", status_views.status, name="status"),
    path("<int:pk>/posts/<str:code>/", status_views.place, {"by": "site"}, name="post"),
    path("<int:pk>/teams/<str:code>/", status_views.place, {"by": "team"}, name="team"),
    path("<int:pk>/family/<str:number>/", status_views.family, name="family"),
    path("<int:pk>/raise/", views.raise_level, name="raise"),
    path("<int:pk>/stand-down/", views.stand_down, name="stand_down"),
    path("<int:pk>/assign/", views.assign, name="assign"),
    path("<int:pk>/posts/<str:site_code>/arrive/", views.arrive, name="arrive"),
    path("<int:pk>/posts/<str:site_code>/qr/", views.poster, name="poster"),
    path("<int:pk>/sites/", facility_views.sites, name="sites"),
    path("<int:pk>/sites/<str:site_code>/", facility_views.site_report, name="site_report"),
    path("<int:pk>/site-reports/<int:report_id>/photo/", facility_views.photo, name="site_photo"),
    path("a/<str:token>/", answers.answer, name="answer"),
]
