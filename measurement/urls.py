from django.urls import path

from measurement import views

app_name = "measurement"

urlpatterns = [
    path("overview/", views.overview_page, name="overview"),
    path("kpis/", views.kpi_page, name="kpis"),
    path("projects/<code:code>/kpis/", views.release_kpi_page, name="release_kpis"),
]
