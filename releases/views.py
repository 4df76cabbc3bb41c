"""The release level's pages: reopening a release (its readiness shows on the project page)."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from projects.access import project_access
from projects.roles import MANAGE
from projects.views import render_project_page
from releases import services
from releases.forms import ReopenForm


@require_POST
def release_reopen(request: HttpRequest, code: str) -> HttpResponse:
    access = project_access(user=request.user, code=code, right=MANAGE)
    form = ReopenForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return render_project_page(request, access, status=400, reopen_form=form)
    try:
        project = services.release_reopen(access=access, reason=form.cleaned_data["reason"])
    except services.ProjectError as error:
        messages.error(request, error.message)
        return render_project_page(request, access, status=error.status_code, reopen_form=form)
    reopened = services.REOPENED[project.lifecycle]
    messages.success(request, gettext(reopened).format(code=code))
    return redirect(project)
