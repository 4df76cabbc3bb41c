from django.urls import path

from notifications import views

app_name = "notifications"

urlpatterns = [
    path("notifications/", views.preferences, name="preferences"),
    path("projects/<code:code>/items/<number:number>/watch/", views.item_watch, name="item_watch"),
    path("projects/<code:code>/notifications/", views.release_mailing, name="release_mailing"),
]
