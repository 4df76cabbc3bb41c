"""Notification pages: one's choices, watching an item, a release's distribution list — login,
CSRF and POST for changes, outsiders 404, read-only 403, bad input 400 changing nothing, and
a constant number of queries."""

import pytest
from django.test import Client
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from notifications.models import Event, Preference, ReleaseMailing, Watch
from tests.conftest import Team
from tests.factories import ItemFactory

pytestmark = pytest.mark.django_db

PREFS = "/notifications/"
MAILING = "/projects/PAY/notifications/"


def watch_url(number: int = 1) -> str:
    return f"/projects/PAY/items/{number}/watch/"


# --- Preferences ------------------------------------------------------------------------------


def test_the_preferences_page_needs_a_login() -> None:
    response = Client().get(PREFS)
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


def test_everything_is_on_by_default(team: Team) -> None:
    page = team.client(team.developer).get(PREFS).text

    for event in Event.values:
        assert f'value="{event}" id' in page or f'value="{event}"' in page
    assert page.count("checked") == len(Event.values)


def test_a_user_turns_events_off_and_the_page_shows_it(team: Team) -> None:
    client = team.client(team.developer)

    response = client.post(PREFS, {"enabled": [Event.ITEM_MOVED]})

    assert response.status_code == 302
    muted = Preference.objects.get(user=team.developer).muted
    assert Event.ITEM_MOVED not in muted
    assert Event.APPROVAL_REQUESTED in muted
    assert client.get(PREFS).text.count("checked") == 1


def test_an_unknown_choice_is_a_bad_request_that_changes_nothing(team: Team) -> None:
    response = team.client(team.developer).post(PREFS, {"enabled": ["everything"]})

    assert response.status_code == 400
    assert "everything" in response.text
    assert not Preference.objects.exists()


def test_choices_need_the_csrf_token(team: Team) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(team.developer)

    assert client.post(PREFS, {"enabled": []}).status_code == 403
    assert not Preference.objects.exists()


def test_the_header_links_to_the_preferences(team: Team) -> None:
    page = team.client(team.viewer).get("/projects/PAY/").text
    assert f'href="{PREFS}"' in page


# --- Watching ---------------------------------------------------------------------------------


def test_any_member_may_watch_and_unwatch_an_item(team: Team) -> None:
    item = team.item(number=1)
    client = team.client(team.viewer)  # read-only: watching changes nothing in the project

    response = client.post(watch_url(), {"action": "watch"})
    assert response.status_code == 302
    assert response.url == "/projects/PAY/items/1/"
    assert Watch.objects.filter(user=team.viewer, item=item).exists()
    assert "Stop watching PAY-1" in client.get(watch_url()).text
    assert "PAY-1" in client.get(PREFS).text

    client.post(watch_url(), {"action": "watch"})  # a double submit
    assert Watch.objects.filter(user=team.viewer, item=item).count() == 1

    client.post(watch_url(), {"action": "unwatch"})
    assert not Watch.objects.exists()


def test_the_item_page_offers_one_way_to_watch_its_conversation_panels_button(
    team: Team,
) -> None:
    team.item(number=1)
    page = team.client(team.developer).get("/projects/PAY/items/1/").text
    assert f'action="{watch_url()}"' in page
    assert ">Watch PAY-1</button>" in page
    assert f'href="{watch_url()}"' not in page  # the header's old "Watch…" link is gone


def test_an_outsider_cannot_watch(team: Team) -> None:
    team.item(number=1)
    client = team.client(team.outsider)

    assert client.get(watch_url()).status_code == 404
    assert client.post(watch_url(), {"action": "watch"}).status_code == 404
    assert not Watch.objects.exists()


def test_watching_a_missing_item_is_404(team: Team) -> None:
    client = team.client(team.developer)
    assert client.get(watch_url(99)).status_code == 404
    assert client.post(watch_url(99), {"action": "watch"}).status_code == 404


def test_a_bad_watch_action_changes_nothing(team: Team) -> None:
    team.item(number=1)
    response = team.client(team.developer).post(watch_url(), {"action": "explode"})
    assert response.status_code == 400
    assert "explode is not one of the available choices" in response.text
    assert not Watch.objects.exists()


def test_watching_is_a_post(team: Team) -> None:
    team.item(number=1)
    assert team.client(team.developer).put(watch_url()).status_code == 405


# --- Distribution list ------------------------------------------------------------------------


