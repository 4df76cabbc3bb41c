"""Release gates: a release's stage moves to "released" only when none of its items is short
of a production state, unapproved, without QA sign-off or waiting for a dependency; the
release page lists, per item, what is missing."""

import pytest
from django.test import Client
from django.utils import translation

from items.models import ReleaseItem
from items.policy import REOPENED
from items.services import item_update
from journal.models import ChangeKind
from projects.models import Lifecycle, ReleaseProject
from projects.services import StageRefused, project_update
from releases import checks
from releases.checks import (
    NEVER_SIGNED_OFF,
    NO_QA_SIGNOFF,
    NOT_IN_PRODUCTION,
    UNAPPROVED,
    WAITING_FOR_DEPENDENCY,
    Shortfall,
)
from releases.selectors import release_readiness
from tests.conftest import Team
from tests.governance_fixtures import *  # noqa: F403  (the fixtures)
from tests.governance_fixtures import (
    ACCEPTANCE_TEST,
    DEVELOPING,
    PRODUCTION,
    REVIEW,
    fresh,
    item_in,
    move,
    satisfy_gates,
)

pytestmark = pytest.mark.django_db

EDIT = "/projects/PAY/edit/"


def release(client: Client, team: Team, stage: str = Lifecycle.RELEASED):
    return client.post(
        EDIT,
        {
            "name": "Payments 4.2",
            "lifecycle": stage,
            "release_manager": team.manager.pk,
            "actual_release_date": "2026-12-01",
        },
    )


def stage() -> str:
    return ReleaseProject.objects.get(code="PAY").lifecycle


def journal_rows() -> int:
    return ReleaseProject.history.filter(code="PAY").count()


def shipped(team: Team, number: int) -> ReleaseItem:
    """An item walked into 5 - Ready for Production through every gate."""
    item = item_in(team, ACCEPTANCE_TEST, number=number)
    satisfy_gates(team, item, PRODUCTION)
    return move(team, team.qa, item, direction="next")


def kinds(team: Team) -> dict[str, set[str]]:
    """Each item's kinds of shortfall, by key."""
    readiness = release_readiness(access=team.access(team.manager))
    return {e.item.key: {s.kind for s in e.shortfalls} for e in readiness.items}


def test_released_is_refused_naming_each_kind_of_shortfall(team: Team, rules) -> None:
    shipped(team, 1)
    item_in(team, REVIEW, number=2)  # its way on needs an approval
    item_in(team, ACCEPTANCE_TEST, number=3)  # its way on needs tests, sign-off, acceptance
    before = journal_rows()

    response = release(team.client(team.manager), team)

    assert response.status_code == 400
    text = response.text
    assert "PAY cannot be released yet" in text
    assert "2 items not in a production state (PAY-2, PAY-3)" in text
    assert "1 item unapproved (PAY-2)" in text
    assert "1 item without QA sign-off (PAY-3)" in text
    assert "PAY-1" not in text.split("cannot be released yet")[1].split(".")[0]
    assert stage() == Lifecycle.IN_PROGRESS
    assert journal_rows() == before


def test_a_german_reader_reads_each_kind_of_shortfall_as_one_counted_sentence(
    team: Team, rules
) -> None:
    # Passes once the lead has merged nia's catalogue fragment.
    item_in(team, REVIEW, number=1)
    item_in(team, REVIEW, number=2)

    with translation.override("de"):
        summary = release_readiness(access=team.access(team.manager)).summary()

    assert "2 Elemente nicht in einem Produktionsstatus (PAY-1, PAY-2)" in summary
    assert "2 Elemente nicht genehmigt (PAY-1, PAY-2)" in summary


def test_the_service_refuses_too_with_a_400(team: Team, rules) -> None:
    item_in(team, REVIEW, number=1)

    with pytest.raises(StageRefused) as refused:
        project_update(access=team.access(team.manager), fields={"lifecycle": "released"})

    assert refused.value.status_code == 400
    assert NOT_IN_PRODUCTION in refused.value.message
    assert stage() == Lifecycle.IN_PROGRESS


