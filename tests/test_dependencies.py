"""Dependencies between items: "PAY-1 needs CRM-1", in the same release or another. Added and
removed on the item page by key; itself, duplicates, unknown keys, keys of releases the user
cannot see (the same refusal: nothing revealed) and cycles (named) are refused. Nothing moves
into a production state before everything it depends on is there: the engine, the board's
arrow, the bulk move and the release gate agree; a dependency the user cannot see still
blocks, without being named."""

import contextlib
import re
import threading
import time
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection, transaction
from django.db.utils import IntegrityError, InternalError, ProgrammingError
from django.test import Client
from django.test.utils import CaptureQueriesContext

from configuration import gates, services
from configuration.gates import WAITS_FOR, WAITS_FOR_HIDDEN
from configuration.models import ChangedConfigurationItem, ConfigurationItem, Dependency
from configuration.services import (
    ALREADY_DEPENDS,
    CYCLE,
    NO_SUCH_ITEM,
    NOT_ON_ITSELF,
    DependencyConflict,
    DependencyError,
    dependency_add,
    dependency_remove,
)
from items import engine
from items.engine import MoveNotAllowed
from items.models import ReleaseItem
from journal.models import ChangeKind
from projects.access import project_access
from projects.models import ReleaseProject
from projects.roles import Role
from projects.services import StageRefused, project_update
from releases.selectors import release_readiness
from tests.conftest import Team
from tests.factories import ItemFactory, MemberFactory, ProjectFactory, UserFactory
from tests.governance_fixtures import *  # noqa: F403  (the fixtures)
from tests.governance_fixtures import (
    ACCEPTANCE_TEST,
    DEVELOPING,
    INTEGRATION,
    PRODUCTION,
    fresh,
    item_in,
    move,
    pass_tests,
    sign_off_and_accept,
    state,
)

pytestmark = pytest.mark.django_db

ADD = "/projects/PAY/items/1/dependencies/"


def crm(team: Team, *, members: bool = True) -> ReleaseProject:
    """Another release, CRM; PAY's people are its members unless `members` is False."""
    project = ProjectFactory(code="CRM", name="CRM 7.1", release_manager=team.manager)
    if members:
        for user, role in (
            (team.manager, Role.RELEASE_MANAGER),
            (team.developer, Role.DEVELOPER),
            (team.qa, Role.QA_TESTER),
            (team.viewer, Role.VIEWER),
        ):
            MemberFactory(project=project, user=user, role=role)
    return project


def crm_item(project: ReleaseProject, state_id: int, number: int = 1) -> ReleaseItem:
    return ItemFactory(project=project, number=number, status=state(state_id), title="CRM hook")


def needs(team: Team, item: ReleaseItem, key: str, user=None) -> Dependency:
    """`item` needs `key`, added by `user` (the developer) through the service."""
    access = project_access(user=user or team.developer, code=item.project.code)
    return dependency_add(access=access, item_id=item.pk, key=key)


def ready_for_production(team: Team, number: int = 1) -> ReleaseItem:
    item = item_in(team, ACCEPTANCE_TEST, number=number)
    pass_tests(team, item)
    sign_off_and_accept(team, item)
    return fresh(item)


# --- Adding and removing ----------------------------------------------------------------


def test_a_developer_adds_a_dependency_by_key_on_the_item_page_and_it_is_journaled(
    team: Team,
) -> None:
    item = item_in(team, DEVELOPING)
    crm_item(crm(team), DEVELOPING)

    response = team.client(team.developer).post(ADD, {"key": " crm-1 "})

    assert response.status_code == 302
    dependency = Dependency.objects.get()
    assert (dependency.item, dependency.depends_on.key) == (item, "CRM-1")
    row = dependency.history.get()
    assert row.history_user == team.developer
    assert row.change_kind == ChangeKind.CREATED
    assert not row.history_change_reason  # the journal names the other item, if visible
    page = team.client(team.viewer).get("/projects/PAY/items/1/").text
    assert "CRM-1" in page
    assert "CRM hook" in page
    assert "Add a dependency" not in page  # viewers read only


