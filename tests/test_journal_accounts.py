"""Who granted which access: accounts, groups, memberships and permissions are journaled like
everything else (who, when, from where), without the password hash, and shown to
administrators on the installation's journal in words."""

import re
from datetime import UTC, datetime
from html import unescape

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.db import DatabaseError, transaction
from django.test import Client
from django.utils.html import escape

from journal.admin import ACTED_IN_JOURNAL
from journal.models import AccessChange, AccessRelation
from journal.selectors import (
    ALL_SOURCES,
    PAGE_SIZE,
    PROJECT_SOURCES,
    Change,
    JournalQuery,
    journal_entries,
)
from tests.conftest import Team
from tests.factories import UserFactory

CLIENT_IP = "203.0.113.7"
PASSWORD = "A long and unusual passphrase 42!"
UserHistory = User.history.model
GroupHistory = Group.history.model


def entries(html: str) -> list[str]:
    """Each journal entry as one line of text, tags stripped."""
    items = re.findall(
        r'<li class="entry kind-[a-z]+">(.*?)</li>\s*(?=<li class="entry|</ol>)', html, re.S
    )
    return [" ".join(unescape(re.sub(r"<[^>]+>", " ", item)).split()) for item in items]


def older_link(html: str) -> str | None:
    match = re.search(r'<a href="(\?[^"]*)">Older entries</a>', html)
    return unescape(match[1]) if match else None


def admin_user_form(user: User, **changes: object) -> dict:
    """The admin's change form for `user` as it was rendered, with `changes` made."""
    data = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "is_active": "on" if user.is_active else "",
        "is_staff": "on" if user.is_staff else "",
        "is_superuser": "on" if user.is_superuser else "",
        "groups": [g.pk for g in user.groups.all()],
        "user_permissions": [p.pk for p in user.user_permissions.all()],
        "date_joined_0": user.date_joined.strftime("%Y-%m-%d"),
        "date_joined_1": user.date_joined.strftime("%H:%M:%S"),
        "last_login_0": "",
        "last_login_1": "",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value != ""}


@pytest.fixture
def nina(team: Team) -> User:
    return UserFactory(username="nina")


@pytest.fixture
def managers_group() -> Group:
    return Group.objects.create(name="Release managers")


def global_journal(team: Team, query: str = "") -> list[str]:
    response = team.client(team.admin).get(f"/journal/{query}")
    assert response.status_code == 200
    return entries(response.text)


# --- Accounts --------------------------------------------------------------------------------


def test_granting_superuser_in_the_admin_is_journaled_with_who_and_where(
    team: Team, nina: User
) -> None:
    response = team.client(team.admin).post(
        f"/admin/auth/user/{nina.pk}/change/",
        admin_user_form(nina, is_superuser="on", is_staff="on", email="nina@corp.example"),
        REMOTE_ADDR=CLIENT_IP,
    )
    assert response.status_code == 302

    row = UserHistory.objects.filter(id=nina.pk).latest()
    assert (row.history_user, row.ip_address, row.change_kind) == (team.admin, CLIENT_IP, "edited")
    line = global_journal(team, "?source=accounts")[0]
    assert line.startswith(f"{row.history_date:%Y-%m-%d %H:%M:%S} UTC root from {CLIENT_IP}")
    assert "Granted superuser User nina · Granted superuser, granted staff status" in line
    assert "email address : nina@example.com → nina@corp.example" in line


def test_revoking_and_deactivating_read_as_such(team: Team, nina: User) -> None:
    nina.is_staff = True
    nina.save()
    nina.is_staff, nina.is_active = False, False
    nina.save()

    line = global_journal(team, "?source=accounts")[0]

    assert "User nina · Revoked staff status, deactivated" in line
    assert "staff status :" not in line  # said in words, not as a raw flag


def test_a_password_change_is_an_event_and_the_hash_is_kept_nowhere(team: Team, nina: User) -> None:
    response = team.client(team.admin).post(
        f"/admin/auth/user/{nina.pk}/password/",
        {"password1": PASSWORD, "password2": PASSWORD, "usable_password": "true"},
    )
    assert response.status_code == 302
    nina.refresh_from_db()
    assert nina.check_password(PASSWORD)

    row = UserHistory.objects.filter(id=nina.pk).latest()
    assert (row.password_changed, row.history_user) == (True, team.admin)
    assert "password" not in {f.name for f in UserHistory._meta.fields}
    for stored in UserHistory.objects.filter(id=nina.pk).values():
        assert nina.password not in {str(value) for value in stored.values()}
        assert PASSWORD not in {str(value) for value in stored.values()}
    assert "User nina · Password changed" in global_journal(team, "?source=accounts")[0]