def test_a_release_whose_items_are_all_ready_is_released(team: Team, rules) -> None:
    shipped(team, 1)
    shipped(team, 2)

    response = release(team.client(team.manager), team)

    assert response.status_code == 302
    assert stage() == Lifecycle.RELEASED
    row = ReleaseProject.history.filter(code="PAY").latest("history_date")
    assert (row.lifecycle, row.change_kind) == (Lifecycle.RELEASED, ChangeKind.EDITED)


def test_closing_straight_from_in_progress_is_gated_too(team: Team, rules) -> None:
    item_in(team, DEVELOPING, number=1)

    response = release(team.client(team.manager), team, Lifecycle.CLOSED)

    assert response.status_code == 400
    assert NOT_IN_PRODUCTION in response.text
    assert stage() == Lifecycle.IN_PROGRESS


def test_an_item_edited_after_sign_off_in_production_is_not_ready(team: Team, rules) -> None:
    item = fresh(shipped(team, 1))
    item_update(
        access=team.access(team.developer),
        item_id=item.pk,
        expected_version=item.version,
        fields={"title": "Round fees to the cent, not the dime"},
    )

    assert kinds(team) == {"PAY-1": {UNAPPROVED, NO_QA_SIGNOFF}}
    details = [
        s.detail for s in release_readiness(access=team.access(team.manager)).items[0].shortfalls
    ]
    assert details == [REOPENED, REOPENED]
    with pytest.raises(StageRefused) as refused:
        project_update(access=team.access(team.manager), fields={"lifecycle": "released"})
    assert "1 item unapproved (PAY-1)" in refused.value.message


def test_an_emergency_move_into_production_is_unapproved_and_without_sign_off(
    team: Team, rules
) -> None:
    rule = rules[ACCEPTANCE_TEST, PRODUCTION]
    rule.approvals_required, rule.approver_roles = 1, ["approver"]
    rule.save()
    item = item_in(team, ACCEPTANCE_TEST, number=1)
    move(team, team.manager, item, direction="next", comment="P1 outage", emergency=True)

    readiness = release_readiness(access=team.access(team.manager))

    shortfalls = readiness.items[0].shortfalls
    assert {s.kind for s in shortfalls} == {UNAPPROVED, NO_QA_SIGNOFF}
    assert Shortfall(NO_QA_SIGNOFF, NEVER_SIGNED_OFF) in shortfalls
    assert any("retrospective approval pending" in s.detail for s in shortfalls)


def test_without_rules_only_the_production_state_counts(team: Team) -> None:
    item_in(team, PRODUCTION, number=1)
    item_in(team, DEVELOPING, number=2)

    assert kinds(team) == {"PAY-1": set(), "PAY-2": {NOT_IN_PRODUCTION}}


