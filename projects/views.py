from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from approvals.selectors import release_panel
from configuration.selectors import release_configuration_items
from planning.freezes import freeze_banner
from planning.gates import freeze_gate_windows
from planning.schedule import schedule_rows_for_project
from projects import services
from projects.access import Access, project_access
from projects.filters import ProjectFilter
from projects.forms import MemberAddForm, ProjectForm
from projects.roles import MANAGE
from projects.selectors import project_members, projects_for_user
from projects.tables import ProjectTable
from releasemgmt.exports import table_export_response
from releasemgmt.pagination import table_configure
from releases.forms import ReopenForm
from releases.selectors import release_readiness

NO_RIGHT_TO_CREATE = gettext_lazy("You may not create release projects; ask an administrator.")
PROJECTS_PER_PAGE = 25


@require_GET
def project_list(request: HttpRequest) -> HttpResponse:
    project_filter = ProjectFilter(request.GET, queryset=projects_for_user(user=request.user))
    table = ProjectTable(project_filter.qs)
    page_error = table_configure(request=request, table=table, per_page=PROJECTS_PER_PAGE)
    export = table_export_response(request=request, table=table, filename_stem="release-projects")
    if export is not None:
        return export
    context = {
        "filter": project_filter,
        "table": table,
        "can_create": request.user.has_perm("projects.add_releaseproject"),
    }
    if page_error:
        messages.error(request, page_error)
    # Like the items list: the page still shows, with the bad filter or page size ignored.
    status = 400 if project_filter.form.errors or page_error else 200
    return render(request, "projects/project_list.html", context, status=status)


@require_http_methods(["GET", "POST"])
def project_create(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("projects.add_releaseproject"):
        raise PermissionDenied(NO_RIGHT_TO_CREATE)
    form = ProjectForm(request.POST or None, initial={"release_manager": request.user})
    status = 400 if request.method == "POST" else 200
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            project = services.project_create(
                actor=request.user, code=data.pop("code"), fields=data
            )
        except services.ProjectError as error:
            form.add_error(None, error.message)
            status = error.status_code
        else:
            messages.success(request, _("Created {code}.").format(code=project.code))
            return redirect(project)
    return render(request, "projects/project_form.html", {"form": form}, status=status)


def _detail_context(
    access: Access,
    member_form: MemberAddForm | None = None,
    reopen_form: ReopenForm | None = None,
) -> dict:
    read_only = bool(access.read_only_reason)
    release = release_panel(access=access)
    # A released, closed or cancelled release shows how to reopen it instead.
    readiness = None if read_only else release_readiness(access=access)
    return {
        "access": access,
        "project": access.project,
        "members": project_members(project=access.project),
        "member_form": member_form or (MemberAddForm() if access.can_manage else None),
        "release": release,
        "readiness": readiness,
        "reopen_form": (reopen_form or ReopenForm()) if read_only and access.can_manage else None,
        # The readiness's freeze gate may have read the windows already: the banner reuses them.
        "freeze": freeze_banner(
            project=access.project,
            windows=freeze_gate_windows(readiness.policy if readiness else None),
        ),
        "schedule": schedule_rows_for_project(project=access.project),
        "configuration_items": release_configuration_items(access=access),
    }


def render_project_page(
    request: HttpRequest,
    access: Access,
    *,
    status: int = 200,
    reopen_form: ReopenForm | None = None,
) -> HttpResponse:
    """The project page, also for other apps' refusals (release approval, reopening)."""
    context = _detail_context(access, reopen_form=reopen_form)
    return render(request, "projects/project_detail.html", context, status=status)


@require_GET
def project_detail(request: HttpRequest, code: str) -> HttpResponse:
    access = project_access(user=request.user, code=code)
    return render(request, "projects/project_detail.html", _detail_context(access))


@require_http_methods(["GET", "POST"])
def project_edit(request: HttpRequest, code: str) -> HttpResponse:
    access = project_access(user=request.user, code=code, right=MANAGE)
    form = ProjectForm(request.POST or None, instance=access.project)
    status = 400 if request.method == "POST" else 200
    if request.method == "POST" and form.is_valid():
        try:
            services.project_update(access=access, fields=form.cleaned_data)
        except services.ProjectError as error:
            # A refused stage change names its reasons on the form, by the stage field.
            form.add_error("lifecycle" if "lifecycle" in form.fields else None, error.message)
            status = error.status_code
        else:
            messages.success(request, _("Saved {code}.").format(code=code))
            return redirect("projects:detail", code=code)
    context = {"form": form, "project": access.project, "access": access}
    return render(request, "projects/project_form.html", context, status=status)


@require_POST
def member_add(request: HttpRequest, code: str) -> HttpResponse:
    access = project_access(user=request.user, code=code, right=MANAGE)
    form = MemberAddForm(request.POST)
    if form.is_valid():
        try:
            member = services.project_add_member(
                access=access, user=form.cleaned_data["user"], role=form.cleaned_data["role"]
            )
        except services.MemberError as error:
            messages.error(request, error.message)
            status = error.status_code
        else:
            messages.success(
                request,
                _("Added {user} as {role}.").format(
                    user=member.user, role=member.get_role_display()
                ),
            )
            return redirect("projects:detail", code=code)
    else:
        status = 400
    context = _detail_context(access, member_form=form)
    return render(request, "projects/project_detail.html", context, status=status)


@require_POST
def member_remove(request: HttpRequest, code: str, member_id: int) -> HttpResponse:
    access = project_access(user=request.user, code=code, right=MANAGE)
    try:
        services.project_remove_member(access=access, member_id=member_id)
    except services.MemberError as error:
        messages.error(request, error.message)
        return render(
            request,
            "projects/project_detail.html",
            _detail_context(access),
            status=error.status_code,
        )
    messages.success(request, _("Member removed."))
    return redirect("projects:detail", code=code)
