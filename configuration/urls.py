from django.urls import path

from configuration import views

app_name = "configuration"

item = "projects/<code:code>/items/<number:number>/"

urlpatterns = [
    path("configuration-items/", views.catalogue, name="catalogue"),
    path(f"{item}dependencies/", views.dependency_add, name="dependency_add"),
    path(f"{item}dependencies/<int:pk>/remove/", views.dependency_remove, name="dependency_remove"),
    path(f"{item}configuration-items/", views.ci_add, name="ci_add"),
    path(f"{item}configuration-items/<int:pk>/remove/", views.ci_remove, name="ci_remove"),
]