def test_the_release_manager_sets_the_distribution_list(team: Team) -> None:
    client = team.client(team.manager)

    response = client.post(MAILING, {"distribution_list": " ops@example.com,cab@example.com "})

    assert response.status_code == 302
    mailing = ReleaseMailing.objects.get(project=team.project)
    assert mailing.distribution_list == "ops@example.com, cab@example.com"
    assert "ops@example.com, cab@example.com" in client.get(MAILING).text


def test_a_bad_address_is_refused_and_changes_nothing(team: Team) -> None:
    ReleaseMailing.objects.create(project=team.project, distribution_list="ops@example.com")

    response = team.client(team.manager).post(
        MAILING, {"distribution_list": "ops@example.com, not-an-address"}
    )

    assert response.status_code == 400
    assert "“not-an-address” is not an e-mail address." in response.text
    assert ReleaseMailing.objects.get().distribution_list == "ops@example.com"


@pytest.mark.parametrize("who", ["developer", "viewer"])
def test_only_release_managers_see_the_distribution_list(team: Team, who: str) -> None:
    client = team.client(getattr(team, who))
    assert client.get(MAILING).status_code == 403
    assert client.post(MAILING, {"distribution_list": "x@example.com"}).status_code == 403
    assert not ReleaseMailing.objects.exists()


def test_outsiders_get_404_for_the_distribution_list(team: Team) -> None:
    assert team.client(team.outsider).get(MAILING).status_code == 404


# --- Queries ----------------------------------------------------------------------------------

SESSION_USER = ["django_session: the session", "auth_user: the logged-in user"]
PINS = {
    PREFS: [
        *SESSION_USER,
        "notifications_preference: the user's choices",
        "notifications_watch: the watched items with project and state joined",
    ],
    watch_url(): [
        *SESSION_USER,
        "projects_releaseproject: the project with the user's role (access)",
        "items_releaseitem: the item with project and state joined",
        "notifications_watch: whether the user watches it",
    ],
    MAILING: [
        *SESSION_USER,
        "projects_releaseproject: the project with the user's role (access)",
        "notifications_releasemailing: the distribution list",
    ],
}


@pytest.mark.parametrize("url", list(PINS))
@pytest.mark.parametrize("watched", [1, 20])
def test_pages_run_the_same_queries_whatever_the_number_watched(
    team: Team, django_assert_num_queries, url: str, watched: int
) -> None:
    for number in range(1, watched + 1):
        Watch.objects.create(
            user=team.manager, item=ItemFactory(project=team.project, number=number)
        )
    client = team.client(team.manager)

    with django_assert_num_queries(len(PINS[url])) as queries:
        assert client.get(url).status_code == 200
    tables = [q["sql"] for q in queries.captured_queries]
    for sql, pin in zip(tables, PINS[url], strict=True):
        assert f'"{pin.split(":")[0]}"' in sql, (pin, sql)


# --- Odd input ---------------------------------------------------------------------------------

ODD = st.one_of(
    st.text(max_size=50),
    st.sampled_from(
        [
            *["", "\x00", "a\x00b", "x" * 6000, "watch", "unwatch", "item_moved", "a@b", "a@b.c,"],
            ", ".join(f"u{i}@example.com" for i in range(60)),  # over the list's limit
        ]
    ),
)
ODD_BODIES = st.dictionaries(
    st.sampled_from(["enabled", "action", "next", "distribution_list"]),
    st.one_of(ODD, st.lists(ODD, max_size=3)),
)


def _notification_rows() -> tuple:
    return (
        list(Preference.objects.values_list("user_id", "muted")),
        list(Watch.objects.values_list("user_id", "item_id")),
        list(ReleaseMailing.objects.values_list("project_id", "distribution_list")),
    )


@pytest.mark.parametrize("path", [PREFS, watch_url(), MAILING])
def test_odd_posts_never_fail_with_500_and_refusals_change_nothing(team: Team, path: str) -> None:
    team.item(number=1)
    client = Client(raise_request_exception=False)
    client.force_login(team.manager)

    @settings(
        max_examples=40,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        database=None,
    )
    @given(body=ODD_BODIES)
    @example(body={"distribution_list": "a\x00b@example.com"})
    @example(body={"enabled": ["item_moved", "nope"]})
    def check(body: dict) -> None:
        before = _notification_rows()
        response = client.post(path, body)
        assert response.status_code < 500, (path, body, response.status_code)
        if response.status_code >= 400:
            assert _notification_rows() == before, (path, body)
            assert response.content

    check()
