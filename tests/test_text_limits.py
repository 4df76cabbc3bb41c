"""Free text has a size limit, said in the forms and enforced by them and by the admin.

Over the limit is a form error (400 in the portal, the form again in the admin) and changes
nothing; exactly at the limit is accepted.
"""

import re

import pytest
from django.forms import modelform_factory
from django.test import Client
from django.utils.html import escape

from approvals.models import Approval, EmergencyMove, ReleaseApproval
from items.models import Change, ReleaseItem
from projects.models import ReleaseProject
from qa.models import AcceptanceDecision, QASignoff, TestCase, TestRun
from releasemgmt.limits import (
    COMMENT_MAX,
    DESCRIPTION_MAX,
    EXPECTED_RESULT_MAX,
    TEST_STEPS_MAX,
    at_most,
)
from tests.conftest import Team

ITEM = "/projects/PAY/items/1/"
TOO_LONG = "Ensure this value has at most {max} characters (it has {has})."


def item_fields(**fields: str) -> dict:
    return {"kind": "bug", "title": "Fix rounding", "priority": 2, **fields}


def says_the_limit(html: str, name: str, limit: int) -> bool:
    field = re.search(rf'<textarea name="{name}"[^>]*>', html)
    return bool(field) and f'maxlength="{limit}"' in field[0] and str(at_most(limit)) in html


@pytest.fixture
def manager(team: Team) -> Client:
    return team.client(team.manager)


def test_limits_are_sensible() -> None:
    assert at_most(20_000) == "At most 20,000 characters."
    assert DESCRIPTION_MAX >= TEST_STEPS_MAX >= 2_000
    assert (
        Change._meta.get_field("description").max_length,
        ReleaseProject._meta.get_field("description").max_length,
        TestCase._meta.get_field("steps").max_length,
        TestCase._meta.get_field("expected_result").max_length,
    ) == (DESCRIPTION_MAX, DESCRIPTION_MAX, TEST_STEPS_MAX, EXPECTED_RESULT_MAX)


# --- Release items -------------------------------------------------------------------------


def test_the_item_form_says_the_description_limit(team: Team, manager: Client) -> None:
    page = manager.get("/projects/PAY/items/new/").text

    assert says_the_limit(page, "description", DESCRIPTION_MAX)


def test_an_item_description_over_the_limit_is_refused(team: Team, manager: Client) -> None:
    text = "x" * (DESCRIPTION_MAX + 1)

    response = manager.post("/projects/PAY/items/new/", item_fields(description=text))

    assert response.status_code == 400
    assert TOO_LONG.format(max=DESCRIPTION_MAX, has=DESCRIPTION_MAX + 1) in (response.text)
    assert not ReleaseItem.objects.exists()


def test_an_item_description_at_the_limit_is_accepted(team: Team, manager: Client) -> None:
    text = "x" * DESCRIPTION_MAX

    response = manager.post("/projects/PAY/items/new/", item_fields(description=text))

    assert response.status_code == 302
    assert ReleaseItem.objects.get().description == text


def test_editing_an_item_description_over_the_limit_changes_nothing(
    team: Team, manager: Client
) -> None:
    item = team.item(number=1, description="Short")
    rows = ReleaseItem.history.count()

    response = manager.post(
        f"{ITEM}edit/",
        item_fields(description="y" * (DESCRIPTION_MAX + 1), version=item.version),
    )

    assert response.status_code == 400
    assert ReleaseItem.objects.get(pk=item.pk).description == "Short"
    assert ReleaseItem.history.count() == rows


def test_the_admin_refuses_an_item_description_over_the_limit(team: Team) -> None:
    item = team.item(number=1, description="Short")
    admin = team.client(team.admin)
    url = f"/admin/items/change/{item.change_id}/change/"  # the content lives on the change
    page = admin.get(url).text
    assert says_the_limit(page, "description", DESCRIPTION_MAX)

    response = admin.post(
        url,
        {
            "kind": item.kind,
            "title": item.title,
            "description": "z" * (DESCRIPTION_MAX + 1),
            "external_key": "",
            "external_url": "",
        },
    )

    assert response.status_code == 200  # the admin shows the form again with the error
    assert escape(TOO_LONG.format(max=DESCRIPTION_MAX, has=DESCRIPTION_MAX + 1)) in (response.text)
    assert ReleaseItem.objects.get(pk=item.pk).description == "Short"


# --- Release projects ----------------------------------------------------------------------


def test_a_project_description_over_the_limit_is_refused(team: Team, manager: Client) -> None:
    assert says_the_limit(manager.get("/projects/new/").text, "description", DESCRIPTION_MAX)

    response = manager.post(
        "/projects/new/",
        {
            "name": "Core",
            "code": "CORE",
            "release_manager": team.manager.pk,
            "description": "x" * (DESCRIPTION_MAX + 1),
        },
    )

    assert response.status_code == 400
    assert not ReleaseProject.objects.filter(code="CORE").exists()


# --- QA test cases -------------------------------------------------------------------------


def test_the_test_case_form_says_its_limits(team: Team) -> None:
    team.item(number=1)

    page = team.client(team.qa).get(ITEM).text

    assert says_the_limit(page, "steps", TEST_STEPS_MAX)
    assert says_the_limit(page, "expected_result", EXPECTED_RESULT_MAX)


@pytest.mark.parametrize(
    ("field", "limit"), [("steps", TEST_STEPS_MAX), ("expected_result", EXPECTED_RESULT_MAX)]
)
def test_a_test_case_over_a_limit_is_refused(team: Team, field: str, limit: int) -> None:
    team.item(number=1)
    client = team.client(team.qa)

    refused = client.post(f"{ITEM}tests/", {"title": "Rounding", field: "x" * (limit + 1)})
    accepted = client.post(f"{ITEM}tests/", {"title": "Rounding", field: "x" * limit})

    assert refused.status_code == 400
    assert TOO_LONG.format(max=limit, has=limit + 1) in refused.text
    assert accepted.status_code == 302
    assert list(TestCase.objects.values_list(field, flat=True)) == ["x" * limit]


@pytest.mark.parametrize(
    ("model", "field"),
    [
        (TestRun, "note"),
        (QASignoff, "comment"),
        (AcceptanceDecision, "reason"),
        (Approval, "comment"),
        (ReleaseApproval, "comment"),
        (EmergencyMove, "justification"),
    ],
)
def test_comments_reasons_and_notes_are_limited_in_the_models_too(model, field):
    """The admin's forms come from the model fields, so the portal's limit holds there too."""
    form_class = modelform_factory(model, fields=[field])
    assert form_class({field: "x" * COMMENT_MAX}).errors.get(field) is None
    refused = form_class({field: "x" * (COMMENT_MAX + 1)})
    assert "at most 2000 characters" in str(refused.errors[field])
