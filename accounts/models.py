from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AccountSettings(models.Model):
    """A user's own time zone and language; blank follows the browser (then the installation)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="account_settings",
    )
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        blank=True,
        help_text=_("Blank follows your browser's time zone."),
    )
    language = models.CharField(
        _("language"),
        max_length=8,
        blank=True,
        choices=settings.LANGUAGES,
        help_text=_("Blank follows your browser's language."),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("account settings")
        verbose_name_plural = _("account settings")

    def __str__(self) -> str:
        return str(_("Settings of %(user)s") % {"user": self.user})
