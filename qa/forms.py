from django import forms
from django.utils.translation import gettext_lazy as _

from items.forms import COMMENT_MAX, INT_MAX
from qa.models import Decision, Result, TestCase, TestRun
from qa.services import ACCEPTANCE_NEEDS_REASON


class TestCaseForm(forms.ModelForm):
    __test__ = False

    class Meta:
        model = TestCase
        fields = ["title", "steps", "expected_result"]
        widgets = {
            "steps": forms.Textarea(attrs={"rows": 3}),
            "expected_result": forms.Textarea(attrs={"rows": 2}),
        }


class TestRunForm(forms.ModelForm):
    __test__ = False

    class Meta:
        model = TestRun
        fields = ["result", "note", "evidence_url"]

    # Nothing is pre-selected: a run recorded in haste must not pass by default.
    result = forms.ChoiceField(
        choices=Result.choices,
        error_messages={"required": _("Choose the run's result: passed, failed or blocked.")},
    )
    note = forms.CharField(required=False, max_length=COMMENT_MAX, widget=forms.TextInput())


class RetireForm(forms.Form):
    reason = forms.CharField(required=False, max_length=COMMENT_MAX)


class SignoffForm(forms.Form):
    round = forms.IntegerField(min_value=1, max_value=INT_MAX)
    comment = forms.CharField(required=False, max_length=COMMENT_MAX)


class AcceptanceForm(forms.Form):
    round = forms.IntegerField(min_value=1, max_value=INT_MAX)
    decision = forms.ChoiceField(
        choices=Decision.choices,
        error_messages={"required": _("Choose a decision: accepted or rejected.")},
    )
    reason = forms.CharField(
        max_length=COMMENT_MAX, error_messages={"required": _(ACCEPTANCE_NEEDS_REASON)}
    )
