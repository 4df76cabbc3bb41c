"""Notification pages: one's own choices and watched items, watching an item, and a release's
distribution list."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from items.models import ReleaseItem
from notifications import services
from notifications.forms import MailingForm, PreferenceForm, WatchForm
from notifications.models import Event, ReleaseMailing
from notifications.selectors import item_watched, user_muted_events, watched_items
from projects.access import project_access
from projects.roles import MANAGE


def _errors(form) -> str:
    return " ".join(str(e) for errors in form.errors.values() for e in errors)


@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    status = 200
    if request.method == "POST":
        form = PreferenceForm(request.POST)
        if form.is_valid():
            services.preference_update(user=request.user, enabled=form.cleaned_data["enabled"])
            messages.success(request, _("Your notification choices are saved."))
            return redirect("notifications:preferences")
        messages.error(request, _errors(form))
        status = 400
    else:
        muted = user_muted_events(user_id=request.user.pk)
        form = PreferenceForm(initial={"enabled": [e for e in Event.values if e not in muted]})
    context = {"form": form, "watches": watched_items(user=request.user)}
    return render(request, "notifications/preferences.html", context, status=status)


@require_http_methods(["GET", "POST"])
def item_watch(request: HttpRequest, code: str, number: int) -> HttpResponse:
    access = project_access(user=request.user, code=code)
    status = 200
    if request.method == "POST":
        form = WatchForm(request.POST)
        if form.is_valid():
            watch = form.cleaned_data["action"] == "watch"
            change = services.item_watch if watch else services.item_unwatch
            try:
                item = change(access=access, number=number)
            except services.NotificationError as error:
                raise Http404(error.message) from None
            if watch:
                done = _("You are watching {key}: its moves are mailed.")
            else:
                done = _("You no longer watch {key}.")
            messages.success(request, done.format(key=item.key))
            back = request.POST.get("next") == "preferences"
            return redirect("notifications:preferences" if back else item.get_absolute_url())
        messages.error(request, _errors(form))
        status = 400
    item = (
        ReleaseItem.objects.select_related("project", "status", "change")
        .filter(project=access.project, number=number)
        .first()
    )
    if item is None:
        raise Http404(_(services.ITEM_NOT_FOUND).format(code=code))
    context = {
        "project": access.project,
        "item": item,
        "watching": item_watched(user=request.user, item=item),
        "assigned": item.assignee_id == request.user.pk,
    }
    return render(request, "notifications/item_watch.html", context, status=status)


@require_http_methods(["GET", "POST"])
def release_mailing(request: HttpRequest, code: str) -> HttpResponse:
    access = project_access(user=request.user, code=code, right=MANAGE)
    mailing = ReleaseMailing.objects.filter(project=access.project).first()
    status = 200
    if request.method == "POST":
        form = MailingForm(request.POST)
        if form.is_valid():
            try:
                services.mailing_update(
                    access=access, distribution_list=form.cleaned_data["distribution_list"]
                )
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                messages.success(
                    request, _("The distribution list of {code} is saved.").format(code=code)
                )
                return redirect("notifications:release_mailing", code=code)
        else:
            messages.error(request, _errors(form))
        status = 400
    else:
        current = mailing.distribution_list if mailing else ""
        form = MailingForm(initial={"distribution_list": current})
    context = {"project": access.project, "form": form}
    return render(request, "notifications/release_mailing.html", context, status=status)