def test_changing_ones_own_password_is_journaled_as_done_by_oneself(team: Team, nina: User) -> None:
    response = team.client(nina).post(
        "/accounts/password_change/",
        {
            "old_password": "correct horse battery staple",
            "new_password1": PASSWORD,
            "new_password2": PASSWORD,
        },
        REMOTE_ADDR=CLIENT_IP,
    )
    assert response.status_code == 302

    row = UserHistory.objects.filter(id=nina.pk).latest()
    assert (row.password_changed, row.history_user, row.ip_address) == (True, nina, CLIENT_IP)
    assert UserHistory.objects.filter(id=nina.pk, password_changed=True).count() == 1


def test_logging_in_writes_no_journal_row(team: Team, nina: User) -> None:
    before = UserHistory.objects.count()

    team.client(nina)  # force_login: updates last_login
    response = Client().post(
        "/accounts/login/", {"username": "nina", "password": "correct horse battery staple"}
    )
    assert response.status_code == 302

    assert UserHistory.objects.count() == before


def test_an_account_created_and_deleted_is_journaled(team: Team) -> None:
    gina = User.objects.create_user("gina", password=PASSWORD, is_staff=True)
    gina.delete()

    lines = global_journal(team, "?source=accounts")

    assert "Account deleted User gina · Account deleted" in lines[0]
    assert "Account created User gina · Account created, granted staff status" in lines[1]


def test_a_deleted_users_name_comes_from_the_journal(team: Team) -> None:
    gone = UserFactory(username="gina")
    item = team.item(number=1, assignee=gone)
    item.assignee = None
    item.save()
    gone.delete()

    found, _ = journal_entries(
        sources=PROJECT_SOURCES, query=JournalQuery(source="items"), project=team.project
    )

    assert found[0].changes == [Change("assignee", "gina", "—")]


# --- Groups, memberships and permissions ----------------------------------------------------


def test_adding_a_user_to_a_group_in_the_admin_is_journaled(
    team: Team, nina: User, managers_group: Group
) -> None:
    response = team.client(team.admin).post(
        f"/admin/auth/user/{nina.pk}/change/",
        admin_user_form(nina, groups=[managers_group.pk]),
        REMOTE_ADDR=CLIENT_IP,
    )
    assert response.status_code == 302

    row = AccessChange.objects.get(user_id=nina.pk)
    assert (
        row.relation,
        row.granted,
        row.user_id,
        row.group_id,
        row.group_name,
        row.history_user,
        row.ip_address,
    ) == (
        AccessRelation.GROUPS,
        True,
        nina.pk,
        managers_group.pk,
        "Release managers",
        team.admin,
        CLIENT_IP,
    )
    line = global_journal(team, "?source=access")[0]
    assert f"root from {CLIENT_IP} Added to group User nina · Added to group Release managers" in (
        line
    )


def test_removing_from_a_group_and_revoking_a_permission_are_journaled(
    team: Team, nina: User, managers_group: Group
) -> None:
    may_create = Permission.objects.get(codename="add_releaseproject")
    nina.groups.add(managers_group)
    nina.user_permissions.add(may_create)

    team.client(team.admin).post(
        f"/admin/auth/user/{nina.pk}/change/", admin_user_form(nina, groups=[], user_permissions=[])
    )

    lines = global_journal(team, "?source=access")
    assert "User nina · Removed from group Release managers" in " ".join(lines[:2])
    assert "User nina · Revoked permission “Can add release project”" in " ".join(lines[:2])
    assert "User nina · Granted permission “Can add release project”" in lines[2]
    assert "User nina · Added to group Release managers" in lines[3]


def test_a_groups_permissions_are_journaled(team: Team) -> None:
    may_create = Permission.objects.get(codename="add_releaseproject")
    response = team.client(team.admin).post(
        "/admin/auth/group/add/", {"name": "Release managers", "permissions": [may_create.pk]}
    )
    assert response.status_code == 302

    lines = global_journal(team)

    assert "Group Release managers · Granted permission “Can add release project”" in lines[0]
    assert "Group created Group Release managers · Created “Release managers”" in lines[1]
    assert GroupHistory.objects.get().history_user == team.admin


def test_memberships_changed_from_the_groups_side_are_journaled_per_user(
    team: Team, nina: User, managers_group: Group
) -> None:
    managers_group.user_set.add(nina, team.viewer)
    managers_group.user_set.remove(team.qa)  # never a member: nothing happened
    managers_group.user_set.clear()

    rows = AccessChange.objects.filter(group_id=managers_group.pk).order_by("history_id")

    members = sorted([nina, team.viewer], key=lambda user: user.pk)
    assert [(r.user_name, r.group_name, r.granted) for r in rows] == [
        *[(user.username, "Release managers", True) for user in members],
        *[(user.username, "Release managers", False) for user in members],
    ]


