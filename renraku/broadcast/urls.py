from django.urls import include, path

from . import answer_views, phone_hooks, views

app_name = "broadcast"
urlpatterns = [
    path("alerts/", views.alert_list, name="list"),
    path("alerts/new/", views.compose, name="compose"),
    path("alerts/<int:pk>/", views.dashboard, name="dashboard"),
    path("alerts/<int:pk>/close/", views.close, name="close"),
    path("alerts/<int:pk>/follow-up/", views.remind_unanswered, name="remind_unanswered"),
    path("alerts/<int:pk>/correct/", views.correct, name="correct"),
    path("alerts/<int:pk>/export.csv", views.export, name="export"),
    path("alerts/<int:pk>/report/", views.report, name="report"),
    path("a/<str:token>/", answer_views.answer, name="answer"),
    # The SMS and voice provider's webhooks: someone answering an alert.
    path("hooks/sms/incoming/", phone_hooks.incoming_sms, name="incoming_sms"),
    path("hooks/voice/<str:token>/", phone_hooks.voice_call, name="voice_call"),
    path("", include("renraku.broadcast.situation_urls")),
    path("", include("renraku.broadcast.wall_urls")),
]
