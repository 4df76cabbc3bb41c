"""Journal pages: what an entry says, filters, keyset pagination, and removed items' history."""

import re
from datetime import UTC, datetime, timedelta
from html import unescape

import pytest
from django.test import Client
from django.utils import timezone
from django.utils.html import escape
from simple_history.utils import bulk_create_with_history

from items import engine
from items.models import Change, ReleaseItem, ReleaseStatus
from journal.selectors import BAD_CURSOR, PAGE_SIZE
from journal.views import NO_SUCH_ITEM
from planning.models import ReleaseSchedule
from projects.models import ReleaseMember, ReleaseProject
from tests.conftest import Team
from tests.factories import ItemFactory, ProjectFactory, UserFactory

DEVELOPING, READY_FOR_REVIEW, CLOSED = 4500, 4540, 4595
JOURNAL = "/projects/PAY/journal/"
CLIENT_IP = "203.0.113.7"


def entries(html: str) -> list[str]:
    """Each journal entry as one line of text, tags stripped."""
    items = re.findall(
        r'<li class="entry kind-[a-z]+">(.*?)</li>\s*(?=<li class="entry|</ol>)', html, re.S
    )
    return [" ".join(unescape(re.sub(r"<[^>]+>", " ", item)).split()) for item in items]


def times(html: str) -> list[datetime]:
    return [datetime.fromisoformat(t) for t in re.findall(r'<time datetime="([^"]+)"', html)]


def older_link(html: str) -> str | None:
    match = re.search(r'<a href="(\?[^"]*)">Older entries</a>', html)
    return unescape(match[1]) if match else None


def move(client: Client, number: int, version: int, comment: str = "", **extra):
    return client.post(
        f"/projects/PAY/items/{number}/move/",
        {"version": version, "direction": "next", "comment": comment},
        **extra,
    )


# --- What entries say ----------------------------------------------------------------------


def test_item_journal_shows_the_move_with_states_user_comment_and_address(team: Team) -> None:
    team.item(number=1, title="Fix rounding")
    client = team.client(team.developer)
    move(client, 1, 1, "Reviewed by Ann", REMOTE_ADDR=CLIENT_IP)

    response = client.get("/projects/PAY/items/1/journal/")

    assert response.status_code == 200
    newest, created = entries(response.text)
    assert newest == (
        f"{newest[:23]} david from {CLIENT_IP} Moved "
        "Moved from 0 - Developing to 1 - Ready for Review “Reviewed by Ann”"
    )
    assert created.endswith("Created Created in 0 - Developing: Fix rounding")


def test_edit_entries_list_what_changed(team: Team) -> None:
    team.item(number=1, title="Fix roundng")
    client = team.client(team.developer)
    client.post(
        "/projects/PAY/items/1/edit/",
        {
            "version": 1,
            "kind": "bug",
            "title": "Fix rounding",
            "priority": 3,
            "assignee": team.qa.pk,
        },
    )

    html = client.get("/projects/PAY/items/1/journal/").text

    # Two rows: the content's edit (on the change, shared by every release that includes it)
    # and the item's own (its assignee in this release).
    edited = " ".join(entries(html)[:2])
    assert "title : Fix roundng → Fix rounding" in edited
    assert "kind : Change request → Bug" in edited
    assert f"assignee : — → {team.qa}" in edited
    assert "priority" not in edited  # unchanged fields are not listed


def test_item_journal_shows_only_that_item(team: Team) -> None:
    team.item(number=1, title="Ours")
    team.item(number=2, title="Our other")
    ItemFactory(project=ProjectFactory(code="OPS"), number=1, title="Theirs")

    html = team.client(team.viewer).get("/projects/PAY/items/1/journal/").text

    assert [e.split(": ", 1)[1] for e in entries(html)] == ["Ours"]


def test_journal_escapes_what_users_wrote(team: Team) -> None:
    team.item(number=1, title="<script>alert(1)</script>")
    move(team.client(team.qa), 1, 1, "<img src=x onerror=alert(1)>")

    html = team.client(team.viewer).get(JOURNAL).text

    assert "<script>alert(1)" not in html
    assert "<img src=x" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