def test_access_rows_keep_the_names_of_what_was_deleted(
    team: Team, nina: User, managers_group: Group
) -> None:
    nina.groups.add(managers_group)
    managers_group.delete()
    nina.delete()

    lines = global_journal(team, "?source=access")

    assert "User nina · Added to group Release managers" in lines[0]


def test_access_sources_are_only_on_the_installations_journal() -> None:
    assert {"accounts", "groups", "access"} <= set(ALL_SOURCES)
    assert not {"accounts", "groups", "access"} & set(PROJECT_SOURCES)


# --- Append-only and pagination -------------------------------------------------------------


@pytest.mark.parametrize("model", [UserHistory, GroupHistory, AccessChange])
def test_the_access_journal_cannot_be_rewritten(
    postgres, team: Team, nina: User, managers_group: Group, model
) -> None:
    nina.groups.add(managers_group)
    rows = model.objects.all()
    before = rows.count()
    assert before

    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        rows.update(history_change_reason="Nothing to see")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        rows.delete()
    assert rows.count() == before


def test_deleting_the_admin_who_granted_access_keeps_the_rows(
    postgres, team: Team, nina: User, managers_group: Group
) -> None:
    team.client(team.admin).post(
        f"/admin/auth/user/{nina.pk}/change/", admin_user_form(nina, groups=[managers_group.pk])
    )
    granted = AccessChange.objects.get(user_id=nina.pk)

    team.admin.delete()

    granted.refresh_from_db()
    assert (granted.history_user_id, granted.user_name) == (None, "nina")


def test_the_installations_journal_pages_through_access_rows_sharing_a_moment(
    team: Team,
) -> None:
    moment = datetime(2024, 5, 1, 9, tzinfo=UTC)
    AccessChange.objects.bulk_create(
        AccessChange(
            history_date=moment,
            change_kind="edited",
            relation=AccessRelation.GROUPS,
            granted=True,
            user_id=n,
            user_name=f"user{n}",
            group_id=1,
            group_name="Auditors",
        )
        for n in range(PAGE_SIZE + 10)
    )
    for n in range(PAGE_SIZE):
        row = UserHistory(
            id=10_000 + n,
            username=f"old{n}",
            date_joined=moment,
            history_date=moment,
            history_type="+",
            change_kind="created",
        )
        row.save()
    client = team.client(team.admin)
    seen: list[str] = []
    url = "/journal/?until=2024-05-01"
    while url:
        html = client.get(url).text
        seen += entries(html)
        link = older_link(html)
        url = f"/journal/{link}" if link else None

    assert len(seen) == 2 * PAGE_SIZE + 10
    assert len(set(seen)) == len(seen)


def test_disabling_password_login_in_the_admin_is_a_password_change(team: Team, nina: User) -> None:
    response = team.client(team.admin).post(
        f"/admin/auth/user/{nina.pk}/password/",
        {"usable_password": "false", "unset-password": "1"},
    )
    assert response.status_code == 302
    nina.refresh_from_db()
    assert not nina.has_usable_password()

    row = UserHistory.objects.filter(id=nina.pk).latest()
    assert (row.password_changed, row.history_user) == (True, team.admin)
    assert "User nina · Password changed" in global_journal(team, "?source=accounts")[0]


def test_an_edit_that_leaves_the_password_alone_does_not_say_it_changed(
    team: Team, nina: User
) -> None:
    nina.refresh_from_db()
    nina.first_name = "Nina"
    nina.save()

    assert UserHistory.objects.filter(id=nina.pk).latest().password_changed is False


def test_an_account_that_acted_in_the_journal_cannot_be_deleted_in_the_admin(
    team: Team, nina: User
) -> None:
    nina.first_name = "Nina"
    nina._history_user = team.admin
    nina.save()
    team.project.name = "Renamed by Nina"
    team.project._history_user = nina
    team.project.save()
    delete_page = f"/admin/auth/user/{nina.pk}/delete/"
    admin_client = team.client(team.admin)

    page = admin_client.get(delete_page)
    refused = admin_client.post(delete_page, {"post": "yes"})
    bulk = admin_client.post(
        "/admin/auth/user/",
        {"action": "delete_selected", "_selected_action": [nina.pk], "post": "yes"},
    )

    expected = escape(ACTED_IN_JOURNAL.format(user="nina", where="historical release projects"))
    assert expected in page.text
    assert refused.status_code == 403 or expected in refused.text
    assert expected in bulk.text
    assert User.objects.filter(pk=nina.pk).exists()


def test_an_account_that_never_acted_can_still_be_deleted(team: Team) -> None:
    newcomer = User.objects.create_user("newcomer", password="x")

    response = team.client(team.admin).post(
        f"/admin/auth/user/{newcomer.pk}/delete/", {"post": "yes"}
    )

    assert response.status_code == 302
    assert not User.objects.filter(pk=newcomer.pk).exists()
