"""Configuration items: a catalogue kept by administrators and read by everyone logged in;
items say which configuration items they change (on the item page, by those who edit items);
the release page lists the configuration items a release touches and flags each one another
release also touches in an overlapping go-live window (naming only releases the reader may
see). Every change is journaled, append-only."""

import datetime as dt

import pytest
from django.db import connection, transaction
from django.db.models import ProtectedError
from django.db.utils import InternalError, ProgrammingError
from django.test import Client

from configuration.models import ChangedConfigurationItem, CIType, ConfigurationItem
from configuration.services import ALREADY_CHANGES, NO_SUCH_CI
from journal.models import ChangeKind
from planning.models import ReleaseSchedule
from projects.models import Lifecycle, ReleaseProject
from projects.roles import Role
from releasemgmt.limits import DESCRIPTION_MAX
from tests.conftest import Team
from tests.factories import ItemFactory, MemberFactory, ProjectFactory
from tests.test_query_counts import PAGES

pytestmark = pytest.mark.django_db

ITEM = "/projects/PAY/items/1/"
ADD = f"{ITEM}configuration-items/"
UTC = dt.UTC


def ci(name: str = "Payment gateway", **kwargs: object) -> ConfigurationItem:
    kwargs.setdefault("type", CIType.SERVICE)
    return ConfigurationItem.objects.create(name=name, **kwargs)


def window(project: ReleaseProject, start_day: int, end_day: int) -> ReleaseSchedule:
    # A release's schedule may exist already (made with the release).
    schedule, _ = ReleaseSchedule.objects.update_or_create(
        project=project,
        defaults={
            "go_live_start": dt.datetime(2026, 12, start_day, 18, tzinfo=UTC),
            "go_live_end": dt.datetime(2026, 12, end_day, 6, tzinfo=UTC),
        },
    )
    return schedule


def release(team: Team, code: str, *, member: bool = True, **kwargs) -> ReleaseProject:
    project = ProjectFactory(code=code, name=f"Release {code}", release_manager=team.manager)
    if member:
        MemberFactory(project=project, user=team.viewer, role=Role.VIEWER)
    return project


def changes(project: ReleaseProject, number: int, *cis: ConfigurationItem) -> None:
    item = project.items.filter(number=number).first() or ItemFactory(
        project=project, number=number
    )
    for entry in cis:
        ChangedConfigurationItem.objects.create(item=item, configuration_item=entry)


# --- The catalogue ------------------------------------------------------------------------


def test_the_catalogue_is_read_only_for_every_logged_in_user(team: Team) -> None:
    ci("Payment gateway", description="Card acquiring", owner=team.manager)
    ci("ORA-PAY01", type=CIType.DATABASE)

    page = team.client(team.outsider).get("/configuration-items/")

    assert page.status_code == 200
    assert "Payment gateway" in page.text
    assert "ORA-PAY01" in page.text
    assert "Database" in page.text
    assert "Edit the catalogue" not in page.text
    assert team.client(team.outsider).post("/configuration-items/").status_code == 405
    assert Client().get("/configuration-items/").status_code == 302  # login first
    menu = team.client(team.viewer).get("/projects/").text
    assert '<a href="/configuration-items/">Configuration items</a>' in menu


def test_the_catalogue_searches_and_odd_input_is_never_a_500(team: Team) -> None:
    ci("Payment gateway")
    ci("Core banking")
    client = team.client(team.viewer)

    found = client.get("/configuration-items/", {"q": "gateway"}).text
    assert "Payment gateway" in found
    assert "Core banking" not in found
    assert client.get("/configuration-items/", {"q": "x" * 101}).status_code == 400
    assert client.get("/configuration-items/", {"page": "999"}).status_code == 200
    assert client.get("/configuration-items/", {"page": "abc"}).status_code == 200


