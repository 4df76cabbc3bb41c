from django.urls import path

from projects import views

app_name = "projects"

urlpatterns = [
    path("", views.project_list, name="list"),
    path("new/", views.project_create, name="create"),
    path("<code:code>/", views.project_detail, name="detail"),
    path("<code:code>/edit/", views.project_edit, name="edit"),
    path("<code:code>/members/add/", views.member_add, name="member_add"),
    path(
        "<code:code>/members/<number:member_id>/remove/", views.member_remove, name="member_remove"
    ),
]
