"""Safe defaults: a removal asks first and says what the journal keeps; a select that would
change something pre-selects nothing, and posting it empty is a clear 400 that changes nothing."""

import re

import pytest

from items.models import ReleaseItem, ReleaseStatus
from projects.models import ReleaseMember
from qa import services as qa_services
from qa.models import AcceptanceDecision, TestRun
from tests.conftest import Team
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ITEM = "/projects/PAY/items/1/"
DEVELOPING = 4500


def select(html: str, name: str) -> str:
    """The first <select name=...> of a page, whole."""
    match = re.search(rf'<select name="{name}"[^>]*>.*?</select>', html, re.S)
    assert match is not None, name
    return match[0]


def assert_nothing_preselected(select_html: str) -> None:
    assert "required" in select_html.split(">", 1)[0]
    assert re.search(r'<option value=""( selected)?>Choose', select_html)
    assert not re.search(r'<option value="[^"]+"[^>]*\sselected', select_html)


def test_the_item_page_asks_before_removing_and_says_what_the_journal_keeps(team: Team) -> None:
    team.item(number=1)
    html = team.client(team.manager).get(ITEM).text

    confirm = html.split('<details class="confirm">', 1)[1].split("</details>", 1)[0]
    assert "<summary>Remove PAY-1…</summary>" in confirm
    assert "Yes, remove PAY-1</button>" in confirm
    assert "its journal is kept" in html


def test_the_project_page_asks_before_removing_a_member(team: Team) -> None:
    html = team.client(team.manager).get("/projects/PAY/").text

    assert 'Remove<span class="visually-hidden"> victor from PAY</span>…</summary>' in html
    assert "the journal keeps their membership and everything they did" in html
    assert "Yes, remove victor from PAY</button>" in html


def test_the_qa_panel_asks_before_removing_a_test_case(team: Team) -> None:
    item = team.item(number=1)
    qa_services.qa_case_add(
        access=team.access(team.qa), item_id=item.pk, fields={"title": "Limit is enforced"}
    )
    html = team.client(team.qa).get(ITEM).text

    confirm = html.split('<details class="confirm">', 1)[1].split("</details>", 1)[0]
    assert 'Remove<span class="visually-hidden"> “Limit is enforced” from PAY-1</span>…' in confirm
    assert "the journal keeps the test case and every run of it" in confirm
    assert "Yes, remove “Limit is enforced” from PAY-1</button>" in confirm


def test_set_state_and_emergency_move_pre_select_no_state(team: Team) -> None:
    team.item(number=1)
    html = team.client(team.manager).get(ITEM).text

    assert_nothing_preselected(select(html, "to_status"))
    for emergency in re.findall(r'<select name="to_status".*?</select>', html, re.S):
        assert_nothing_preselected(emergency)


def test_bulk_move_pre_selects_no_state(team: Team) -> None:
    team.item(number=1)
    html = team.client(team.manager).get("/projects/PAY/items/").text

    assert_nothing_preselected(select(html, "to_status"))


def test_add_member_pre_selects_no_role(team: Team) -> None:
    html = team.client(team.manager).get("/projects/PAY/").text

    assert_nothing_preselected(select(html, "role"))


def test_record_run_and_acceptance_pre_select_nothing(team: Team) -> None:
    item = team.item(number=1, assignee=team.developer, created_by=team.developer)
    qa_services.qa_case_add(
        access=team.access(team.qa), item_id=item.pk, fields={"title": "Limit is enforced"}
    )
    html = team.client(team.qa).get(ITEM).text

    assert_nothing_preselected(select(html, "result"))
    if '<select name="decision"' in html:
        assert_nothing_preselected(select(html, "decision"))


def test_adding_a_member_without_a_role_is_a_clear_400_and_adds_no_one(team: Team) -> None:
    newcomer = UserFactory(username="nina")
    before = ReleaseMember.objects.count()

    response = team.client(team.manager).post(
        "/projects/PAY/members/add/", {"user": newcomer.pk, "role": ""}
    )

    assert response.status_code == 400
    assert "Choose the new member&#x27;s role." in response.text
    assert ReleaseMember.objects.count() == before


def test_recording_a_run_without_a_result_is_a_clear_400_and_records_nothing(team: Team) -> None:
    item = team.item(number=1, assignee=team.developer, created_by=team.developer)
    case = qa_services.qa_case_add(
        access=team.access(team.qa), item_id=item.pk, fields={"title": "Limit is enforced"}
    )

    response = team.client(team.qa).post(f"{ITEM}tests/{case.pk}/runs/", {"result": ""})

    assert response.status_code == 400
    assert "Choose the run&#x27;s result: passed, failed or blocked." in response.text
    assert TestRun.objects.count() == 0


def test_an_acceptance_decision_without_a_choice_is_a_clear_400(team: Team) -> None:
    team.item(number=1)

    response = team.client(team.approver).post(
        f"{ITEM}acceptance/", {"round": 1, "decision": "", "reason": "Looks fine"}
    )

    assert response.status_code == 400
    assert "Choose a decision: accepted or rejected." in response.text
    assert AcceptanceDecision.objects.count() == 0


def test_a_bulk_move_without_a_state_is_a_clear_400_and_moves_nothing(team: Team) -> None:
    item = team.item(number=1)

    response = team.client(team.manager).post(
        "/projects/PAY/items/bulk-move/", {"selected": [f"{item.pk}:1"], "to_status": ""}
    )

    assert response.status_code == 400
    assert "Choose the state to move the selected items to." in response.text
    assert ReleaseItem.objects.get(pk=item.pk).status_id == DEVELOPING


def test_set_state_without_a_state_is_a_clear_400_and_moves_nothing(team: Team) -> None:
    item = team.item(number=1, status=ReleaseStatus.objects.get(pk=DEVELOPING))

    response = team.client(team.manager).post(
        f"{ITEM}move/", {"version": 1, "to_status": "", "origin": "item"}
    )

    assert response.status_code == 400
    assert "Say where to move the item: a direction or a state." in response.text
    assert ReleaseItem.objects.get(pk=item.pk).status_id == DEVELOPING
