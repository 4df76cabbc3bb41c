from django.urls import path

from workplace import views

app_name = "workplace"

urlpatterns = [
    path("my-work/", views.my_work_page, name="my_work"),
    path("my-work/badge/", views.my_work_badge, name="badge"),
    path("search/", views.search, name="search"),
    path(
        "projects/<code:code>/items/filters/",
        views.saved_filter_create,
        name="filter_create",
    ),
    path(
        "projects/<code:code>/items/filters/<number:filter_id>/delete/",
        views.saved_filter_delete,
        name="filter_delete",
    ),
]
