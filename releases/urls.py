from django.urls import path

from releases import notes_views, views

app_name = "releases"

urlpatterns = [
    path("projects/<code:code>/reopen/", views.release_reopen, name="reopen"),
    path("projects/<code:code>/notes/", notes_views.release_notes, name="notes"),
]
