from django.urls import path

from . import views

app_name = "notices"
urlpatterns = [
    path("push/shown/", views.receipt, name="receipt"),
]
