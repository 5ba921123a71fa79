from django.urls import path

from . import booking_views, host_reach_views, host_slot_views, host_views, host_visit_views, views

app_name = "dialogues"
urlpatterns = [
    # Staff: find a slot, book it (alone or as a group), see and cancel bookings.
    path("", views.index, name="index"),
    path("mine/", views.mine, name="mine"),
    path("slots/<int:pk>/", booking_views.slot, name="slot"),
    path("slots/<int:pk>/book/", booking_views.book, name="book"),
    path("bookings/<int:pk>/cancel/", booking_views.cancel, name="cancel"),
    path("bookings/<int:pk>/withdraw/", booking_views.withdraw, name="withdraw"),
    path("concerns/", views.concerns, name="concerns"),
    path("calendar/", views.calendar, name="calendar"),
    path("calendar/<str:token>.ics", views.feed, name="feed"),
    path("slots/<int:pk>/invite.ics", views.slot_ics, name="slot_ics"),
    # Hosts (and administrators): offer slots, keep notes, visit directors, count reach.
    path("host/", host_views.dashboard, name="host"),
    path("host/slots/new/", host_views.add_slot, name="add_slot"),
    path("host/slots/recurring/", host_views.add_recurring, name="add_recurring"),
    path("host/slots/<int:pk>/", host_slot_views.manage_slot, name="manage_slot"),
    path("host/slots/<int:pk>/move/", host_slot_views.move, name="move"),
    path("host/slots/<int:pk>/cancel/", host_slot_views.cancel_slot, name="cancel_slot"),
    path("host/slots/<int:pk>/notes/", host_slot_views.notes, name="notes"),
    path("host/slots/<int:pk>/concerns/", host_slot_views.add_concern, name="add_concern"),
    path(
        "host/concerns/<int:pk>/publish/", host_slot_views.publish_concern, name="publish_concern"
    ),
    path("host/slots/<int:pk>/guests/", host_slot_views.guests, name="guests"),
    path("host/directors/", host_visit_views.directors, name="directors"),
    path(
        "host/directors/<int:pk>/schedule/", host_visit_views.schedule_visit, name="schedule_visit"
    ),
    path("host/directors/<int:pk>/visited/", host_visit_views.mark_visited, name="mark_visited"),
    path("visits/<int:pk>/propose/", views.propose_time, name="propose_time"),
    path("host/reach/", host_reach_views.reach, name="reach"),
    path("host/reach.csv", host_reach_views.reach_csv, name="reach_csv"),
]
