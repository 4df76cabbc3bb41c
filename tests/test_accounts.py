"""Each user's time zone and language: chosen on the settings page, else the browser's, else the
installation's; every time shown in that zone with the zone named."""

import datetime
import re
import zoneinfo

import pytest
from django.db import connection
from django.template import Context, Template
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from accounts.middleware import SESSION_LANGUAGE, SESSION_TIME_ZONE
from accounts.models import AccountSettings
from accounts.templatetags.clock import moment_relative
from tests.factories import UserFactory

SETTINGS_URL = reverse("accounts:settings")
NOON_UTC = datetime.datetime(2026, 7, 1, 12, 0, tzinfo=datetime.UTC)


def render(source: str, **context: object) -> str:
    return Template("{% load clock %}" + source).render(Context(context))


@pytest.fixture
def user(db: None):
    return UserFactory(username="ute")


@pytest.fixture
def client_of(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_time_is_shown_in_the_active_zone_with_the_zone_named() -> None:
    with timezone.override(zoneinfo.ZoneInfo("Europe/Berlin")):
        html = render("{{ t|when }}", t=NOON_UTC)
    assert html == (
        '<time datetime="2026-07-01T14:00:00+02:00" title="2026-07-01 14:00:00 CEST">'
        "2026-07-01 14:00 CEST</time>"
    )


def test_the_same_instant_reads_differently_in_another_zone() -> None:
    with timezone.override(zoneinfo.ZoneInfo("America/New_York")):
        assert render("{{ t|when_text }}", t=NOON_UTC) == "2026-07-01 08:00 EDT"
    with timezone.override(zoneinfo.ZoneInfo("UTC")):
        assert render("{{ t|when_text:'seconds' }}", t=NOON_UTC) == "2026-07-01 12:00:00 UTC"


def test_a_relative_time_keeps_the_exact_time_in_its_title() -> None:
    moment = timezone.now() - datetime.timedelta(hours=3, minutes=5)
    with timezone.override(zoneinfo.ZoneInfo("UTC")):
        html = render("{{ t|when:'relative' }}", t=moment)
    assert ">3\xa0hours ago</time>" in html
    assert 'title="' + timezone.localtime(moment).strftime("%Y-%m-%d %H:%M:%S") + ' UTC"' in html


def test_relative_times_look_forward_too_and_speak_german() -> None:
    now = NOON_UTC
    assert moment_relative(now + datetime.timedelta(days=2), now=now) == "in 2\xa0days"
    with translation.override("de"):
        assert moment_relative(now - datetime.timedelta(days=2), now=now) == "vor 2\xa0Tagen"


def test_nothing_renders_nothing_and_a_date_stays_a_date() -> None:
    assert render("{{ t|when }}", t=None) == ""
    assert render("{{ t|when }}", t=datetime.date(2026, 7, 1)) == (
        '<time datetime="2026-07-01">2026-07-01</time>'
    )


def test_without_a_choice_the_installation_zone_is_used_and_named(client_of) -> None:
    response = client_of.get(SETTINGS_URL)
    assert response.status_code == 200
    assert "Times are shown in UTC" in response.text
    assert "neither you nor your browser chose one" in response.text


def test_the_browser_zone_applies_when_the_user_chose_none(client_of) -> None:
    client_of.cookies["tz"] = "Asia/Tokyo"
    response = client_of.get(SETTINGS_URL)
    assert "Times are shown in Asia/Tokyo" in response.text
    assert "Your browser said so." in response.text


def test_an_unknown_browser_zone_is_ignored(client_of) -> None:
    client_of.cookies["tz"] = "../../etc/passwd"
    response = client_of.get(SETTINGS_URL)
    assert response.status_code == 200
    assert "Times are shown in UTC" in response.text


def test_a_chosen_zone_wins_over_the_browser_and_is_kept_for_the_next_login(
    user, client_of
) -> None:
    client_of.cookies["tz"] = "Asia/Tokyo"
    response = client_of.post(SETTINGS_URL, {"time_zone": "Europe/Berlin", "language": ""})
    assert response.status_code == 302
    assert AccountSettings.objects.get(user=user).time_zone == "Europe/Berlin"
    assert "Times are shown in Europe/Berlin" in client_of.get(SETTINGS_URL).text

    fresh = Client()
    fresh.post(reverse("login"), {"username": "ute", "password": "correct horse battery staple"})
    assert fresh.session[SESSION_TIME_ZONE] == "Europe/Berlin"
    assert "Times are shown in Europe/Berlin" in fresh.get(SETTINGS_URL).text


def test_a_chosen_language_wins_over_the_browser(user, client_of) -> None:
    response = client_of.post(
        SETTINGS_URL, {"time_zone": "", "language": "de"}, HTTP_ACCEPT_LANGUAGE="en", follow=True
    )
    assert client_of.session[SESSION_LANGUAGE] == "de"
    assert response.headers["Content-Language"] == "de"
    assert "Ihre Einstellungen sind gespeichert." in response.text
    assert '<html lang="de">' in client_of.get(SETTINGS_URL, HTTP_ACCEPT_LANGUAGE="en").text


def test_the_browser_language_applies_when_the_user_chose_none(client_of) -> None:
    response = client_of.get(SETTINGS_URL, HTTP_ACCEPT_LANGUAGE="de-DE,de;q=0.9")
    assert response.headers["Content-Language"] == "de"
    assert "Zeit und Sprache" in response.text


def test_clearing_the_choices_follows_the_browser_again(user, client_of) -> None:
    client_of.post(SETTINGS_URL, {"time_zone": "Europe/Berlin", "language": "de"})
    client_of.post(SETTINGS_URL, {"time_zone": "", "language": ""})
    assert SESSION_TIME_ZONE not in client_of.session
    assert SESSION_LANGUAGE not in client_of.session
    assert AccountSettings.objects.get(user=user).time_zone == ""


def test_clearing_the_language_confirms_in_the_browsers_language_not_the_old_one(
    client_of,
) -> None:
    client_of.post(SETTINGS_URL, {"time_zone": "", "language": "de"}, follow=True)

    response = client_of.post(
        SETTINGS_URL, {"time_zone": "", "language": ""}, HTTP_ACCEPT_LANGUAGE="en", follow=True
    )

    assert "Your settings are saved." in response.text
    assert "Ihre Einstellungen sind gespeichert." not in response.text


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("time_zone", "Mars/Olympus_Mons"),
        ("time_zone", "../../etc/passwd"),
        ("time_zone", "x" * 500),
        ("language", "fr"),
        ("language", "de\x00"),
    ],
)
def test_an_unknown_zone_or_language_is_refused_with_a_message_and_saves_nothing(
    user, client_of, field: str, value: str
) -> None:
    data = {"time_zone": "", "language": "", field: value}
    response = client_of.post(SETTINGS_URL, data)
    assert response.status_code == 400
    assert "Select a valid choice" in response.text
    assert not AccountSettings.objects.exists()