def test_a_dependency_is_removed_and_the_removal_is_journaled(team: Team) -> None:
    item = item_in(team, DEVELOPING)
    other = item_in(team, DEVELOPING, number=2)
    dependency = needs(team, item, "PAY-2")

    response = team.client(team.developer).post(f"{ADD}{dependency.pk}/remove/")

    assert response.status_code == 302
    assert not Dependency.objects.exists()
    removed = Dependency.history.filter(id=dependency.pk).latest("history_id")
    assert removed.change_kind == ChangeKind.REMOVED
    assert removed.history_user == team.developer
    assert other.dependents.count() == 0


def item_in_pay(number: int) -> ReleaseItem:
    return ReleaseItem.objects.get(project__code="PAY", number=number)


def test_removing_a_dependency_twice_is_a_404_with_a_message(team: Team) -> None:
    item_in(team, DEVELOPING)
    item_in(team, DEVELOPING, number=2)
    dependency = needs(team, item_in_pay(1), "PAY-2")
    client = team.client(team.developer)
    client.post(f"{ADD}{dependency.pk}/remove/")

    again = client.post(f"{ADD}{dependency.pk}/remove/")

    assert again.status_code == 404
    assert "no such dependency" in again.text


@pytest.mark.parametrize("key", ["CRM-99", "NOPE-1", "crm", "", "-1", "CRM-0", "x" * 25])
def test_a_key_that_names_no_item_is_refused_and_nothing_changes(team: Team, key: str) -> None:
    item_in(team, DEVELOPING)
    crm_item(crm(team), DEVELOPING)

    response = team.client(team.developer).post(ADD, {"key": key})

    assert response.status_code == 400
    assert not Dependency.objects.exists()


def page_text(html: str) -> str:
    """The page without its per-response CSRF tokens and nonces."""
    return re.sub(r'(value|nonce)="[^"]*"', "", html)


def test_a_key_of_a_release_the_user_cannot_see_gets_the_refusal_of_an_unknown_key(
    team: Team,
) -> None:
    item_in(team, DEVELOPING)
    crm_item(crm(team, members=False), DEVELOPING)
    client = team.client(team.developer)

    hidden = client.post(ADD, {"key": "CRM-1"})
    unknown = client.post(ADD, {"key": "CRM-2"})

    assert hidden.status_code == unknown.status_code == 400
    assert NO_SUCH_ITEM.format(key="CRM-1") in hidden.text.replace("&quot;", '"')
    assert page_text(hidden.text).replace("CRM-1", "CRM-2") == page_text(unknown.text)
    assert "CRM hook" not in hidden.text
    assert not Dependency.objects.exists()


def test_an_item_cannot_depend_on_itself(team: Team) -> None:
    item = item_in(team, DEVELOPING)

    with pytest.raises(DependencyError) as refused:
        needs(team, item, "PAY-1")

    assert refused.value.message == NOT_ON_ITSELF.format(key="PAY-1")
    response = team.client(team.developer).post(ADD, {"key": "PAY-1"})
    assert response.status_code == 400
    assert not Dependency.objects.exists()


def test_a_duplicate_dependency_is_a_409_and_the_database_refuses_one_too(team: Team) -> None:
    item = item_in(team, DEVELOPING)
    other = item_in(team, DEVELOPING, number=2)
    needs(team, item, "PAY-2")

    with pytest.raises(DependencyConflict) as refused:
        needs(team, item, "PAY-2")

    assert refused.value.message == ALREADY_DEPENDS.format(key="PAY-1", other="PAY-2")
    assert team.client(team.developer).post(ADD, {"key": "PAY-2"}).status_code == 409
    with pytest.raises(IntegrityError), transaction.atomic():
        Dependency.objects.create(item=item, depends_on=other)
    with pytest.raises(IntegrityError), transaction.atomic():
        Dependency.objects.create(item=item, depends_on=item)


def test_a_cycle_is_refused_with_the_cycle_named(team: Team) -> None:
    pay = item_in(team, DEVELOPING)
    project = crm(team)
    crm1, crm2 = crm_item(project, DEVELOPING), crm_item(project, DEVELOPING, 2)
    needs(team, pay, "CRM-1")

    with pytest.raises(DependencyConflict) as direct:
        needs(team, crm1, "PAY-1")
    needs(team, crm1, "CRM-2")
    with pytest.raises(DependencyConflict) as longer:
        needs(team, crm2, "PAY-1")

    assert direct.value.message == CYCLE.format(
        key="CRM-1", other="PAY-1", cycle="CRM-1 → PAY-1 → CRM-1"
    )
    assert "(CRM-2 → PAY-1 → CRM-1 → CRM-2)" in longer.value.message
    assert Dependency.objects.count() == 2
    response = team.client(team.developer).post(
        "/projects/CRM/items/2/dependencies/", {"key": "PAY-1"}
    )
    assert response.status_code == 409
    assert "CRM-2 → PAY-1 → CRM-1 → CRM-2" in response.text


