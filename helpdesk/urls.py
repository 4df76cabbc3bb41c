from django.urls import path

from helpdesk import api, views

app_name = "helpdesk"

urlpatterns = [
    path("projects/<code:code>/tickets/", views.release_tickets, name="release"),
    path("projects/<code:code>/tickets/new/", views.release_ticket_create, name="release_create"),
    path(
        "projects/<code:code>/tickets/import/",
        views.release_tickets_import,
        name="release_import",
    ),
    path("helpdesk/", views.triage, name="triage"),
    path("helpdesk/new/", views.ticket_create, name="create"),
    path("helpdesk/import/", views.import_all, name="import"),
    # The help desk's endpoint (JSON, bearer token); a person's pages are below it.
    path("helpdesk/tickets/", api.tickets_post, name="post"),
    path("helpdesk/tickets/<int:pk>/", views.ticket_detail, name="detail"),
    path("helpdesk/tickets/<int:pk>/edit/", views.ticket_edit, name="edit"),
    path("helpdesk/tickets/<int:pk>/cause/", views.ticket_cause, name="cause"),
    path("helpdesk/tickets/<int:pk>/cause/unlink/", views.ticket_cause_unlink, name="cause_unlink"),
    path("helpdesk/tickets/<int:pk>/fix/", views.ticket_fix, name="fix"),
    path("helpdesk/tickets/<int:pk>/fix/unlink/", views.ticket_fix_unlink, name="fix_unlink"),
]
