"""The German catalogue is complete and current, and a German user reads German: on the board, on
the item page, in the messages and on the other main pages, with no English words left over."""

import gettext
import html
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation

from accounts.zones import zone_names
from items.models import ReleaseStatus
from planning.models import Milestone
from tests.conftest import Team

LOCALE = Path(settings.BASE_DIR) / "locale" / "de" / "LC_MESSAGES"
CATALOGUE = LOCALE / "django.po"
COMPILED = LOCALE / "django.mo"
# What makemessages does not read: tools, tests and installed or collected things.
NOT_SOURCE = (
    ".*",
    "node_modules",
    "staticfiles",
    "media",
    "tests",
    "bench",
    "scripts",
    "*.sqlite3",
)


def po_entries(path: Path) -> list[dict[str, str]]:
    """(msgctxt, msgid, msgid_plural, msgstr...) of each entry of a .po file, unquoted."""
    entries: list[dict[str, str]] = []
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        entry: dict[str, str] = {}
        key = None
        for line in block.splitlines():
            match = re.match(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d\])?) "(.*)"$', line)
            if match:
                key = match.group(1)
                entry[key] = match.group(2)
            elif line.startswith('"') and key:
                entry[key] += line[1:-1]
            if line.startswith("#, ") and "fuzzy" in line:
                entry["fuzzy"] = "yes"
        if entry.get("msgid"):
            entries.append(
                {
                    k: v.encode().decode("unicode_escape").encode("latin-1").decode()
                    for k, v in entry.items()
                }
            )
    return entries


def test_every_marked_string_has_a_german_translation(tmp_path: Path) -> None:
    # Extract from a copy, so the test never rewrites the committed catalogue.
    copy = tmp_path / "src"
    shutil.copytree(settings.BASE_DIR, copy, ignore=shutil.ignore_patterns(*NOT_SOURCE))
    subprocess.run(
        [sys.executable, "-m", "django", "makemessages", "--locale", "de", "--no-location"],
        cwd=copy,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(copy)},
        check=True,
        capture_output=True,
    )
    entries = po_entries(copy / "locale" / "de" / "LC_MESSAGES" / "django.po")
    missing = [
        e["msgid"]
        for e in entries
        if e.get("fuzzy") or not all(v for k, v in e.items() if k.startswith("msgstr"))
    ]
    assert len(entries) > 500
    assert missing == [], f"{len(missing)} strings lack German; translate them (make messages)"


def test_the_catalogue_is_well_formed_and_its_compiled_form_is_current(tmp_path: Path) -> None:
    fresh = tmp_path / "django.mo"
    # --check: every placeholder of an English string is kept in its German one.
    msgfmt = shutil.which("msgfmt")
    assert msgfmt, "GNU gettext is missing (scripts/test-services.sh installs it)"
    subprocess.run([msgfmt, "--check", "-o", str(fresh), str(CATALOGUE)], check=True)  # noqa: S603
    with fresh.open("rb") as new, COMPILED.open("rb") as committed:
        assert gettext.GNUTranslations(committed)._catalog == gettext.GNUTranslations(new)._catalog


# ---- what a German user reads ------------------------------------------------------------

# Words that read the same in both languages, or are names rather than words.
SAME_IN_BOTH = {
    "release",
    "releases",
    "board",
    "status",
    "name",
    "filter",
    "export",
    "token",
    "tokens",
    "journal",
    "ticket",
    "tickets",
    "details",
    "start",
    "import",
    "code",
    "version",
    "team",
    "test",
    "tester",
    "manager",
    "commit",
    "commits",
    "webhook",
    "webhooks",
    "json",
    "html",
    "total",
    "median",
    "minuten",
    "stunden",
    "emergency",
}


def english_only_words() -> set[str]:
    """Words of the English strings that no German string uses: seeing one on a German page
    means a string escaped translation."""
    english: set[str] = set()
    german: set[str] = set()
    for entry in po_entries(CATALOGUE):
        for key, text in entry.items():
            words = {
                w.lower()
                for w in re.findall(
                    r"[A-Za-zÄÖÜäöüß]{4,}", re.sub(r"<[^>]+>|%\(\w+\)s|\{\w+\}", " ", text)
                )
            }
            (
                english
                if key.startswith("msgid")
                else german
                if key.startswith("msgstr")
                else set()
            ).update(words)
    return english - german - SAME_IN_BOTH


