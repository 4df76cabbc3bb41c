from django.urls import path

from measurement import views

app_name = "measurement"

urlpatterns = [
    path("overview/", views.overview_page, name="overview"),
]
