from django.urls import path

from releases import views

app_name = "releases"

urlpatterns = [
    path("projects/<code:code>/reopen/", views.release_reopen, name="reopen"),
]
