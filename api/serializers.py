"""What the API reads and writes, as JSON: shapes only, no business rules (those are in the
services the views call)."""

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _
from rest_framework import serializers

from approvals.models import Vote
from items.forms import INT_MAX
from items.models import Change, Kind, Priority
from projects.models import Lifecycle
from projects.roles import Role
from qa.models import Result
from releasemgmt.limits import (
    COMMENT_MAX,
    DESCRIPTION_MAX,
    EXPECTED_RESULT_MAX,
    TEST_STEPS_MAX,
)

User = get_user_model()
TEXT_FILTER_MAX = 200


class ProblemSerializer(serializers.Serializer):
    """RFC 9457 problem details: every error the API answers has this shape."""

    type = serializers.CharField(help_text="A URI naming the kind of problem (see the docs).")
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField()
    instance = serializers.CharField(required=False)
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="Bad input: the messages per field (“non_field_errors” for the whole).",
    )


# --- Reads -----------------------------------------------------------------------------------


class StateRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class StateSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    position = serializers.IntegerField()
    enabled = serializers.BooleanField()
    production = serializers.BooleanField()
    description = serializers.CharField()


class RuleSerializer(serializers.Serializer):
    from_state = serializers.IntegerField(source="from_state_id")
    to_state = serializers.IntegerField(source="to_state_id")
    direction = serializers.CharField()
    roles = serializers.ListField(child=serializers.CharField())
    comment_required = serializers.BooleanField()
    approvals_required = serializers.IntegerField()
    approver_roles = serializers.ListField(child=serializers.CharField())
    rejection_blocks = serializers.BooleanField()
    requires_passing_tests = serializers.BooleanField()
    requires_qa_signoff = serializers.BooleanField()
    requires_acceptance = serializers.BooleanField()
    segregation_of_duties = serializers.BooleanField()


class ReleaseSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    description = serializers.CharField()
    stage = serializers.ChoiceField(source="lifecycle", choices=Lifecycle.choices)
    planned_release_date = serializers.DateField(allow_null=True)
    actual_release_date = serializers.DateField(allow_null=True)
    release_manager = serializers.CharField(source="release_manager.username")
    read_only_reason = serializers.CharField(
        help_text="Why its items cannot change now (empty: the roles decide)."
    )


class MemberSerializer(serializers.Serializer):
    username = serializers.CharField(source="user.username")
    name = serializers.CharField(source="user.get_full_name")
    role = serializers.ChoiceField(choices=Role.choices)


class ItemSerializer(serializers.Serializer):
    key = serializers.CharField()
    number = serializers.IntegerField()
    change = serializers.CharField(source="change.key", help_text="The change's own id (CH-7).")
    kind = serializers.ChoiceField(choices=Kind.choices)
    title = serializers.CharField()
    description = serializers.CharField()
    external_key = serializers.CharField()
    external_url = serializers.CharField()
    priority = serializers.ChoiceField(choices=Priority.choices)
    assignee = serializers.CharField(source="assignee.username", allow_null=True)
    state = StateRefSerializer(source="status")
    position = serializers.IntegerField()
    version = serializers.IntegerField(help_text="Also the ETag; send it back in If-Match.")
    round = serializers.IntegerField(help_text="The approval round votes and sign-offs name.")
    needs_reapproval = serializers.BooleanField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class MoveResultSerializer(serializers.Serializer):
    key = serializers.CharField()
    state = StateRefSerializer(source="status")
    version = serializers.IntegerField()
    round = serializers.IntegerField()


class ReorderResultSerializer(serializers.Serializer):
    key = serializers.CharField()
    position = serializers.IntegerField()
    version = serializers.IntegerField()


class VoteSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    from_state = serializers.IntegerField(source="from_state_id")
    to_state = serializers.IntegerField(source="to_state_id")
    round = serializers.IntegerField()
    approver = serializers.CharField(source="approver.username")
    vote = serializers.ChoiceField(choices=Vote.choices)
    comment = serializers.CharField()
    sod_checks = serializers.CharField()
    withdrawn = serializers.BooleanField()
    created_at = serializers.DateTimeField()


class TestRunSerializer(serializers.Serializer):
    __test__ = False
    id = serializers.IntegerField()
    result = serializers.ChoiceField(choices=Result.choices)
    note = serializers.CharField()
    evidence_url = serializers.CharField()
    tester = serializers.CharField(source="tester.username")
    created_at = serializers.DateTimeField()


class TestCaseSerializer(serializers.Serializer):
    __test__ = False
    id = serializers.IntegerField()
    title = serializers.CharField()
    steps = serializers.CharField()
    expected_result = serializers.CharField()
    # Removed in the portal: no longer counts for the QA gate; it and its runs stay evidence.
    retired_at = serializers.DateTimeField(allow_null=True)
    runs = TestRunSerializer(many=True, source="runs.all")


class SignoffSerializer(serializers.Serializer):
    round = serializers.IntegerField()
    tester = serializers.CharField(source="tester.username")
    comment = serializers.CharField()
    created_at = serializers.DateTimeField()


class AcceptanceSerializer(serializers.Serializer):
    round = serializers.IntegerField()
    decision = serializers.CharField()
    decided_by = serializers.CharField(source="decided_by.username")
    reason = serializers.CharField()
    created_at = serializers.DateTimeField()