def test_administrators_keep_the_catalogue_in_the_admin_and_it_is_journaled(team: Team) -> None:
    admin = team.client(team.admin)

    saved = admin.post(
        "/admin/configuration/configurationitem/add/",
        {"name": "Payment gateway", "type": "service", "owner": team.manager.pk, "description": ""},
    )

    assert saved.status_code == 302
    entry = ConfigurationItem.objects.get()
    assert entry.owner == team.manager
    assert entry.history.get().history_user == team.admin
    too_long = admin.post(
        "/admin/configuration/configurationitem/add/",
        {"name": "Other", "type": "server", "description": "x" * (DESCRIPTION_MAX + 1)},
    )
    assert too_long.status_code == 200  # the form again, with the limit
    duplicate = admin.post(
        "/admin/configuration/configurationitem/add/", {"name": "Payment gateway", "type": "server"}
    )
    assert duplicate.status_code == 200
    assert ConfigurationItem.objects.count() == 1
    assert (
        team.client(team.manager).get("/admin/configuration/configurationitem/").status_code == 302
    )


def test_a_configuration_item_in_use_cannot_be_deleted(team: Team) -> None:
    entry = ci()
    changes(team.project, 1, entry)

    with pytest.raises(ProtectedError):
        entry.delete()


# --- Items say which they change ------------------------------------------------------------


def test_a_developer_says_an_item_changes_a_configuration_item_and_it_is_journaled(
    team: Team,
) -> None:
    team.item(number=1)
    entry = ci()

    response = team.client(team.developer).post(ADD, {"configuration_item": entry.pk})

    assert response.status_code == 302
    link = ChangedConfigurationItem.objects.get()
    row = link.history.get()
    assert (row.history_user, row.change_kind) == (team.developer, ChangeKind.CREATED)
    assert row.history_change_reason == "PAY-1 changes Payment gateway"
    page = team.client(team.viewer).get(ITEM).text
    assert "Payment gateway" in page
    assert "Add a configuration item" not in page

    removed = team.client(team.developer).post(f"{ADD}{link.pk}/remove/")

    assert removed.status_code == 302
    assert not ChangedConfigurationItem.objects.exists()
    last = ChangedConfigurationItem.history.filter(id=link.pk).latest("history_id")
    assert (last.change_kind, last.history_user) == (ChangeKind.REMOVED, team.developer)


def test_unknown_duplicate_and_malformed_configuration_items_are_refused(team: Team) -> None:
    team.item(number=1)
    entry = ci()
    client = team.client(team.developer)
    client.post(ADD, {"configuration_item": entry.pk})

    unknown = client.post(ADD, {"configuration_item": entry.pk + 100})
    duplicate = client.post(ADD, {"configuration_item": entry.pk})

    assert unknown.status_code == 400
    assert NO_SUCH_CI in unknown.text
    assert duplicate.status_code == 409
    assert ALREADY_CHANGES.format(key="PAY-1", name="Payment gateway") in duplicate.text
    for odd in ("", "abc", "-1", "99999999999999999999"):
        assert client.post(ADD, {"configuration_item": odd}).status_code == 400
    assert client.post(f"{ADD}999999/remove/").status_code == 404
    assert ChangedConfigurationItem.objects.count() == 1


def test_read_only_members_get_403_and_outsiders_404(team: Team) -> None:
    team.item(number=1)
    entry = ci()

    assert team.client(team.viewer).post(ADD, {"configuration_item": entry.pk}).status_code == 403
    assert team.client(team.qa).post(ADD, {"configuration_item": entry.pk}).status_code == 403
    assert team.client(team.outsider).post(ADD, {"configuration_item": entry.pk}).status_code == 404
    assert team.client(team.developer).get(ADD).status_code == 405
    assert not ChangedConfigurationItem.objects.exists()


