"""The Nu HTML checker (vnu, the W3C validator's engine) finds no error in the main pages.

vnu.jar comes from npm (package.json, installed by scripts/test-services.sh, which `make test`
runs) and runs on the machine's Java; VNU_JAR points elsewhere if wanted.
"""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from qa import services as qa_services
from tests.conftest import Team

pytestmark = pytest.mark.django_db

VNU_JAR = Path(
    os.environ.get("VNU_JAR")
    or Path(__file__).resolve().parent.parent / "node_modules/vnu-jar/build/dist/vnu.jar"
)
MAIN_PAGES = [
    "/projects/",
    "/projects/PAY/",
    "/projects/PAY/items/",
    "/projects/PAY/items/1/",
    "/projects/PAY/board/",
    "/projects/PAY/journal/",
    "/overview/",
    "/kpis/",
    "/calendar/",
    "/approvals/",
    "/my-work/",
    "/accounts/settings/",
]
# German wording is longer and carries its own markup (blocktranslate): check it too.
GERMAN_PAGES = ["/projects/PAY/board/", "/projects/PAY/items/1/", "/accounts/settings/"]


def vnu_errors(files: list[Path]) -> list[str]:
    """Each error vnu reports, as "file:line: message"."""
    assert VNU_JAR.is_file(), f"{VNU_JAR} is missing: run `make services` (npm ci)"
    java = shutil.which("java")
    assert java, "vnu needs Java: apt-get install default-jre-headless"
    result = subprocess.run(  # noqa: S603  (our own jar, files we wrote)
        [java, "-jar", str(VNU_JAR), "--errors-only", "--format", "json", *map(str, files)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    messages = json.loads(result.stderr or '{"messages": []}')["messages"]
    return [
        f"{Path(m.get('url', '')).name}:{m.get('lastLine', '?')}: {m['message']}"
        for m in messages
        if m["type"] == "error" or m.get("subType") == "fatal"
    ]


def test_vnu_reports_an_error_in_broken_html(tmp_path: Path) -> None:
    # Proves the check below can fail.
    broken = tmp_path / "broken.html"
    broken.write_text('<!doctype html><html lang="en"><title>x</title><p hx-post="/x">x</div>')

    assert any("hx-post" in error for error in vnu_errors([broken]))


def test_the_main_pages_are_valid_html(team: Team, tmp_path: Path) -> None:
    first = team.item(number=1, assignee=team.developer, created_by=team.developer)
    team.item(number=2)
    qa_services.qa_case_add(
        access=team.access(team.qa), item_id=first.pk, fields={"title": "Limit is enforced"}
    )
    client = team.client(team.manager)
    files = []
    pages = [(url, "en") for url in MAIN_PAGES] + [(url, "de") for url in GERMAN_PAGES]
    for number, (url, language) in enumerate(pages):
        response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code == 200, url
        assert response.headers["Content-Language"] == language
        name = url.strip("/").replace("/", "-") or "root"
        page = tmp_path / f"{number:02d}-{language}-{name}.html"
        page.write_bytes(response.content)
        files.append(page)

    assert vnu_errors(files) == []