def test_a_cycle_through_a_hidden_item_says_so_without_its_key(team: Team) -> None:
    pay1, pay2 = item_in(team, DEVELOPING), item_in(team, DEVELOPING, number=2)
    secret = crm_item(crm(team, members=False), DEVELOPING)
    needs(team, pay1, "CRM-1", user=team.admin)  # an administrator sees every release
    dependency_add(
        access=project_access(user=team.admin, code="CRM"), item_id=secret.pk, key="PAY-2"
    )

    with pytest.raises(DependencyConflict) as refused:
        needs(team, pay2, "PAY-1")

    message = refused.value.message
    assert "PAY-2 → PAY-1 → an item in another release you cannot see → PAY-2" in message
    assert "CRM" not in message


# --- Who may ------------------------------------------------------------------------------


def test_read_only_members_get_403_outsiders_404_and_get_is_405(team: Team) -> None:
    item_in(team, DEVELOPING)
    item_in(team, DEVELOPING, number=2)

    assert team.client(team.viewer).post(ADD, {"key": "PAY-2"}).status_code == 403
    assert team.client(team.qa).post(ADD, {"key": "PAY-2"}).status_code == 403
    assert team.client(team.approver).post(ADD, {"key": "PAY-2"}).status_code == 403
    assert team.client(team.outsider).post(ADD, {"key": "PAY-2"}).status_code == 404
    assert team.client(team.developer).get(ADD).status_code == 405
    assert team.client(team.manager).post(ADD, {"key": "PAY-2"}).status_code == 302
    dependency = Dependency.objects.get()
    remove = f"{ADD}{dependency.pk}/remove/"
    assert team.client(team.viewer).post(remove).status_code == 403
    assert team.client(team.outsider).post(remove).status_code == 404
    assert Dependency.objects.count() == 1


def test_the_add_form_needs_a_csrf_token(team: Team) -> None:
    item_in(team, DEVELOPING)
    item_in(team, DEVELOPING, number=2)
    client = Client(enforce_csrf_checks=True)
    client.force_login(team.developer)

    assert client.post(ADD, {"key": "PAY-2"}).status_code == 403
    assert not Dependency.objects.exists()


def test_a_released_release_takes_no_new_dependencies(team: Team) -> None:
    item = item_in(team, PRODUCTION)
    item_in(team, PRODUCTION, number=2)
    ReleaseProject.objects.filter(pk=team.project.pk).update(lifecycle="released")

    response = team.client(team.manager).post(ADD, {"key": "PAY-2"})

    assert response.status_code == 403
    assert not Dependency.objects.filter(item=item).exists()


# --- The gate -----------------------------------------------------------------------------


def test_the_engine_refuses_the_move_into_production_before_a_cross_release_dependency(
    team: Team, rules: dict
) -> None:
    item = ready_for_production(team)
    other = crm_item(crm(team), INTEGRATION)
    needs(team, item, "CRM-1")

    with pytest.raises(MoveNotAllowed) as refused:
        move(team, team.qa, item, direction="next")

    assert WAITS_FOR.format(key="CRM-1") in refused.value.message
    assert fresh(item).status_id == ACCEPTANCE_TEST
    ReleaseItem.objects.filter(pk=other.pk).update(status_id=PRODUCTION)
    assert move(team, team.qa, item, direction="next").status_id == PRODUCTION


def test_without_rules_the_dependency_still_gates_every_way_into_production(team: Team) -> None:
    item = item_in(team, ACCEPTANCE_TEST)
    crm_item(crm(team), DEVELOPING)
    needs(team, item, "CRM-1")

    with pytest.raises(MoveNotAllowed, match="waits for CRM-1"):
        move(team, team.developer, item, direction="next")
    with pytest.raises(MoveNotAllowed, match="waits for CRM-1"):
        move(team, team.manager, item, to=PRODUCTION)
    assert move(team, team.developer, item, direction="prev").status_id != ACCEPTANCE_TEST


