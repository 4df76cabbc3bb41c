from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from vcs.models import SECRET_MIN, Delivery, Webhook

SECRET_KEPT = _("Leave empty to keep the current secret.")


class WebhookForm(forms.ModelForm):
    """The secret is typed once and never shown again; empty keeps the current one."""

    secret = forms.CharField(
        widget=forms.PasswordInput(render_value=False),
        required=False,
        min_length=SECRET_MIN,
        max_length=200,
        help_text=format_lazy(
            _("At least {count} characters; paste the same value into GitHub or GitLab."),
            count=SECRET_MIN,
        ),
    )

    class Meta:
        model = Webhook
        fields = ("name", "provider", "secret", "service_account", "active")

    def clean_secret(self) -> str:
        secret = self.cleaned_data.get("secret", "")
        if not secret and self.instance.pk is None:
            raise forms.ValidationError(_("A new webhook needs a secret."))
        return secret or self.instance.secret

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.fields["secret"].help_text = SECRET_KEPT


@admin.register(Webhook)
class WebhookAdmin(admin.ModelAdmin):
    form = WebhookForm
    list_display = ("name", "provider", "service_account", "active", "endpoint")
    list_filter = ("provider", "active")
    list_select_related = ("service_account",)
    raw_id_fields = ("service_account",)

    @admin.display(description=_("Payload URL (path)"))
    def endpoint(self, webhook: Webhook) -> str:
        if webhook.pk is None:
            return ""
        return format_html("<code>{}</code>", reverse(f"vcs:{webhook.provider}", args=[webhook.pk]))


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    """What each delivery did, refused moves with the engine's reason: read only."""

    list_display = ("received_at", "webhook", "event", "outcome", "summary")
    list_filter = ("outcome", "webhook")
    list_select_related = ("webhook",)
    search_fields = ("delivery_id", "summary")
    readonly_fields = (
        "webhook",
        "delivery_id",
        "event",
        "received_at",
        "outcome",
        "summary",
        "moves",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
