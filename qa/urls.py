from django.urls import path

from qa import views

app_name = "qa"

prefix = "projects/<code:code>/items/<number:number>/"
urlpatterns = [
    path(f"{prefix}tests/", views.case_add, name="case_add"),
    path(f"{prefix}tests/<number:case_id>/runs/", views.run_record, name="run_record"),
    path(f"{prefix}tests/<number:case_id>/remove/", views.case_retire, name="case_retire"),
    path(f"{prefix}signoff/", views.signoff, name="signoff"),
    path(f"{prefix}acceptance/", views.acceptance, name="acceptance"),
]
