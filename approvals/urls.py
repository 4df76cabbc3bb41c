from django.urls import path

from approvals import views

app_name = "approvals"

urlpatterns = [
    path("approvals/", views.waiting, name="waiting"),
    path("projects/<code:code>/emergencies/", views.emergencies, name="emergencies"),
    path("projects/<code:code>/release-approval/", views.release_vote, name="release_vote"),
    path(
        "projects/<code:code>/release-approval/<number:approval_id>/withdraw/",
        views.release_withdraw,
        name="release_withdraw",
    ),
    path("projects/<code:code>/items/<number:number>/approvals/", views.item_vote, name="vote"),
    path(
        "projects/<code:code>/items/<number:number>/approvals/<number:approval_id>/withdraw/",
        views.item_vote_withdraw,
        name="withdraw",
    ),
]