def test_removed_items_journal_stays_reachable_from_the_project_journal(team: Team) -> None:
    team.item(number=1, title="Dropped feature")
    manager = team.client(team.manager)
    manager.post("/projects/PAY/items/1/delete/", {"version": 1, "reason": "Out of scope"})

    project = manager.get(JOURNAL)
    item = manager.get("/projects/PAY/items/1/journal/")

    assert 'href="/projects/PAY/items/1/journal/">PAY-1</a> · Removed: Dropped feature' in (
        project.text
    )
    assert item.status_code == 200
    assert "Removed: Dropped feature" in entries(item.text)[0]
    assert "“Out of scope”" in entries(item.text)[0]
    assert "maria" in entries(item.text)[0]


def test_journal_of_an_item_that_never_existed_is_404(team: Team) -> None:
    ItemFactory(project=ProjectFactory(code="OPS"), number=1)

    response = team.client(team.viewer).get("/projects/PAY/items/1/journal/")

    assert response.status_code == 404
    assert escape(NO_SUCH_ITEM) in response.text


# --- The client's address ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("person", "path", "data"),
    [
        ("qa", "/projects/PAY/items/1/move/", {"version": 1, "direction": "next"}),
        ("qa", "/projects/PAY/items/1/reorder/", {"version": 1, "shift": "down"}),
        ("developer", "/projects/PAY/items/new/", {"kind": "bug", "title": "X", "priority": 3}),
        (
            "developer",
            "/projects/PAY/items/1/edit/",
            {"version": 1, "kind": "bug", "title": "X", "priority": 3},
        ),
        ("manager", "/projects/PAY/items/1/delete/", {"version": 1}),
        ("manager", "/projects/PAY/members/add/", {"user": "{nina}", "role": "viewer"}),
        (
            "manager",
            "/projects/PAY/edit/",
            {"name": "Payments", "lifecycle": "in_progress", "release_manager": "{maria}"},
        ),
    ],
)
def test_rows_written_over_http_record_the_client_address(
    team: Team, person: str, path: str, data: dict
) -> None:
    team.item(number=1)
    team.item(number=2)
    ReleaseProject.objects.filter(pk=team.project.pk).update(next_item_number=3)
    ids = {"nina": UserFactory(username="nina").pk, "maria": team.manager.pk}
    data = {key: str(value).format(**ids) for key, value in data.items()}
    journals = (
        ReleaseItem.history,
        Change.history,
        ReleaseMember.history,
        ReleaseProject.history,
    )
    before = {model.model: set(model.values_list("history_id", flat=True)) for model in journals}

    response = team.client(getattr(team, person)).post(path, data, REMOTE_ADDR=CLIENT_IP)

    assert response.status_code == 302
    written = [
        row for model in journals for row in model.exclude(history_id__in=before[model.model])
    ]
    assert written
    assert {row.ip_address for row in written} == {CLIENT_IP}
    assert f"from {CLIENT_IP}" in team.client(team.viewer).get(JOURNAL).text


def test_rows_written_outside_a_request_have_no_address(team: Team) -> None:
    team.item(number=1)

    assert ReleaseItem.history.get().ip_address is None


# --- The project journal: order and filters --------------------------------------------------


def test_project_journal_is_newest_first_across_items_members_and_project(team: Team) -> None:
    team.item(number=1, title="First")
    move(team.client(team.qa), 1, 1)
    team.client(team.manager).post(
        "/projects/PAY/members/add/", {"user": UserFactory(username="nina").pk, "role": "qa"}
    )

    html = team.client(team.viewer).get(JOURNAL).text

    stamps = times(html)
    assert stamps == sorted(stamps, reverse=True)
    # Less the schedule's actual dates the system recorded (tests/test_planning_schedule.py).
    lines = [line for line in entries(html) if "Schedule of PAY" not in line]
    assert "Member nina · Added as QA tester" in lines[0]
    assert "PAY-1 · Moved from 0 - Developing to 1 - Ready for Review" in lines[1]
    assert "PAY-1 · Created in 0 - Developing: First" in lines[2]
    assert "Project PAY · Created “Payments 4.2”" in lines[-1]
    assert len(lines) == 1 + 5 + 3  # the project, five members, then this test's changes


