from django.urls import path

from planning import views

app_name = "planning"

urlpatterns = [
    path("projects/<code:code>/schedule/", views.schedule_page, name="schedule"),
    path("calendar/", views.calendar_page, name="calendar"),
    path("calendar/feed/", views.calendar_feed_page, name="feed"),
    path("calendar/feed/new/", views.calendar_feed_new, name="feed_new"),
    path("calendar/feed/revoke/", views.calendar_feed_delete, name="feed_revoke"),
    path("calendar/ical/<str:token>.ics", views.ical_feed, name="ical"),
]