def test_the_board_shows_the_arrow_disabled_saying_what_it_waits_for(
    team: Team, rules: dict
) -> None:
    item = ready_for_production(team)
    crm_item(crm(team), INTEGRATION)
    needs(team, item, "CRM-1")

    board = team.client(team.qa).get("/projects/PAY/board/").text
    card = board.split(f'id="card-{item.pk}"')[1].split("</li>")[0]

    assert 'aria-disabled="true"' in card
    assert "waits for CRM-1" in card
    response = team.client(team.qa).post(
        "/projects/PAY/items/1/move/", {"version": item.version, "direction": "next"}
    )
    assert response.status_code == 403
    assert "waits for CRM-1" in response.text
    assert fresh(item).status_id == ACCEPTANCE_TEST


def test_a_bulk_move_into_production_is_refused_whole_naming_the_dependency(
    team: Team, rules: dict
) -> None:
    first, second = ready_for_production(team), ready_for_production(team, number=2)
    crm_item(crm(team), INTEGRATION)
    needs(team, second, "CRM-1")

    response = team.client(team.manager).post(
        "/projects/PAY/items/bulk-move/",
        {
            "selected": [f"{i.pk}:{fresh(i).version}" for i in (first, second)],
            "to_status": PRODUCTION,
        },
    )

    assert response.status_code == 403
    assert "Nothing was moved" in response.text
    assert "waits for CRM-1" in response.text
    assert {fresh(first).status_id, fresh(second).status_id} == {ACCEPTANCE_TEST}
    with pytest.raises(MoveNotAllowed, match="waits for CRM-1"):
        engine.items_move_bulk(
            access=team.access(team.manager),
            versions={i.pk: fresh(i).version for i in (first, second)},
            to_status_id=PRODUCTION,
        )


def test_a_dependency_in_a_release_the_user_cannot_see_blocks_but_reveals_nothing(
    team: Team, rules: dict
) -> None:
    item = ready_for_production(team)
    secret = crm_item(crm(team, members=False), INTEGRATION)
    needs(team, item, "CRM-1", user=team.admin)

    with pytest.raises(MoveNotAllowed) as refused:
        move(team, team.qa, item, direction="next")

    assert WAITS_FOR_HIDDEN in refused.value.message
    assert "CRM" not in refused.value.message
    for user in (team.qa, team.developer, team.viewer):
        client = team.client(user)
        for url in ("/projects/PAY/board/", "/projects/PAY/items/1/", "/projects/PAY/"):
            page = client.get(url).text
            assert "CRM-1" not in page, url
            assert "CRM hook" not in page, url
            assert secret.get_absolute_url() not in page, url
    assert WAITS_FOR_HIDDEN in team.client(team.qa).get("/projects/PAY/board/").text
    assert (
        "another release you cannot see" in team.client(team.qa).get("/projects/PAY/items/1/").text
    )
    # An administrator sees the key.
    assert "waits for CRM-1" in team.client(team.admin).get("/projects/PAY/board/").text


def test_an_item_of_a_release_the_user_cannot_see_that_needs_this_one_does_not_show(
    team: Team,
) -> None:
    item_in(team, DEVELOPING)
    secret = crm_item(crm(team, members=False), DEVELOPING)
    dependency_add(
        access=project_access(user=team.admin, code="CRM"), item_id=secret.pk, key="PAY-1"
    )

    page = team.client(team.developer).get("/projects/PAY/items/1/").text
    admin_page = team.client(team.admin).get("/projects/PAY/items/1/").text

    assert "Needed by" not in page
    assert "cannot see" not in page
    assert "CRM-1" not in page
    assert "Needed by" in admin_page
    assert "CRM-1" in admin_page


def test_an_emergency_move_passes_a_waiting_dependency_and_records_it(
    team: Team, rules: dict
) -> None:
    item = ready_for_production(team)
    crm_item(crm(team), INTEGRATION)
    needs(team, item, "CRM-1")

    moved = move(
        team, team.manager, item, to=PRODUCTION, comment="P1 incident INC-1", emergency=True
    )

    assert moved.status_id == PRODUCTION
    assert "waits for CRM-1" in item.emergencies.get().blockers