@pytest.fixture
def busy_day(team: Team) -> Team:
    """Moves by three people on three days (back-dated through the engine's `at`)."""
    for number in (1, 2, 3):
        team.item(number=number)
    for number, (person, day) in enumerate([("qa", 1), ("developer", 2), ("manager", 3)], start=1):
        engine.item_move(
            access=team.access(getattr(team, person)),
            item_id=ReleaseItem.objects.get(number=number).pk,
            expected_version=1,
            direction="next",
            comment=f"move {number}",
            at=datetime(2024, 3, day, 12, tzinfo=UTC),
        )
    return team


@pytest.mark.parametrize(
    ("query", "reasons"),
    [
        ("kind=moved", ["move 3", "move 2", "move 1"]),
        ("kind=moved&user={developer}", ["move 2"]),
        ("since=2024-03-02&until=2024-03-02", ["move 2"]),
        ("since=2024-03-02&kind=moved", ["move 3", "move 2"]),
        ("until=2024-03-01", ["move 1"]),
        ("user={qa}", ["move 1"]),
        ("source=members&kind=moved", []),
    ],
)
def test_project_journal_filters_by_user_kind_and_date(
    busy_day: Team, query: str, reasons: list[str]
) -> None:
    team = busy_day
    query = query.format(developer=team.developer.pk, qa=team.qa.pk)

    response = team.client(team.viewer).get(f"{JOURNAL}?{query}")

    assert response.status_code == 200
    found = [re.search(r"“(.*)”", line)[1] for line in entries(response.text)]
    assert found == reasons


def test_project_journal_filters_by_source(team: Team) -> None:
    team.item(number=1)

    html = team.client(team.viewer).get(f"{JOURNAL}?source=members").text

    assert len(entries(html)) == 5
    assert all(" · " in line and "Member " in line for line in entries(html))


@pytest.mark.parametrize(
    "query", ["since=yesterday", "until=2024-02-30", "user=abc", "kind=exploded", "source=x"]
)
def test_malformed_filters_are_a_bad_request(team: Team, query: str) -> None:
    response = team.client(team.viewer).get(f"{JOURNAL}?{query}")

    assert response.status_code == 400
    assert entries(response.text) == []


# --- Keyset pagination -----------------------------------------------------------------------


@pytest.fixture
def long_journal(team: Team) -> int:
    """At least 120 entries, most of them sharing one timestamp across sources and kinds.

    Returns how many entries the project journal holds.
    """
    moment = datetime(2024, 5, 1, 9, tzinfo=UTC)
    changes = bulk_create_with_history(
        [Change(title=f"Item {number}") for number in range(1, 61)],
        Change,
        default_user=team.developer,
        default_date=moment,
        custom_historical_attrs={"change_kind": "created"},
    )
    items = ItemFactory.build_batch(60, project=team.project)
    for number, item in enumerate(items, start=1):
        item.number, item.change = number, changes[number - 1]
    bulk_create_with_history(
        items,
        ReleaseItem,
        default_user=team.developer,
        default_date=moment,
        custom_historical_attrs={"change_kind": "created"},
    )
    access = team.access(team.qa)
    for item in ReleaseItem.objects.order_by("number"):
        engine.item_move(
            access=access,
            item_id=item.pk,
            expected_version=item.version,
            direction="next",
            comment=f"move {item.number}",
            at=moment,
        )
    for name in ("ann", "bob", "cid"):
        member = ReleaseMember(project=team.project, user=UserFactory(username=name), role="qa")
        member._history_date = moment
        member.save()
    project = ReleaseProject.objects.get(pk=team.project.pk)
    project.name, project._history_date = "Payments 4.2.1", moment
    project.save()
    return sum(
        model.history.filter(**{field: team.project.pk}).count()
        for model, field in (
            (ReleaseItem, "project_id"),
            (ReleaseMember, "project_id"),
            (ReleaseProject, "id"),
            (ReleaseSchedule, "project_id"),  # actual dates the moves recorded
        )
    )