def test_a_plugged_in_check_waiting_for_a_dependency_blocks_the_release(
    team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Dependencies plug in as a readiness check (releases.checks), like this one."""

    class Waiting:
        def load(self, context) -> None:
            self.keys = {i.pk: i.key for i in context.items}

        def shortfalls(self, item, context) -> list[Shortfall]:
            return [Shortfall(WAITING_FOR_DEPENDENCY, "on OPS-7 (in 0 - Developing)")]

    monkeypatch.setattr(checks, "_registry", {**checks._registry, "dependencies": Waiting})
    item_in(team, PRODUCTION, number=1)

    with pytest.raises(StageRefused) as refused:
        project_update(access=team.access(team.manager), fields={"lifecycle": "released"})

    assert "1 item waiting for a dependency (PAY-1)" in refused.value.message


def test_the_refusal_names_the_first_five_items_of_a_kind(team: Team) -> None:
    for number in range(1, 8):
        item_in(team, DEVELOPING, number=number)

    with pytest.raises(StageRefused) as refused:
        project_update(access=team.access(team.manager), fields={"lifecycle": "released"})

    expected = "7 items not in a production state (PAY-1, PAY-2, PAY-3, PAY-4, PAY-5 and 2 more)"
    assert expected in refused.value.message


def test_leaving_planning_straight_for_released_needs_approval_and_readiness(
    team: Team, rules
) -> None:
    ReleaseProject.objects.filter(code="PAY").update(lifecycle=Lifecycle.PLANNING)
    item_in(team, REVIEW, number=1)

    response = release(team.client(team.manager), team)

    assert response.status_code == 403  # the approval is missing: the stricter answer
    assert "management approval" in response.text
    assert NOT_IN_PRODUCTION in response.text
    assert stage() == Lifecycle.PLANNING


def test_a_release_can_be_cancelled_whatever_its_items(team: Team, rules) -> None:
    item_in(team, REVIEW, number=1)

    project_update(access=team.access(team.manager), fields={"lifecycle": "cancelled"})

    assert stage() == Lifecycle.CANCELLED


def test_the_readiness_panel_lists_what_each_item_misses(team: Team, rules) -> None:
    shipped(team, 1)
    item_in(team, REVIEW, number=2)

    response = team.client(team.viewer).get("/projects/PAY/")

    assert response.status_code == 200
    text = response.text
    assert "Not ready to release" in text
    assert "1 of 2 items is short; 1 ready" in text
    assert 'href="/projects/PAY/items/2/">PAY-2</a>' in text
    assert "Not in a production state</strong>: in “1 - Ready for Review”" in text
    assert "Unapproved</strong>: to move on to “2 - Ready for Integration”: needs 1 of" in text
    assert 'href="/projects/PAY/items/1/">PAY-1</a>' not in text


def test_the_readiness_panel_says_ready_to_release(team: Team, rules) -> None:
    shipped(team, 1)

    response = team.client(team.viewer).get("/projects/PAY/")

    assert "Ready to release: all 1 item is ready." in response.text


def test_the_admin_refuses_released_with_shortfalls_too(team: Team, rules) -> None:
    item_in(team, REVIEW, number=1)
    project = ReleaseProject.objects.get(code="PAY")

    response = team.client(team.admin).post(
        f"/admin/projects/releaseproject/{project.pk}/change/",
        {
            "name": project.name,
            "description": "",
            "release_manager": team.manager.pk,
            "lifecycle": Lifecycle.RELEASED,
            "release_approvals_required": 1,
            "actual_release_date": "2026-12-01",
            "members-TOTAL_FORMS": 0,
            "members-INITIAL_FORMS": 0,
            "members-MIN_NUM_FORMS": 0,
            "members-MAX_NUM_FORMS": 1000,
        },
    )

    assert response.status_code == 200  # the form again, with the error
    assert "1 item not in a production state (PAY-1)" in response.text
    assert stage() == Lifecycle.IN_PROGRESS


def test_a_gate_guarding_every_move_is_no_approval_or_qa_shortfall(
    team: Team, rules, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Freeze windows guard every move (planning): they say when an item may move, not what
    it is missing before release."""
    from items import gates

    class Frozen:
        every_move = True

        def load(self, policy) -> None:
            pass

        def blockers(self, item, need, policy) -> list[str]:
            return ["Freeze “Year end” until 2027-01-03 08:00"]

        def satisfied_by(self, item, need) -> list[str]:
            return []

        def notes(self, item) -> list[str]:
            return []

    monkeypatch.setattr(gates, "_registry", {**gates._registry, "freeze": Frozen})
    item_in(team, ACCEPTANCE_TEST, number=1)

    readiness = release_readiness(access=team.access(team.manager))

    details = [s.detail for entry in readiness.items for s in entry.shortfalls]
    assert not any("Freeze" in detail for detail in details)
    assert {s.kind for s in readiness.items[0].shortfalls} == {NOT_IN_PRODUCTION, NO_QA_SIGNOFF}


def test_a_gate_added_to_the_move_policy_is_a_shortfall_too(
    team: Team, rules, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The readiness asks the move policy's own gates: a new gate needs no copy in releases."""
    from items import gates

    class SecurityReview:
        def load(self, policy) -> None:
            pass

        def blockers(self, item, need, policy) -> list[str]:
            return ["no security review yet"]

        def satisfied_by(self, item, need) -> list[str]:
            return []

        def notes(self, item) -> list[str]:
            return []

    monkeypatch.setattr(gates, "_registry", {**gates._registry, "security": SecurityReview})
    item_in(team, REVIEW, number=1)  # its way on needs an approval

    readiness = release_readiness(access=team.access(team.manager))

    unapproved = [s.detail for s in readiness.items[0].shortfalls if s.kind == UNAPPROVED]
    assert len(unapproved) == 1
    assert "no security review yet" in unapproved[0]