def test_the_settings_page_needs_a_login_and_a_post_needs_csrf(user) -> None:
    assert Client().get(SETTINGS_URL).status_code == 302
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(user)
    assert strict.post(SETTINGS_URL, {"time_zone": "UTC"}).status_code == 403
    assert not AccountSettings.objects.exists()


def test_the_zone_and_language_cost_no_query_per_page(user, client_of) -> None:
    client_of.post(SETTINGS_URL, {"time_zone": "Europe/Berlin", "language": "de"})
    client_of.get(SETTINGS_URL)  # warm
    with CaptureQueriesContext(connection) as chosen:
        client_of.get(reverse("projects:list"))
    plain = Client()
    plain.force_login(UserFactory(username="plain"))
    plain.get(SETTINGS_URL)
    with CaptureQueriesContext(connection) as default:
        plain.get(reverse("projects:list"))
    assert len(chosen) == len(default)
    assert not any("accounts_accountsettings" in q["sql"] for q in chosen.captured_queries)


def test_the_zone_does_not_leak_into_the_next_request_on_the_thread(user, client_of) -> None:
    client_of.post(SETTINGS_URL, {"time_zone": "Asia/Tokyo", "language": ""})
    client_of.get(SETTINGS_URL)
    assert timezone.get_current_timezone_name() == "UTC"


def test_the_items_list_and_the_journal_show_times_in_the_readers_zone_named(team) -> None:
    team.item(number=1, title="Statement printing")
    client = team.client(team.manager)
    client.post(SETTINGS_URL, {"time_zone": "Asia/Tokyo", "language": ""})

    listing = client.get(reverse("items:list", kwargs={"code": "PAY"})).text
    journal = client.get(reverse("journal:project", kwargs={"code": "PAY"})).text

    assert re.search(r"<td>\d{4}-\d\d-\d\d \d\d:\d\d JST</td>", listing)
    assert re.search(r'<time datetime="[^"]+\+09:00"[^>]*>[^<]+ JST</time>', journal)
