"""The ticket pages: a release's tickets, the installation's list (triage), a ticket with its
links and history, and the forms that record, import, edit and link (POST only)."""

from datetime import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from helpdesk import services
from helpdesk.forms import CauseForm, FixForm, ImportForm, SeenForm, TicketFieldsForm, TicketForm
from helpdesk.imports import (
    CSV_MAX_BYTES,
    ImportRefused,
    csv_records,
    links_resolve,
    ticket_values_resolve,
    tickets_import,
)
from helpdesk.journal import ticket_history_entries
from helpdesk.selectors import (
    TicketAccess,
    ticket_for_user,
    ticket_history,
    ticket_page_links,
    tickets_for_triage,
    tickets_of_release,
    user_manages_a_release,
)
from items.views import form_error
from projects.access import Access, project_access
from projects.roles import MANAGE

PAGE_SIZE = 50
ONLY_ADMINISTRATORS = _("Only administrators import tickets for the whole installation.")

# Errors about a batch's columns, shown on the form's fields of the same name.
_FORM_FIELD = {"caused_by_change": "caused_by_item", "fixed_by_change": "fixes_item"}


def _page(request: HttpRequest, tickets) -> object:
    return Paginator(tickets, PAGE_SIZE).get_page(request.GET.get("page"))


# --- A release's tickets ---------------------------------------------------------------------


def _release_page(
    request: HttpRequest,
    access: Access,
    *,
    form: TicketForm | None = None,
    import_errors: list | None = None,
    status: int = 200,
) -> HttpResponse:
    code = access.project.code
    can_manage = access.can_manage
    context = {
        "project": access.project,
        "access": access,
        "page": _page(request, tickets_of_release(project=access.project)),
        "form": form or (TicketForm(initial={"caused_by_release": code}) if can_manage else None),
        "import_form": ImportForm() if can_manage else None,
        "import_errors": import_errors or [],
        "create_url": reverse("helpdesk:release_create", kwargs={"code": code}),
        "import_url": reverse("helpdesk:release_import", kwargs={"code": code}),
    }
    return render(request, "helpdesk/release_tickets.html", context, status=status)


@require_GET
def release_tickets(request: HttpRequest, code: str) -> HttpResponse:
    return _release_page(request, project_access(user=request.user, code=code))


@require_POST
def release_ticket_create(request: HttpRequest, code: str) -> HttpResponse:
    access = project_access(user=request.user, code=code, right=MANAGE)
    form = TicketForm(request.POST)
    ticket, status = _create(request, form)
    if ticket is None:
        return _release_page(request, access, form=form, status=status)
    return redirect(ticket.get_absolute_url())


@require_POST
def release_tickets_import(request: HttpRequest, code: str) -> HttpResponse:
    access = project_access(user=request.user, code=code, right=MANAGE)
    errors, status = _import(request)
    if errors:
        return _release_page(request, access, import_errors=errors, status=status)
    return redirect("helpdesk:release", code=code)


# --- The installation's tickets (triage) -------------------------------------------------------