def test_walking_older_entries_gives_every_entry_once_in_order(
    team: Team, long_journal: int
) -> None:
    client = team.client(team.viewer)
    seen: list[str] = []
    stamps: list[datetime] = []
    sizes = []
    url = JOURNAL
    while url:
        response = client.get(url)
        assert response.status_code == 200
        page = entries(response.text)
        sizes.append(len(page))
        seen += page
        stamps += times(response.text)
        if len(sizes) > 1:
            assert ">Newest</a>" in response.text
        link = older_link(response.text)
        url = f"{JOURNAL}{link}" if link else None

    assert long_journal >= 120
    assert sizes == [PAGE_SIZE, PAGE_SIZE, long_journal - 2 * PAGE_SIZE]
    assert len(seen) == long_journal
    assert len(set(seen)) == long_journal  # no entry twice, so none was skipped either
    assert stamps == sorted(stamps, reverse=True)
    for number in range(1, 61):
        assert sum(f"“move {number}”" in line for line in seen) == 1


def test_older_entries_keep_the_filters(team: Team, long_journal: int) -> None:
    client = team.client(team.viewer)

    first = client.get(f"{JOURNAL}?kind=moved")
    link = older_link(first.text)
    second = client.get(f"{JOURNAL}{link}")

    assert "kind=moved" in link
    assert len(entries(first.text)) == PAGE_SIZE
    assert len(entries(second.text)) == 60 - PAGE_SIZE
    assert older_link(second.text) is None
    moves = entries(first.text) + entries(second.text)
    assert len(set(moves)) == 60
    assert all("Moved from" in line for line in moves)


def test_item_journal_pages_too(team: Team) -> None:
    item = team.item(number=1)
    access = team.access(team.manager)
    start = timezone.now() + timedelta(minutes=1)  # after the creation
    for step in range(PAGE_SIZE + 10):
        item = engine.item_move(
            access=access,
            item_id=item.pk,
            expected_version=item.version,
            to_status_id=READY_FOR_REVIEW if step % 2 == 0 else DEVELOPING,
            comment=f"step {step}",
            at=start + timedelta(minutes=step),
        )
    client = team.client(team.viewer)

    first = client.get("/projects/PAY/items/1/journal/")
    second = client.get(f"/projects/PAY/items/1/journal/{older_link(first.text)}")

    assert len(entries(first.text)) == PAGE_SIZE
    assert len(entries(second.text)) == 11  # ten moves and the creation
    assert "step 59" in entries(first.text)[0]
    assert "Created in" in entries(second.text)[-1]


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage",
        "a|b|c",
        "||",
        "2024-01-01T00:00:00|0|1",  # no time zone
        "2024-13-01T00:00:00+00:00|0|1",
        "2024-01-01T00:00:00+00:00|x|1",
        "2024-01-01T00:00:00+00:00|0|1.5",
        "2024-01-01T00:00:00+00:00|0|1|2",
        "2024-01-01T00:00:00+00:00",
    ],
)
@pytest.mark.parametrize(
    "path", [JOURNAL, "/projects/PAY/items/1/journal/", "/journal/"], ids=["project", "item", "all"]
)
def test_malformed_cursor_is_a_bad_request_with_its_message(
    team: Team, path: str, cursor: str
) -> None:
    team.item(number=1)

    response = team.client(team.admin).get(path, {"before": cursor})

    assert response.status_code == 400
    assert escape(BAD_CURSOR) in response.text
    assert entries(response.text) == []


def test_global_journal_includes_release_states(team: Team) -> None:
    ReleaseStatus.objects.get(pk=CLOSED).save()

    lines = entries(team.client(team.admin).get("/journal/?source=states").text)

    assert "State 4595 · Edited" in lines[0]
    assert any("State 4500 · Created “0 - Developing”" in line for line in lines)
    assert len(lines) == 8 + 1
