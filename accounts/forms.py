from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from accounts.zones import zone_choices


class AccountSettingsForm(forms.Form):
    time_zone = forms.ChoiceField(
        label=_("Time zone"),
        required=False,
        help_text=_("Every time in the portal is shown in this zone, and labelled with it."),
    )
    language = forms.ChoiceField(label=_("Language"), required=False)

    def __init__(self, *args, browser_zone: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].choices = [
            ("", _("Follow my browser (now %(zone)s)") % {"zone": browser_zone}),
            *zone_choices(),
        ]
        self.fields["language"].choices = [
            ("", _("Follow my browser")),
            *settings.LANGUAGES,
        ]