def _triage_page(
    request: HttpRequest,
    *,
    form: TicketForm | None = None,
    import_errors: list | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    context = {
        "page": _page(request, tickets_for_triage(user=user)),
        "form": form or (TicketForm() if user_manages_a_release(user=user) else None),
        "import_form": ImportForm() if user.is_superuser else None,
        "import_errors": import_errors or [],
        "create_url": reverse("helpdesk:create"),
        "import_url": reverse("helpdesk:import"),
    }
    return render(request, "helpdesk/triage.html", context, status=status)


@require_GET
def triage(request: HttpRequest) -> HttpResponse:
    return _triage_page(request)


@require_POST
def ticket_create(request: HttpRequest) -> HttpResponse:
    if not user_manages_a_release(user=request.user):
        raise PermissionDenied(services.NOT_A_MANAGER)
    form = TicketForm(request.POST)
    ticket, status = _create(request, form)
    if ticket is None:
        return _triage_page(request, form=form, status=status)
    return redirect(ticket.get_absolute_url())


@require_POST
def import_all(request: HttpRequest) -> HttpResponse:
    if not request.user.is_superuser:
        raise PermissionDenied(ONLY_ADMINISTRATORS)
    errors, status = _import(request)
    if errors:
        return _triage_page(request, import_errors=errors, status=status)
    return redirect("helpdesk:triage")


def _create(request: HttpRequest, form: TicketForm) -> tuple[object | None, int]:
    """Record the form's ticket; (None, status) with the form's errors when refused."""
    if not form.is_valid():
        return None, 400
    try:
        values = ticket_values_resolve(user=request.user, fields=form.cleaned_data)
        ticket = services.ticket_create(user=request.user, values=values)
    except ImportRefused as refused:
        for error in refused.errors:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        return None, 400
    except services.TicketError as error:
        field = _FORM_FIELD.get(error.field, error.field)
        form.add_error(field if field in form.fields else None, error.message)
        return None, error.status_code
    messages.success(
        request, gettext("Ticket {reference} recorded.").format(reference=ticket.reference)
    )
    return ticket, 200


def _import(request: HttpRequest) -> tuple[list, int]:
    """Import the uploaded file; (errors, status) when refused, nothing written."""
    form = ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return [form_error(form)], 400
    upload = form.cleaned_data["file"]
    try:
        records = csv_records(data=upload.read(CSV_MAX_BYTES + 1))
        result = tickets_import(user=request.user, records=records, origin=services.ORIGIN_IMPORT)
    except ImportRefused as refused:
        count = len(refused.errors)
        messages.error(
            request,
            ngettext(
                "Nothing was imported: the file has {count} error.",
                "Nothing was imported: the file has {count} errors.",
                count,
            ).format(count=count),
        )
        # Refused only for want of a right: 403; for anything wrong in the file: 400.
        forbidden = all(e.status == 403 for e in refused.errors)
        return [str(e) for e in refused.errors], 403 if forbidden else 400
    messages.success(request, gettext("Imported: {result}").format(result=result))
    return [], 200


# --- One ticket --------------------------------------------------------------------------------


def _ticket_page(
    request: HttpRequest,
    found: TicketAccess,
    *,
    forms: dict | None = None,
    status: int = 200,
) -> HttpResponse:
    ticket = found.ticket
    user = request.user
    forms = forms or {}
    context = {
        "ticket": ticket,
        "can_change": found.can_change,
        "links": ticket_page_links(user=user, ticket=ticket),
        "history": ticket_history_entries(user=user, rows=ticket_history(ticket=ticket)),
        "seen": ticket.updated_at.isoformat(),
    }
    if found.can_change:
        context |= {
            "edit_form": forms.get("edit")
            or TicketFieldsForm(
                initial={
                    "kind": ticket.kind,
                    "title": ticket.title,
                    "opened_at": ticket.opened_at,
                    "resolved_at": ticket.resolved_at,
                },
                prefix="edit",
            ),
            "cause_form": forms.get("cause") or CauseForm(prefix="cause"),
            "fix_form": forms.get("fix") or FixForm(prefix="fix"),
        }
    return render(request, "helpdesk/ticket_detail.html", context, status=status)


@require_GET
def ticket_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _ticket_page(request, ticket_for_user(user=request.user, pk=pk))


def _changeable(request: HttpRequest, pk: int) -> TicketAccess:
    """The ticket (404 for those who may not see it), 403 for those who may not change it."""
    found = ticket_for_user(user=request.user, pk=pk)
    if not found.can_change:
        raise PermissionDenied(services.MAY_NOT_CHANGE)
    return found


def _write(request: HttpRequest, pk: int, name: str, form, write) -> HttpResponse:
    """Validate `form`, run `write` and go back to the ticket; a refusal shows the ticket page
    with the form's errors and the status that says why, nothing changed."""
    found = _changeable(request, pk)
    status = 400
    seen = SeenForm(request.POST)
    if not seen.is_valid():
        messages.error(request, form_error(seen))
    elif form is None or form.is_valid():
        try:
            data = form.cleaned_data if form is not None else {}
            done = write(data, seen.cleaned_data["seen"])
        except ImportRefused as refused:
            for error in refused.errors:
                form.add_error(error.field if error.field in form.fields else None, error.message)
        except services.TicketError as error:
            status = error.status_code
            if form is not None and error.field:
                field = _FORM_FIELD.get(error.field, error.field)
                form.add_error(field if field in form.fields else None, error.message)
            else:
                messages.error(request, error.message)
        else:
            messages.success(request, done)
            return redirect(found.ticket.get_absolute_url())
    refreshed = ticket_for_user(user=request.user, pk=pk)
    return _ticket_page(request, refreshed, forms={name: form} if form else {}, status=status)


@require_POST
def ticket_edit(request: HttpRequest, pk: int) -> HttpResponse:
    def write(data: dict, seen: datetime | None) -> str:
        services.ticket_update(user=request.user, ticket_id=pk, seen=seen, **data)
        return gettext("Ticket saved.")

    return _write(request, pk, "edit", TicketFieldsForm(request.POST, prefix="edit"), write)


@require_POST
def ticket_cause(request: HttpRequest, pk: int) -> HttpResponse:
    def write(data: dict, seen: datetime | None) -> str:
        release, change, _ = links_resolve(user=request.user, **data)
        services.ticket_link_cause(
            user=request.user, ticket_id=pk, release=release, change=change, seen=seen
        )
        return gettext("Cause linked.")

    return _write(request, pk, "cause", CauseForm(request.POST, prefix="cause"), write)


@require_POST
def ticket_cause_unlink(request: HttpRequest, pk: int) -> HttpResponse:
    def write(data: dict, seen: datetime | None) -> str:
        services.ticket_link_cause(user=request.user, ticket_id=pk, release=None, seen=seen)
        return gettext("Cause unlinked.")

    return _write(request, pk, "", None, write)


@require_POST
def ticket_fix(request: HttpRequest, pk: int) -> HttpResponse:
    def write(data: dict, seen: datetime | None) -> str:
        _, _, fix = links_resolve(user=request.user, **data)
        services.ticket_link_fix(user=request.user, ticket_id=pk, change=fix, seen=seen)
        return gettext("Fix linked.")

    return _write(request, pk, "fix", FixForm(request.POST, prefix="fix"), write)


@require_POST
def ticket_fix_unlink(request: HttpRequest, pk: int) -> HttpResponse:
    def write(data: dict, seen: datetime | None) -> str:
        services.ticket_link_fix(user=request.user, ticket_id=pk, change=None, seen=seen)
        return gettext("Fix unlinked.")

    return _write(request, pk, "", None, write)
