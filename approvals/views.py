from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from approvals import services
from approvals.forms import ReleaseVoteForm, VoteForm
from approvals.selectors import (
    emergencies_for_project,
    emergencies_owed_to,
    items_waiting_for_approval,
    roles_by_project,
)
from items.engine import EngineError
from items.views import form_error, item_or_404, render_item_page
from projects.access import project_access
from projects.views import render_project_page


@require_POST
def item_vote(request: HttpRequest, code: str, number: int) -> HttpResponse:
    access = project_access(user=request.user, code=code)
    item = item_or_404(access, number)
    form = VoteForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_error(form))
        return render_item_page(request, access, item, status=400)
    data = form.cleaned_data
    try:
        approval = services.approval_vote(
            access=access,
            item_id=item.pk,
            to_state_id=data["to_state"],
            round=data["round"],
            vote=data["vote"],
            comment=data["comment"],
            from_state_id=data["from_state"],
        )
    except EngineError as error:
        messages.error(request, error.message)
        return render_item_page(
            request, access, item_or_404(access, number), status=error.status_code
        )
    messages.success(
        request,
        _("{vote}: {key}.").format(vote=approval.get_vote_display(), key=item.key),
    )
    if request.POST.get("origin") == "waiting":
        return redirect("approvals:waiting")
    return redirect(item.get_absolute_url())


@require_POST
def item_vote_withdraw(request: HttpRequest, code: str, number: int, approval_id: int):
    access = project_access(user=request.user, code=code)
    item = item_or_404(access, number)
    try:
        services.approval_withdraw(access=access, item_id=item.pk, approval_id=approval_id)
    except EngineError as error:
        messages.error(request, error.message)
        return render_item_page(request, access, item, status=error.status_code)
    messages.success(request, _("Your vote on {key} was withdrawn.").format(key=item.key))
    return redirect(item.get_absolute_url())


@require_GET
def waiting(request: HttpRequest) -> HttpResponse:
    roles = roles_by_project(user=request.user)
    context = {
        "items": items_waiting_for_approval(user=request.user, roles=roles),
        "emergencies": emergencies_owed_to(user=request.user, roles=roles),
    }
    return render(request, "approvals/waiting.html", context)


@require_GET
def emergencies(request: HttpRequest, code: str) -> HttpResponse:
    access = project_access(user=request.user, code=code)
    context = {
        "access": access,
        "project": access.project,
        "emergencies": emergencies_for_project(project=access.project),
    }
    return render(request, "approvals/emergencies.html", context)


@require_POST
def release_vote(request: HttpRequest, code: str) -> HttpResponse:
    access = project_access(user=request.user, code=code)
    form = ReleaseVoteForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_error(form))
        return render_project_page(request, access, status=400)
    try:
        services.release_vote(
            access=access, vote=form.cleaned_data["vote"], comment=form.cleaned_data["comment"]
        )
    except EngineError as error:
        messages.error(request, error.message)
        return render_project_page(request, access, status=error.status_code)
    messages.success(request, _("Your vote on the release {code} was recorded.").format(code=code))
    return redirect("projects:detail", code=code)


@require_POST
def release_withdraw(request: HttpRequest, code: str, approval_id: int) -> HttpResponse:
    access = project_access(user=request.user, code=code)
    try:
        services.release_withdraw(access=access, approval_id=approval_id)
    except EngineError as error:
        messages.error(request, error.message)
        return render_project_page(request, access, status=error.status_code)
    messages.success(request, _("Your vote was withdrawn."))
    return redirect("projects:detail", code=code)
