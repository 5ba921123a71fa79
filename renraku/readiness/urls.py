from django.urls import path

from . import views

app_name = "readiness"
urlpatterns = [
    path("", views.office, name="office"),
    path("departments/<str:code>/", views.department, name="department"),
]
