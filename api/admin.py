"""The administrator's side of API access: service accounts, and tokens for anyone (a service
account's above all). Both are made through api.services; a token's secret is shown on the
page that answers its creation, once, and never stored."""

from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from api.forms import TokenForm
from api.models import ApiToken, ServiceAccount
from api.services import USERNAME_TAKEN, service_account_create, token_create, token_revoke
from projects.admin import ReadOnlyHistoryAdmin


class ServiceAccountForm(forms.ModelForm):
    username = forms.CharField(
        max_length=150, help_text=_("The machine's account name, e.g. “ci-payments”.")
    )

    class Meta:
        model = ServiceAccount
        fields = ["username", "description"]

    def clean_username(self) -> str:
        username = self.cleaned_data["username"].strip()
        User = get_user_model()
        User.username_validator(username)
        if User.objects.filter(username__iexact=username).exists():
            raise ValidationError(USERNAME_TAKEN.format(username=username))
        return username


@admin.register(ServiceAccount)
class ServiceAccountAdmin(ReadOnlyHistoryAdmin):
    """A service account is a user without a password; add it to the release projects it
    works in (a role, as for a person), then give it a token below."""

    list_display = ("user", "description", "created_by", "created_at")
    list_select_related = ("user", "created_by")
    form = ServiceAccountForm

    def get_fields(self, request: HttpRequest, obj=None):
        return ["username", "description"] if obj is None else ["user", "description"]

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        return [] if obj is None else ["user"]

    def get_form(self, request: HttpRequest, obj=None, **kwargs):
        if obj is not None:
            kwargs["form"] = forms.ModelForm
        return super().get_form(request, obj, **kwargs)

    def save_model(self, request: HttpRequest, obj, form, change: bool) -> None:
        if change:
            obj._history_user = request.user
            obj.save()
            return
        account = service_account_create(
            actor=request.user,
            username=form.cleaned_data["username"],
            description=form.cleaned_data.get("description", ""),
        )
        obj.pk, obj.user, obj._state.adding = account.pk, account.user, False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False  # disable the user instead: its journal and tokens keep their names


class ApiTokenAddForm(TokenForm):
    """Adding a token: who it acts as, its name, scope and lifetime (api.services makes it)."""

    user = forms.ModelChoiceField(
        queryset=get_user_model().objects.filter(is_active=True).order_by("username"),
        help_text=_("Who the token acts as: a person, or a service account."),
    )

    def __init__(self, *args, **kwargs) -> None:
        kwargs.pop("instance", None)
        super().__init__(*args, **kwargs)
        self.instance = ApiToken()  # the admin's add view reads it (inlines: none)


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyHistoryAdmin):
    list_display = ("name", "prefix", "user", "scope", "expires_at", "revoked_at", "created_by")
    list_filter = ("scope",)
    list_select_related = ("user", "created_by")
    search_fields = ("name", "prefix", "user__username")
    readonly_fields = (
        "user",
        "name",
        "prefix",
        "scope",
        "expires_at",
        "created_by",
        "created_at",
        "revoked_at",
        "revoked_by",
    )
    actions = ["revoke"]

    def get_form(self, request: HttpRequest, obj=None, **kwargs):
        if obj is None:
            return ApiTokenAddForm
        return super().get_form(request, obj, **kwargs)

    def get_fieldsets(self, request: HttpRequest, obj=None):
        fields = ["user", "name", "scope", "days"] if obj is None else list(self.readonly_fields)
        return [(None, {"fields": fields})]

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        return () if obj is None else self.readonly_fields

    def save_form(self, request: HttpRequest, form, change: bool):
        return form.instance

    def save_model(self, request: HttpRequest, obj, form, change: bool) -> None:
        data = form.cleaned_data
        token, secret = token_create(
            actor=request.user,
            user=data["user"],
            name=data["name"],
            scope=data["scope"],
            expires_at=timezone.now() + timedelta(days=data["days"]),
        )
        obj.__dict__.update(token.__dict__)  # the admin logs and answers with what was made
        request.api_token_secret = secret

    def save_related(self, request: HttpRequest, form, formsets, change: bool) -> None:
        pass

    def response_add(self, request: HttpRequest, obj, post_url_continue=None) -> HttpResponse:
        # The secret on this answer only: never in a message, the session or a redirect.
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("API token made"),
            "token": obj,
            "secret": request.api_token_secret,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "api/admin_token_made.html", context, status=201)

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False  # revoke instead: the row names the token in its journal of uses

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request: HttpRequest, queryset) -> None:
        revoked = 0
        for token in queryset.filter(revoked_at__isnull=True):
            token_revoke(actor=request.user, token_id=token.pk)
            revoked += 1
        self.message_user(
            request,
            ngettext("Revoked %(count)d token.", "Revoked %(count)d tokens.", revoked)
            % {"count": revoked},
            messages.SUCCESS,
        )