def test_the_configuration_items_journals_are_append_only(team: Team, postgres: None) -> None:
    entry = ci()
    changes(team.project, 1, entry)
    for table, row in (
        ("configuration_historicalconfigurationitem", entry.history.get()),
        (
            "configuration_historicalchangedconfigurationitem",
            ChangedConfigurationItem.history.get(),
        ),
    ):
        with (
            pytest.raises((InternalError, ProgrammingError)),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(f"DELETE FROM {table} WHERE history_id = %s", [row.history_id])  # noqa: S608


# --- The release page ---------------------------------------------------------------------


def test_the_release_page_lists_the_configuration_items_its_items_change(team: Team) -> None:
    gateway, database = ci(owner=team.manager), ci("ORA-PAY01", type=CIType.DATABASE)
    changes(team.project, 1, gateway, database)
    changes(team.project, 2, gateway)
    ci("Untouched")

    page = team.client(team.viewer).get("/projects/PAY/").text
    panel = page.split('id="configuration-items"')[1].split("</section>")[0]

    assert "Payment gateway" in panel
    assert "ORA-PAY01" in panel
    assert 'PAY-1</span>, <span class="key">PAY-2' in panel
    assert "Untouched" not in panel


def test_two_releases_whose_go_live_windows_overlap_on_a_configuration_item_are_flagged(
    team: Team,
) -> None:
    gateway, crm_db = ci(), ci("CRM-DB", type=CIType.DATABASE)
    window(team.project, 5, 6)
    changes(team.project, 1, gateway, crm_db)
    hot = release(team, "HOT")
    window(hot, 5, 7)  # overlaps
    changes(hot, 1, gateway)
    later = release(team, "LATER")
    window(later, 6, 8)  # starts exactly when PAY's window ends: no overlap
    changes(later, 1, gateway, crm_db)
    other = release(team, "OTHER")
    window(other, 5, 6)  # overlaps, but touches nothing PAY touches
    changes(other, 1, ci("Intranet"))

    page = team.client(team.viewer).get("/projects/PAY/").text

    assert "Payment gateway is also touched by release" in page
    assert '<a href="/projects/HOT/">HOT</a> (go-live windows overlap)' in page
    assert "LATER" not in page
    assert "OTHER" not in page
    assert "CRM-DB is also touched" not in page


def test_an_overlapping_release_the_reader_cannot_see_is_flagged_without_its_name(
    team: Team,
) -> None:
    gateway = ci()
    window(team.project, 5, 6)
    changes(team.project, 1, gateway)
    secret = release(team, "SECRET", member=False)
    window(secret, 5, 7)
    changes(secret, 1, gateway)

    viewer_page = team.client(team.viewer).get("/projects/PAY/").text
    admin_page = team.client(team.admin).get("/projects/PAY/").text

    assert "also touched by another release you cannot see" in viewer_page
    assert "SECRET" not in viewer_page
    assert '<a href="/projects/SECRET/">SECRET</a> (go-live windows overlap)' in admin_page


def test_a_cancelled_release_or_one_without_a_window_is_not_flagged(team: Team) -> None:
    gateway = ci()
    window(team.project, 5, 6)
    changes(team.project, 1, gateway)
    cancelled = release(team, "GONE")
    window(cancelled, 5, 7)
    changes(cancelled, 1, gateway)
    ReleaseProject.objects.filter(pk=cancelled.pk).update(lifecycle=Lifecycle.CANCELLED)
    changes(release(team, "NOWIN"), 1, gateway)

    page = team.client(team.viewer).get("/projects/PAY/").text

    assert "also touched" not in page


@pytest.mark.parametrize("size", [2, 30])
def test_the_release_page_runs_the_same_queries_whatever_the_number_of_touched_items(
    team: Team, django_assert_num_queries, size: int
) -> None:
    """Beyond the page's pinned queries (tests/test_query_counts.py), the panel costs two:
    the configuration items the release touches, then the overlapping releases'."""
    window(team.project, 5, 6)
    for n in range(size):
        entry = ci(f"CI {n}")
        changes(team.project, n + 1, entry)
        other = release(team, f"R{n:03d}")
        window(other, 5, 7)
        changes(other, 1, entry)
    client = team.client(team.manager)
    client.get("/projects/PAY/")  # warm the states in memory

    # The page's pinned queries, and one more: the overlapping releases' links.
    with django_assert_num_queries(len(PAGES["project detail"][1]) + 1) as captured:
        page = client.get("/projects/PAY/").text

    assert page.count("(go-live windows overlap)") == size
    tables = [q["sql"] for q in captured.captured_queries]
    assert sum('"configuration_changedconfigurationitem"' in sql for sql in tables) == 2
