from django.urls import path

from journal import views

app_name = "journal"

urlpatterns = [
    path("journal/", views.global_journal, name="global"),
    path("projects/<code:code>/journal/", views.project_journal, name="project"),
    path("projects/<code:code>/items/<number:number>/journal/", views.item_journal, name="item"),
]
