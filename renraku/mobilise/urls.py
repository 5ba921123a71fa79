from django.urls import path

from . import answers, views

app_name = "mobilise"
urlpatterns = [
    path("", views.index, name="index"),
    path("start/", views.start, name="start"),
    path("<int:pk>/", views.status, name="status"),
    path("<int:pk>/raise/", views.raise_level, name="raise"),
    path("<int:pk>/stand-down/", views.stand_down, name="stand_down"),
    path("<int:pk>/assign/", views.assign, name="assign"),
    path("<int:pk>/posts/<str:site_code>/arrive/", views.arrive, name="arrive"),
    path("<int:pk>/posts/<str:site_code>/qr/", views.poster, name="poster"),
    path("a/<str:token>/", answers.answer, name="answer"),
]
