"""The release schedule page, the release calendar and the iCal feed."""

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.cache import never_cache
from django.views.decorators.http import (
    require_GET,
    require_http_methods,
    require_POST,
    require_safe,
)

from planning.calendar_events import BAD_VIEW, calendar_month, month_parse
from planning.forms import ScheduleForm
from planning.ical import (
    calendar_feed_create,
    calendar_feed_exists,
    calendar_feed_ics,
    calendar_feed_revoke,
    calendar_feed_user,
)
from planning.schedule import (
    PLANNED_FIELDS,
    ScheduleInvalid,
    schedule_for_project,
    schedule_rows,
    schedule_update,
)
from projects.access import project_access
from projects.roles import MANAGE

FEED_NOT_FOUND = gettext_noop("There is nothing here.")
FEED_REVOKED = gettext_noop(
    "Your calendar feed address was revoked: calendars subscribed to it stop updating."
)
FEED_NONE = gettext_noop("You have no calendar feed address to revoke.")
SCHEDULE_SAVED = gettext_noop("Saved the schedule of {code}.")
VIEWS = ("month", "list")


@require_http_methods(["GET", "POST"])
def schedule_page(request: HttpRequest, code: str) -> HttpResponse:
    access = project_access(
        user=request.user, code=code, right=MANAGE if request.method == "POST" else None
    )
    schedule = schedule_for_project(project=access.project)
    initial = {f: getattr(schedule, f) for f in PLANNED_FIELDS}
    form = ScheduleForm(request.POST or None, initial=initial) if access.can_manage else None
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                schedule_update(access=access, planned=form.cleaned_data)
            except ScheduleInvalid as error:
                for field, message in error.errors.items():
                    form.add_error(field, message)
            else:
                messages.success(request, _(SCHEDULE_SAVED).format(code=code))
                return redirect("planning:schedule", code=code)
    context = {
        "access": access,
        "project": access.project,
        "rows": schedule_rows(schedule=schedule),
        "form": form,
        "time_zone": timezone.get_current_timezone_name(),
    }
    return render(request, "planning/schedule.html", context, status=status)


@require_GET
def calendar_page(request: HttpRequest) -> HttpResponse:
    view = request.GET.get("view") or "month"
    try:
        if view not in VIEWS:
            raise ValueError(_(BAD_VIEW).format(value=view[:20]))
        first = month_parse(request.GET.get("month"), today=timezone.localdate())
    except ValueError as error:
        return render(request, "400.html", {"message": str(error)}, status=400)
    context = {
        "month": calendar_month(user=request.user, first=first),
        "view": view,
        "time_zone": timezone.get_current_timezone_name(),
    }
    return render(request, "planning/calendar.html", context)


@require_GET
def calendar_feed_page(request: HttpRequest) -> HttpResponse:
    context = {"has_feed": calendar_feed_exists(user=request.user), "feed_url": None}
    return render(request, "planning/calendar_feed.html", context)


@require_POST
def calendar_feed_new(request: HttpRequest) -> HttpResponse:
    token = calendar_feed_create(user=request.user)
    # Shown on this response only: the server keeps just the token's digest.
    feed_url = request.build_absolute_uri(reverse("planning:ical", kwargs={"token": token}))
    context = {"has_feed": True, "feed_url": feed_url}
    return render(request, "planning/calendar_feed.html", context)


@require_POST
def calendar_feed_delete(request: HttpRequest) -> HttpResponse:
    if calendar_feed_revoke(user=request.user):
        messages.success(request, _(FEED_REVOKED))
    else:
        messages.info(request, _(FEED_NONE))
    return redirect("planning:feed")


@login_not_required
@require_safe  # some calendar clients ask with HEAD first
@never_cache
def ical_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The feed itself, fetched by calendar clients without a session: the token is the key.
    A wrong or revoked token is the plain 404 page, saying nothing about why."""
    user = calendar_feed_user(token=token)
    if user is None:
        raise Http404(_(FEED_NOT_FOUND))
    body = calendar_feed_ics(user=user, base_url=request.build_absolute_uri("/").rstrip("/"))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="releases.ics"'
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    return response
