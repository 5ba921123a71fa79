from django.urls import path

from . import views

app_name = "drills"
urlpatterns = [
    path("", views.index, name="index"),
    path("schedule/", views.schedule_page, name="schedule"),
    path("scheduled/<int:pk>/cancel/", views.cancel, name="cancel"),
    path("trend/", views.trend_page, name="trend"),
    path("<int:pk>/", views.drill, name="drill"),
    path("reception/", views.reception_tests, name="reception"),
    path("reception/<int:pk>/", views.reception_report, name="reception_report"),
    path("reception/<int:pk>/export.csv", views.reception_csv, name="reception_csv"),
]
