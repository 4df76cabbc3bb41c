from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import translation
from django.utils.translation import gettext as _

from accounts.forms import AccountSettingsForm
from accounts.middleware import request_zone
from accounts.selectors import account_settings_get
from accounts.services import account_settings_update
from accounts.zones import browser_zone, installation_zone


def account_settings(request: HttpRequest) -> HttpResponse:
    browser = browser_zone(request) or installation_zone()
    if request.method == "POST":
        form = AccountSettingsForm(request.POST, browser_zone=browser)
        if form.is_valid():
            saved = account_settings_update(
                user=request.user,
                session=request.session,
                time_zone=form.cleaned_data["time_zone"],
                language=form.cleaned_data["language"],
            )
            # The confirmation speaks the language just chosen; none chosen: the browser's
            # (request.LANGUAGE_CODE is still the language the session held before).
            translation.activate(saved.language or translation.get_language_from_request(request))
            messages.success(request, _("Your settings are saved."))
            return redirect("accounts:settings")
        status = 400
    else:
        current = account_settings_get(user=request.user)
        form = AccountSettingsForm(
            initial={"time_zone": current.time_zone, "language": current.language},
            browser_zone=browser,
        )
        status = 200
    zone, source = request_zone(request)
    return TemplateResponse(
        request,
        "accounts/settings.html",
        {"form": form, "zone": zone, "zone_source": source},
        status=status,
    )