def test_the_release_gate_refuses_released_while_an_item_waits_for_a_dependency(
    team: Team,
) -> None:
    item = item_in(team, PRODUCTION)
    crm_item(crm(team), INTEGRATION)
    needs(team, item, "CRM-1")

    readiness = release_readiness(access=team.access(team.manager))
    with pytest.raises(StageRefused) as refused:
        project_update(access=team.access(team.manager), fields={"lifecycle": "released"})

    assert "1 item waiting for a dependency (PAY-1)" in refused.value.message
    details = [s.detail for row in readiness.items for s in row.shortfalls]
    assert "waits for CRM-1" in details
    assert "waits for CRM-1" in team.client(team.manager).get("/projects/PAY/").text


def test_the_item_page_and_the_board_cost_the_same_with_any_number_of_dependencies(
    team: Team, rules: dict
) -> None:
    """Dependencies both ways, visible and hidden: one query for the item page's panel and one
    for the gate, with 2 or 30 of them (tests/test_query_counts.py names the pages' others)."""
    item = ready_for_production(team)
    visible, hidden = crm(team), ProjectFactory(code="SEC", release_manager=team.manager)
    client = team.client(team.qa)  # who may make the move into production

    def add(numbers: range) -> None:
        for n in numbers:
            project = visible if n % 2 else hidden
            other = ItemFactory(project=project, number=n, status=state(DEVELOPING))
            Dependency.objects.create(item=item, depends_on=other)
            needing = ItemFactory(project=project, number=100 + n)
            Dependency.objects.create(item=needing, depends_on=item)

    def queries() -> dict[str, tuple[int, int]]:
        found = {}
        for url in ("/projects/PAY/items/1/", "/projects/PAY/board/"):
            with CaptureQueriesContext(connection) as captured:
                page = client.get(url).text
            assert WAITS_FOR_HIDDEN in page
            assert "waits for CRM-1" in page
            sql = [q["sql"] for q in captured.captured_queries]
            found[url] = (len(sql), sum('"configuration_dependency"' in q for q in sql))
        return found

    add(range(1, 3))
    client.get("/projects/PAY/items/1/")  # the states in memory, as on every later request
    few = queries()
    add(range(3, 31))

    assert queries() == few
    assert few["/projects/PAY/items/1/"][1] == 2  # the gate's and the panel's
    assert few["/projects/PAY/board/"][1] == 1  # the gate's


# --- The journal and races ------------------------------------------------------------------


