from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from items.engine import EngineError
from items.views import form_error, item_or_404, render_item_page
from projects.access import READ_ONLY, project_access
from projects.roles import Role
from qa import services
from qa.forms import AcceptanceForm, RetireForm, SignoffForm, TestCaseForm, TestRunForm


def _handle(request: HttpRequest, code: str, number: int, form_class, write, done: str):
    """Validate `form_class`, call `write(access, item, data)`, answer like the item page."""
    access = project_access(user=request.user, code=code)
    # Approvers hold no project rights but decide acceptance: only viewers are read-only here.
    if not (access.can_write or access.role == Role.APPROVER):
        raise PermissionDenied(READ_ONLY)
    item = item_or_404(access, number)
    form = form_class(request.POST)
    if not form.is_valid():
        messages.error(request, form_error(form))
        return render_item_page(request, access, item, status=400)
    try:
        write(access, item, form.cleaned_data)
    except EngineError as error:
        messages.error(request, error.message)
        return render_item_page(
            request, access, item_or_404(access, number), status=error.status_code
        )
    messages.success(request, done.format(key=item.key))
    return redirect(f"{item.get_absolute_url()}#qa")


@require_POST
def case_add(request: HttpRequest, code: str, number: int) -> HttpResponse:
    return _handle(
        request,
        code,
        number,
        TestCaseForm,
        lambda access, item, data: services.qa_case_add(
            access=access, item_id=item.pk, fields=data
        ),
        _("Test case added to {key}."),
    )


@require_POST
def case_retire(request: HttpRequest, code: str, number: int, case_id: int) -> HttpResponse:
    return _handle(
        request,
        code,
        number,
        RetireForm,
        lambda access, item, data: services.qa_case_retire(
            access=access, item_id=item.pk, test_case_id=case_id, reason=data["reason"]
        ),
        _("Test case removed from {key}; its runs stay in the journal."),
    )


@require_POST
def run_record(request: HttpRequest, code: str, number: int, case_id: int) -> HttpResponse:
    return _handle(
        request,
        code,
        number,
        TestRunForm,
        lambda access, item, data: services.qa_run_record(
            access=access, item_id=item.pk, test_case_id=case_id, fields=data
        ),
        _("Test run recorded on {key}."),
    )


@require_POST
def signoff(request: HttpRequest, code: str, number: int) -> HttpResponse:
    return _handle(
        request,
        code,
        number,
        SignoffForm,
        lambda access, item, data: services.qa_signoff(
            access=access, item_id=item.pk, round=data["round"], comment=data["comment"]
        ),
        _("{key} signed off."),
    )


@require_POST
def acceptance(request: HttpRequest, code: str, number: int) -> HttpResponse:
    return _handle(
        request,
        code,
        number,
        AcceptanceForm,
        lambda access, item, data: services.qa_acceptance_decide(
            access=access,
            item_id=item.pk,
            round=data["round"],
            decision=data["decision"],
            reason=data["reason"],
        ),
        _("Acceptance decision recorded on {key}."),
    )
