"""Forms of the planning pages (schedules)."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _

from planning.models import Milestone
from planning.schedule import schedule_problems


class ScheduleForm(forms.Form):
    """The planned milestones, as local date and time in the installation's time zone."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        zone = timezone.get_current_timezone_name()
        for milestone in Milestone:
            self.fields[milestone.value] = forms.DateTimeField(
                label=milestone.label,
                required=False,
                help_text=_("Date and time in {zone}.").format(zone=zone),
                widget=forms.DateTimeInput(
                    attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
                ),
            )

    def clean(self) -> dict:
        cleaned = super().clean()
        if not self.errors:
            for field, message in schedule_problems(planned=cleaned).items():
                self.add_error(field, message)
        return cleaned
