from django.urls import path

from . import views

app_name = "channels"
urlpatterns = [
    path("push/subscribe/", views.subscribe, name="subscribe"),
    path("push/unsubscribe/", views.unsubscribe, name="unsubscribe"),
]