def visible_words(page: str, *, data: list[str]) -> list[str]:
    """The words a reader sees (text, and the labels read aloud), without the page's data."""
    page = re.sub(r"(?s)<(script|style)\b.*?</\1>", " ", page)
    labels = re.findall(r'\b(?:aria-label|title|placeholder|alt)="([^"]*)"', page)
    text = " ".join([re.sub(r"<[^>]+>", " ", page), *labels])
    text = html.unescape(text)
    for value in sorted(data, key=len, reverse=True):
        text = text.replace(value, " ")
    return re.findall(r"[A-Za-zÄÖÜäöüß]{4,}", text)


@pytest.fixture
def german(team: Team) -> Client:
    client = team.client(team.manager)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "de"
    return client


def english_system_reasons() -> list[str]:
    with translation.override("en"):
        return [f"{milestone.label}: recorded by the system" for milestone in Milestone]


def page_data(team: Team) -> list[str]:
    """Release data shown on the pages: state names, people, titles (not the portal's words)."""
    users = [team.manager, team.developer, team.qa, team.approver, team.viewer]
    names = [u.get_full_name() for u in users] + [u.get_username() for u in users]
    return [
        *ReleaseStatus.objects.values_list("name", flat=True),
        *names,
        team.project.name,
        team.project.code,
        "Kontoauszug drucken",
        "Zahlungslauf",
        *(zone.replace("_", " ") for zone in zone_names()),
        # Reasons the system wrote into the journal: stored in English, shown as written.
        *english_system_reasons(),
        # Each language is offered in its own name ("English", "Deutsch"), as is the custom.
        *(name for _, name in settings.LANGUAGES),
    ]


def assert_reads_german(response, team: Team) -> None:
    assert response.status_code == 200
    assert response.headers["Content-Language"] == "de"
    assert '<html lang="de">' in response.text
    english = english_only_words()
    leftovers = sorted(
        {w for w in visible_words(response.text, data=page_data(team)) if w.lower() in english}
    )
    assert leftovers == [], f"English words on a German page: {leftovers}"


def test_a_german_user_reads_the_board_in_german(team: Team, german: Client) -> None:
    team.item(number=1, title="Kontoauszug drucken", assignee=team.developer)
    response = german.get(reverse("items:board", kwargs={"code": "PAY"}))
    assert "Abmelden" in response.text
    assert_reads_german(response, team)


def test_a_german_user_reads_the_item_page_in_german(team: Team, german: Client) -> None:
    team.item(number=1, title="Kontoauszug drucken", assignee=team.developer)
    response = german.get(reverse("items:detail", kwargs={"code": "PAY", "number": 1}))
    assert_reads_german(response, team)


def test_a_german_user_reads_the_messages_in_german(team: Team, german: Client) -> None:
    item = team.item(number=1, title="Kontoauszug drucken")
    url = reverse("items:move", kwargs={"code": "PAY", "number": 1})
    response = german.post(url, {"direction": "next", "version": item.version}, follow=True)
    assert "Verschoben" in response.text or "verschoben" in response.text
    assert_reads_german(response, team)

    stale = german.post(url, {"direction": "next", "version": item.version}, follow=True)
    assert stale.status_code == 409
    assert "PAY-1" in stale.text


@pytest.mark.parametrize(
    "url_name",
    [
        "projects:detail",
        "items:list",
        "journal:project",
        "planning:schedule",
        "measurement:release_kpis",
        "helpdesk:release",
        "approvals:emergencies",
    ],
)
def test_a_german_user_reads_each_release_page_in_german(
    team: Team, german: Client, url_name: str
) -> None:
    team.item(number=1, title="Kontoauszug drucken", assignee=team.manager)
    assert_reads_german(german.get(reverse(url_name, kwargs={"code": "PAY"})), team)


@pytest.mark.parametrize(
    "url_name",
    [
        "projects:list",
        "workplace:my_work",
        "approvals:waiting",
        "measurement:overview",
        "measurement:kpis",
        "planning:calendar",
        "configuration:catalogue",
        "notifications:preferences",
        "api:tokens",
        "accounts:settings",
        "password_change",
    ],
)
def test_a_german_user_reads_each_main_page_in_german(
    team: Team, german: Client, url_name: str
) -> None:
    team.item(number=1, title="Kontoauszug drucken", assignee=team.manager)
    assert_reads_german(german.get(reverse(url_name)), team)


def test_an_english_user_still_reads_english(team: Team) -> None:
    response = team.client(team.manager).get(reverse("items:board", kwargs={"code": "PAY"}))
    assert response.headers["Content-Language"] == "en"
    assert "Log out" in response.text