class QARecordsSerializer(serializers.Serializer):
    test_cases = TestCaseSerializer(many=True)
    signoffs = SignoffSerializer(many=True)
    acceptances = AcceptanceSerializer(many=True)


class JournalChangeSerializer(serializers.Serializer):
    field = serializers.CharField()
    old = serializers.CharField()
    new = serializers.CharField()


class JournalEntrySerializer(serializers.Serializer):
    when = serializers.DateTimeField()
    user = serializers.CharField(source="user.username", allow_null=True, default=None)
    ip = serializers.CharField(allow_null=True)
    source = serializers.CharField()
    kind = serializers.CharField()
    action = serializers.CharField()
    subject = serializers.CharField()
    summary = serializers.CharField()
    reason = serializers.CharField()
    changes = JournalChangeSerializer(many=True)
    emergency = serializers.BooleanField()
    cursor = serializers.CharField(help_text="Pass as `before` for the entries after this one.")


class JournalPageSerializer(serializers.Serializer):
    results = JournalEntrySerializer(many=True)
    next = serializers.CharField(allow_null=True)


# --- Query parameters ------------------------------------------------------------------------


class ItemFilterSerializer(serializers.Serializer):
    state = serializers.IntegerField(required=False, min_value=0, max_value=INT_MAX)
    kind = serializers.ChoiceField(required=False, choices=Kind.choices)
    assignee = serializers.CharField(required=False, max_length=150, help_text="A username.")
    text = serializers.CharField(
        required=False, max_length=TEXT_FILTER_MAX, help_text="Words in the title."
    )


class JournalQuerySerializer(serializers.Serializer):
    before = serializers.CharField(
        required=False, max_length=80, help_text="The `cursor` of the last entry seen."
    )


# --- Writes ----------------------------------------------------------------------------------


class ItemWriteSerializer(serializers.Serializer):
    """An item's content (its change's, shared by every release including it) and its priority
    and assignee in this release. PATCH sends only what changes."""

    kind = serializers.ChoiceField(choices=Kind.choices, required=False)
    title = serializers.CharField(max_length=Change._meta.get_field("title").max_length)
    description = serializers.CharField(
        max_length=DESCRIPTION_MAX, allow_blank=True, required=False
    )
    external_key = serializers.CharField(
        max_length=Change._meta.get_field("external_key").max_length,
        allow_blank=True,
        required=False,
    )
    external_url = serializers.URLField(max_length=200, allow_blank=True, required=False)
    priority = serializers.ChoiceField(choices=Priority.choices, required=False)
    assignee = serializers.SlugRelatedField(
        slug_field="username",
        queryset=User.objects.none(),
        allow_null=True,
        required=False,
        help_text="A member's username, or null.",
    )

    def __init__(self, *args, members=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if members is not None:
            self.fields["assignee"].queryset = members  # only members can be assigned


class MoveSerializer(serializers.Serializer):
    direction = serializers.ChoiceField(
        choices=[("next", "next"), ("prev", "previous")], required=False
    )
    to_state = serializers.IntegerField(
        required=False, min_value=0, max_value=INT_MAX, help_text="Release managers: any state."
    )
    comment = serializers.CharField(required=False, allow_blank=True, max_length=COMMENT_MAX)
    emergency = serializers.BooleanField(required=False, default=False)

    def validate(self, data: dict) -> dict:
        if "direction" not in data and "to_state" not in data:
            raise serializers.ValidationError(
                _("Say where to move the item: a direction or a state.")
            )
        if "direction" in data and "to_state" in data:
            raise serializers.ValidationError(_("Give either a direction or a state, not both."))
        return data


class ReorderSerializer(serializers.Serializer):
    shift = serializers.ChoiceField(choices=[("up", "up"), ("down", "down")])
    comment = serializers.CharField(required=False, allow_blank=True, max_length=COMMENT_MAX)


class VoteWriteSerializer(serializers.Serializer):
    vote = serializers.ChoiceField(choices=Vote.choices)
    to_state = serializers.IntegerField(min_value=0, max_value=INT_MAX)
    round = serializers.IntegerField(min_value=1, max_value=INT_MAX)
    from_state = serializers.IntegerField(
        required=False,
        min_value=0,
        max_value=INT_MAX,
        help_text="Only for a retrospective approval of an emergency move: the state it left.",
    )
    comment = serializers.CharField(required=False, allow_blank=True, max_length=COMMENT_MAX)


class TestCaseWriteSerializer(serializers.Serializer):
    __test__ = False
    title = serializers.CharField(max_length=200)
    steps = serializers.CharField(required=False, allow_blank=True, max_length=TEST_STEPS_MAX)
    expected_result = serializers.CharField(
        required=False, allow_blank=True, max_length=EXPECTED_RESULT_MAX
    )


class TestRunWriteSerializer(serializers.Serializer):
    __test__ = False
    result = serializers.ChoiceField(choices=Result.choices)
    note = serializers.CharField(required=False, allow_blank=True, max_length=COMMENT_MAX)
    evidence_url = serializers.URLField(required=False, allow_blank=True, max_length=200)