def test_the_dependencies_journal_is_append_only(team: Team, postgres: None) -> None:
    item_in(team, DEVELOPING)
    item_in(team, DEVELOPING, number=2)
    row = needs(team, item_in_pay(1), "PAY-2").history.get()

    for statement in (
        "UPDATE configuration_historicaldependency SET item_id = item_id WHERE history_id = %s",
        "DELETE FROM configuration_historicaldependency WHERE history_id = %s",
    ):
        with (
            pytest.raises((InternalError, ProgrammingError)),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(statement, [row.history_id])


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_dependencies_cannot_close_a_cycle(
    states, postgres: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A -> B and B -> A at the same moment: each sees no cycle on its own; the graph lock
    makes the second wait and see the first. Each thread pauses after its cycle check until
    the other reaches it too (or a second passes): without the lock both would insert."""
    manager = UserFactory(username="maria")
    project = ProjectFactory(code="PAY", release_manager=manager)
    MemberFactory(project=project, user=manager, role=Role.RELEASE_MANAGER)
    a = ItemFactory(project=project, number=1)
    b = ItemFactory(project=project, number=2)
    barrier = threading.Barrier(2)
    check = services._cycle_path

    def paused(**kwargs: int) -> list[int]:
        path = check(**kwargs)
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait(timeout=1)
        return path

    monkeypatch.setattr(services, "_cycle_path", paused)
    outcomes: list[str] = []

    def add(item: ReleaseItem, key: str) -> None:
        try:
            dependency_add(
                access=project_access(user=manager, code="PAY"), item_id=item.pk, key=key
            )
            outcomes.append("added")
        except DependencyConflict as error:
            outcomes.append(error.message)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=add, args=(a, "PAY-2")),
        threading.Thread(target=add, args=(b, "PAY-1")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)

    assert len(outcomes) == 2
    assert outcomes.count("added") == 1
    assert any("would make a cycle" in outcome for outcome in outcomes)
    assert Dependency.objects.count() == 1


def test_the_journals_show_dependencies_added_and_removed_naming_only_visible_releases(
    team: Team,
) -> None:
    pay1 = item_in(team, DEVELOPING)
    item_in(team, DEVELOPING, number=2)
    crm_item(crm(team), DEVELOPING)
    needs(team, pay1, "PAY-2")
    dependency = needs(team, pay1, "CRM-1")
    dependency_remove(
        access=team.access(team.developer), item_id=pay1.pk, dependency_id=dependency.pk
    )

    item_journal = team.client(team.viewer).get("/projects/PAY/items/1/journal/").text
    project_journal = team.client(team.viewer).get("/projects/PAY/journal/").text
    installation = team.client(team.admin).get("/journal/").text

    for page in (item_journal, project_journal):
        assert "Dependency added" in page
        assert "Depends on PAY-2" in page
        assert "Dependency removed" in page
        assert "No longer depends on an item of another release" in page
        assert "CRM-1" not in page  # the release journal names no other release's items
    assert "No longer depends on CRM-1" in installation


# --- The demo -------------------------------------------------------------------------------


def test_the_demo_shows_a_pay_item_waiting_for_crm_1_and_the_configuration_items(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DEMO_PASSWORD", "demo-password-for-tests")
    call_command("seed_demo", stdout=StringIO())
    call_command("seed_demo", stdout=StringIO())  # twice: nothing new

    dependency = Dependency.objects.select_related("item__project", "depends_on__project").get()
    assert dependency.depends_on.key == "CRM-1"
    assert dependency.item.project.code == "PAY"
    assert ConfigurationItem.objects.count() == 5
    assert ChangedConfigurationItem.objects.filter(item__project__code="PAY").exists()
    manager = get_user_model().objects.get(username="manager")
    client = Client()
    client.force_login(manager)
    assert "waits for CRM-1" in client.get("/projects/PAY/board/").text
    assert "Core banking API" in client.get("/projects/PAY/").text


# --- The gate under concurrent moves --------------------------------------------------------

HOLD = 0.7  # seconds the first move keeps its transaction open after its change


def move_crm_out(team: Team, dependency: ReleaseItem) -> None:
    """The release manager sets CRM's item back to acceptance test."""
    engine.item_move(
        access=project_access(user=team.manager, code="CRM"),
        item_id=dependency.pk,
        expected_version=fresh(dependency).version,
        to_status_id=ACCEPTANCE_TEST,
    )


def _in_thread(work) -> threading.Thread:
    def target() -> None:
        try:
            work()
        finally:
            connection.close()  # each thread has its own connection

    thread = threading.Thread(target=target)
    thread.start()
    return thread


@pytest.mark.django_db(transaction=True)
def test_a_move_into_production_waits_for_its_dependency_moving_out_and_is_refused(
    team: Team, postgres: None
) -> None:
    """CRM-1 leaves production while PAY-1 moves in. The engine's re-check reads CRM-1 under a
    row lock, so it waits for CRM-1's move to commit and sees it: without the lock it would
    read the last committed state (still production) and both moves would go through."""
    item = item_in(team, ACCEPTANCE_TEST)
    dependency = crm_item(crm(team), PRODUCTION)
    needs(team, item, "CRM-1")
    moved, outcome = threading.Event(), {}

    def move_out() -> None:
        with transaction.atomic():
            move_crm_out(team, dependency)
            moved.set()
            time.sleep(HOLD)  # still uncommitted: PAY-1's move must not decide on the old state

    def move_in() -> None:
        moved.wait(timeout=10)
        try:
            move(team, team.developer, item, direction="next")
            outcome["moved"] = True
        except MoveNotAllowed as error:
            outcome["refused"] = error.message

    threads = [_in_thread(move_out), _in_thread(move_in)]
    for thread in threads:
        thread.join(timeout=30)

    assert moved.is_set()
    assert WAITS_FOR.format(key="CRM-1") in outcome.get("refused", ""), outcome
    assert fresh(dependency).status_id == ACCEPTANCE_TEST
    assert fresh(item).status_id == ACCEPTANCE_TEST


@pytest.mark.django_db(transaction=True)
def test_a_dependency_moving_out_waits_for_the_move_into_production_that_read_it(
    team: Team, postgres: None
) -> None:
    """The other interleaving: PAY-1's move has read CRM-1 in production; CRM-1's move out
    waits for it to commit (moving out is not gated), so the two happen one after the other."""
    item = item_in(team, ACCEPTANCE_TEST)
    dependency = crm_item(crm(team), PRODUCTION)
    needs(team, item, "CRM-1")
    moved, order = threading.Event(), []

    def move_in() -> None:
        with transaction.atomic():
            move(team, team.developer, item, direction="next")
            moved.set()
            time.sleep(HOLD)
            order.append("PAY-1 in")

    def move_out() -> None:
        moved.wait(timeout=10)
        move_crm_out(team, dependency)
        order.append("CRM-1 out")

    threads = [_in_thread(move_in), _in_thread(move_out)]
    for thread in threads:
        thread.join(timeout=30)

    assert order == ["PAY-1 in", "CRM-1 out"]
    assert fresh(item).status_id == PRODUCTION
    assert fresh(dependency).status_id == ACCEPTANCE_TEST


def test_only_the_engine_locks_the_dependencies_never_a_page(team: Team, rules: dict) -> None:
    """The board and the item page weigh the same move without locking a row; the engine's
    re-check of a move into production locks the dependencies it read."""
    item = ready_for_production(team)
    crm_item(crm(team), INTEGRATION)
    needs(team, item, "CRM-1")
    client = team.client(team.qa)

    for url in ("/projects/PAY/items/1/", "/projects/PAY/board/"):
        with CaptureQueriesContext(connection) as captured:
            assert "waits for CRM-1" in client.get(url).text
        assert not any("FOR NO KEY UPDATE" in q["sql"] for q in captured.captured_queries), url
    with CaptureQueriesContext(connection) as captured, pytest.raises(MoveNotAllowed):
        move(team, team.qa, item, direction="next")
    locked = [q["sql"] for q in captured if "FOR NO KEY UPDATE" in q["sql"]]
    assert len(locked) == 1
    assert '"configuration_dependency"' in locked[0]


@pytest.mark.django_db(transaction=True)
def test_two_bulk_moves_that_wait_on_each_other_end_in_a_409_for_one_not_a_server_error(
    team: Team, postgres: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PAY's bulk move holds PAY-1 and waits for CRM-1 (PAY-1 needs it); CRM's holds CRM-1
    and waits for PAY-1 (CRM-2 needs it). PostgreSQL rolls one back: that one is told to try
    again, and each bulk move is whole or nothing."""
    pay = [item_in(team, ACCEPTANCE_TEST, number=n) for n in (1, 2)]
    crm_project = crm(team)
    crm_items = [crm_item(crm_project, ACCEPTANCE_TEST, number=n) for n in (1, 2)]
    needs(team, pay[0], "CRM-1")
    needs(team, crm_items[1], "PAY-1")
    # Both bulk moves hold their own rows before either gate locks what it depends on.
    both_hold_their_items = threading.Barrier(2, timeout=10)
    locking_read = gates.needs_of

    def needs_of_after_both_hold(**kwargs):
        if kwargs.get("lock") and not getattr(threading.current_thread(), "passed", False):
            threading.current_thread().passed = True
            both_hold_their_items.wait()
        return locking_read(**kwargs)

    monkeypatch.setattr(gates, "needs_of", needs_of_after_both_hold)
    outcomes: dict[str, str] = {}

    def bulk(code: str, items: list[ReleaseItem]) -> None:
        try:
            engine.items_move_bulk(
                access=project_access(user=team.manager, code=code),
                versions={i.pk: fresh(i).version for i in items},
                to_status_id=PRODUCTION,
            )
            outcomes[code] = "moved"
        except engine.EngineError as error:
            outcomes[code] = f"{error.status_code}: {error.message}"

    threads = [_in_thread(lambda: bulk("PAY", pay)), _in_thread(lambda: bulk("CRM", crm_items))]
    for thread in threads:
        thread.join(timeout=30)

    assert f"409: {engine.BULK_COLLIDED}" in outcomes.values(), outcomes
    assert len(outcomes) == 2, outcomes
    for items in (pay, crm_items):
        assert len({fresh(i).status_id for i in items}) == 1  # whole or nothing
