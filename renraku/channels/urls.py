from django.urls import path

from . import hooks, views

app_name = "channels"
urlpatterns = [
    path("push/subscribe/", views.subscribe, name="subscribe"),
    path("push/unsubscribe/", views.unsubscribe, name="unsubscribe"),
    path("hooks/sms/incoming/", hooks.incoming_sms, name="incoming_sms"),
    path("hooks/voice/<str:token>/", hooks.voice_call, name="voice_call"),
]
