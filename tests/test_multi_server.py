"""Two application servers and two workers against one PostgreSQL behave as one portal.

Two gunicorn processes ("machines" A and B, on their own ports, one sync worker each so the
process that cached the workflow is the one asked again) serve the test database; two
`manage.py db_worker` processes drain the one task queue side by side. Shown here: a login
made through A is valid on B (sessions live in the database); a state renamed and a rule
tightened in the admin through A are obeyed by B at its next request (the workflow token,
items/workflow.py); a move made through A is seen on B; every queued mail is sent exactly
once although two workers race for the queue (django-tasks-db claims a task with SELECT ...
FOR UPDATE SKIP LOCKED). docs/OPERATIONS.md, "Several application servers", says how to run it.
"""

import email
import email.policy
import http.client
import os
import re
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django_tasks_db.models import DBTaskResult

import bench.nginx
from bench.common import ROOT
from bench.loadgen import CSRF, HOST, STATE, Gunicorn, login
from bench.nginx import SITE, Nginx, nginx_test_config, self_signed_certificate
from items.engine import COMMENT_REQUIRED
from items.models import ReleaseItem, ReleaseStatus, TransitionRule
from items.rules import rule_seed_defaults
from tests.conftest import Team

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"
DEVELOPING, IN_DEVELOPMENT = 4500, 4540
RENAMED = "1 - Being built"
WORKER_SECONDS = 120  # a bound, not an expectation: draining takes a few seconds
MAIL_SEPARATOR = b"\n" + b"-" * 79


@dataclass
class Machines:
    a: Gunicorn
    b: Gunicorn
    env: dict[str, str]
    mail: Path


@pytest.fixture(scope="module")
def machines(django_db_setup: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Machines]:
    directory = tmp_path_factory.mktemp("machines")
    db = django_settings.DATABASES["default"]
    env = {
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "DEBUG": "true",
        "SECRET_KEY": django_settings.SECRET_KEY,  # one key for every machine, as in production
        "ALLOWED_HOSTS": HOST,
        "DB_POOL_MAX": "2",
        "MAIL_FILE_PATH": str(directory / "mail"),
    }
    with (
        Gunicorn(workers=1, log=directory / "a.log", env=env) as a,
        Gunicorn(workers=1, log=directory / "b.log", env=env) as b,
    ):
        yield Machines(a, b, env, directory / "mail")


@dataclass
class Browser:
    """One user's cookies, sent to whichever machine the load balancer picks."""

    cookies: dict[str, str] = field(default_factory=dict)

    def request(
        self, port: int, method: str, path: str, data: dict | None = None
    ) -> tuple[int, str, str]:
        connection = http.client.HTTPConnection(HOST, port, timeout=30)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if data is not None:
            body = urlencode({"csrfmiddlewaretoken": self.token, **data}, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            content = response.read().decode()
        finally:
            connection.close()
        for cookie in response.headers.get_all("Set-Cookie") or []:
            name, value = cookie.split(";")[0].split("=", 1)
            self.cookies[name] = value
        token = CSRF.search(content.encode())
        if token:
            self.token = token[1].decode()
        return response.status, content, response.getheader("Location") or ""

    def get(self, port: int, path: str) -> tuple[int, str, str]:
        return self.request(port, "GET", path)

    def post(self, port: int, path: str, data: dict) -> tuple[int, str, str]:
        return self.request(port, "POST", path, data)

    token: str = ""


def _real_password(user) -> None:
    # The servers hash with the production hashers, not the suite's fast MD5 one; a cheap
    # PBKDF2 hash is one they accept (and upgrade on login).
    user.password = PBKDF2PasswordHasher().encode(PASSWORD, "multiserversalt", iterations=1000)
    user.save(update_fields=["password"])


def _state_on(port: int, cookie: str, number: int) -> str:
    browser = Browser()
    browser.cookies = dict(c.split("=", 1) for c in cookie.split("; "))
    status, content, _ = browser.get(port, f"/projects/PAY/items/{number}/")
    assert status == 200
    found = STATE.search(content.encode())
    assert found, content[:500]
    return found[1].decode()


def _rule_form(rule: TransitionRule, **changes: object) -> dict:
    form = {
        "from_state": rule.from_state_id,
        "to_state": rule.to_state_id,
        "roles": rule.roles,
        "approvals_required": rule.approvals_required,
        "approver_roles": rule.approver_roles,
        "_save": "Save",
    }
    for flag in (
        "comment_required",
        "rejection_blocks",
        "requires_passing_tests",
        "requires_qa_signoff",
        "requires_acceptance",
        "segregation_of_duties",
    ):
        if changes.get(flag, getattr(rule, flag)):
            form[flag] = "on"
    return form


def _mails(directory: Path) -> list[email.message.Message]:
    messages = []
    for path in sorted(directory.glob("*")) if directory.exists() else []:
        for chunk in path.read_bytes().split(MAIL_SEPARATOR):
            if chunk.strip():
                messages.append(
                    email.message_from_bytes(chunk.lstrip(b"\n"), policy=email.policy.default)
                )
    return messages


def _move(port: int, session, number: int, version: int) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection(HOST, port, timeout=30)
    try:
        connection.request(
            "POST",
            f"/projects/PAY/items/{number}/move/",
            body=urlencode(
                {"csrfmiddlewaretoken": session.token, "version": version, "direction": "next"}
            ),
            headers={"Cookie": session.cookie, "Content-Type": "application/x-www-form-urlencoded"},
        )
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def test_a_login_through_one_server_is_valid_on_the_other(
    machines: Machines, team: Team, postgres: None
) -> None:
    _real_password(team.manager)
    browser = Browser()
    browser.get(machines.a.port, "/accounts/login/")

    status, _, location = browser.post(
        machines.a.port,
        "/accounts/login/",
        {"username": team.manager.username, "password": PASSWORD},
    )
    assert (status, location) == (302, "/projects/")

    status, content, _ = browser.get(machines.b.port, "/projects/PAY/board/")
    assert status == 200
    assert "Payments 4.2" in content
    # And a logout through B ends the session on A too.
    assert browser.post(machines.b.port, "/accounts/logout/", {})[0] == 302
    assert browser.get(machines.a.port, "/projects/PAY/board/")[0] == 302


def test_states_and_rules_edited_through_one_server_are_obeyed_by_the_other(
    machines: Machines, team: Team, postgres: None
) -> None:
    rule_seed_defaults()
    for number in (1, 2):
        team.item(number=number, created_by=team.developer, assignee=team.developer)
    developer = login(machines.b.port, team.developer, "/projects/PAY/board/")
    # B has loaded (and cached) the states and rules: a move into 1 - In Development needs
    # no comment.
    status, _ = _move(machines.b.port, developer, 1, version=1)
    assert status == 302
    assert _state_on(machines.b.port, developer.cookie, 1) != RENAMED

    _real_password(team.admin)
    admin = Browser()
    admin.get(machines.a.port, "/accounts/login/")
    assert (
        admin.post(
            machines.a.port,
            "/accounts/login/",
            {"username": team.admin.username, "password": PASSWORD},
        )[0]
        == 302
    )
    state = ReleaseStatus.objects.get(pk=IN_DEVELOPMENT)
    path = f"/admin/items/releasestatus/{state.pk}/change/"
    assert admin.get(machines.a.port, path)[0] == 200
    renamed = {
        "name": RENAMED,
        "position": state.position,
        "enabled": "on",
        "description": state.description,
        "_save": "Save",
    }
    status, content, _ = admin.post(machines.a.port, path, renamed)
    assert status == 302, re.findall(r'class="errorlist[^>]*>(.*?)</ul>', content)
    rule = TransitionRule.objects.get(from_state_id=DEVELOPING, to_state_id=IN_DEVELOPMENT)
    path = f"/admin/items/transitionrule/{rule.pk}/change/"
    assert admin.get(machines.a.port, path)[0] == 200
    status, content, _ = admin.post(machines.a.port, path, _rule_form(rule, comment_required=True))
    assert status == 302, re.findall(r'class="errorlist[^>]*>(.*?)</ul>', content)

    # B's very next requests: the state's new name, and the rule's new demand.
    assert _state_on(machines.b.port, developer.cookie, 1) == RENAMED
    status, content = _move(machines.b.port, developer, 2, version=1)
    assert status == 400
    refusal = COMMENT_REQUIRED.format(
        key="PAY-2", source=ReleaseStatus.objects.get(pk=DEVELOPING).name, target=RENAMED
    )
    assert refusal.replace("“", "&ldquo;") in content.decode() or refusal in content.decode()
    assert ReleaseItem.objects.get(number=2).status_id == DEVELOPING


def test_a_move_through_one_server_is_seen_on_the_other_and_each_mail_is_sent_once(
    machines: Machines, team: Team, postgres: None
) -> None:
    numbers = range(1, 7)
    for number in numbers:
        team.item(number=number, created_by=team.developer, assignee=team.qa)
    on_a = login(machines.a.port, team.developer, "/projects/PAY/board/")
    on_b = login(machines.b.port, team.developer, "/projects/PAY/board/")
    before = _state_on(machines.b.port, on_b.cookie, 1)

    # Half the moves through A, half through B; each is seen through the other.
    for number in numbers:
        port = machines.a.port if number % 2 else machines.b.port
        status, _ = _move(port, on_a if number % 2 else on_b, number, version=1)
        assert status == 302
    after = {
        number: _state_on(machines.b.port if number % 2 else machines.a.port, on_a.cookie, number)
        for number in numbers
    }
    assert set(after.values()) == {ReleaseStatus.objects.get(pk=IN_DEVELOPMENT).name} != {before}
    board = Browser()
    board.cookies = dict(c.split("=", 1) for c in on_b.cookie.split("; "))
    status, content, _ = board.get(machines.b.port, "/projects/PAY/board/")
    assert status == 200
    assert all(f"PAY-{number}" in content for number in numbers)

    # Two workers, as if on two machines, drain the one queue at the same time.
    command = [sys.executable, "manage.py", "db_worker", "--batch", "--no-startup-delay"]
    command += ["--interval", "0.1"]
    workers = [
        subprocess.Popen(  # noqa: S603 (this interpreter, fixed arguments)
            [*command, "--worker-id", f"machine-{name}"],
            cwd=ROOT,
            env={**os.environ, **machines.env},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        for name in ("a", "b")
    ]
    outputs = []
    for worker in workers:
        try:
            outputs.append(worker.communicate(timeout=WORKER_SECONDS)[0].decode())
        except subprocess.TimeoutExpired:
            worker.kill()
            outputs.append(worker.communicate()[0].decode())
    assert [w.returncode for w in workers] == [0, 0], outputs
    # A worker in batch mode stops when it finds the queue empty; a notify task the other one
    # was still running may have queued letters since: drain what is left.
    for _ in range(3):
        if not DBTaskResult.objects.filter(status="READY").exists():
            break
        subprocess.run(  # noqa: S603 (this interpreter, fixed arguments)
            command,
            cwd=ROOT,
            env={**os.environ, **machines.env},
            timeout=WORKER_SECONDS,
            check=True,
        )

    results = DBTaskResult.objects.all()
    assert {r.status for r in results} == {"SUCCESSFUL"}, [(r.task_path, r.status) for r in results]
    # Each task was claimed by one worker, once.
    assert all(len(r.worker_ids) == 1 for r in results), [r.worker_ids for r in results]
    sent = [r for r in results if str(r.return_value).startswith("sent to")]
    mails = _mails(machines.mail)
    keys = Counter((m["To"], " ".join(m["Subject"].split())) for m in mails)
    assert len(mails) == len(sent)
    assert max(keys.values()) == 1, keys
    moved = {subject for to, subject in keys if to == team.qa.email and " moved to " in subject}
    assert moved == {
        f"[PAY] PAY-{n} moved to {ReleaseStatus.objects.get(pk=IN_DEVELOPMENT).name}: "
        f"{ReleaseItem.objects.get(number=n).title}"
        for n in numbers
    }


UPSTREAM_BLOCK = re.compile(r"^upstream releasemgmt_gunicorn \{.*?^\}", re.DOTALL | re.MULTILINE)
EXAMPLE = ROOT / "deploy" / "nginx-upstream-several.conf"


def _with_upstream(site: str, ports: list[int] | None = None) -> str:
    """The site file with deploy/nginx-upstream-several.conf's upstream block in place of its
    own, the example's machines replaced by local ports when given."""
    block = UPSTREAM_BLOCK.search(EXAMPLE.read_text())[0]
    if ports is not None:
        addresses = re.findall(r"server (\S+:\d+)", block)
        assert len(addresses) == len(ports)
        for address, port in zip(addresses, ports, strict=True):
            block = block.replace(address, f"{HOST}:{port}")
    assert len(UPSTREAM_BLOCK.findall(site)) == 1
    return UPSTREAM_BLOCK.sub(block, site)


def test_the_site_file_with_the_several_servers_upstream_passes_nginx_t(tmp_path) -> None:
    cert, key = self_signed_certificate(tmp_path)
    site = SITE.read_text()
    site = site.replace("/etc/ssl/certs/releases.example.com.pem", str(cert))
    site = site.replace("/etc/ssl/private/releases.example.com.key", str(key))

    checked = nginx_test_config(tmp_path, _with_upstream(site))

    assert checked.returncode == 0, checked.stderr
    assert "[warn]" not in checked.stderr, checked.stderr


def test_behind_nginx_any_server_serves_any_user_and_one_may_stop(
    machines: Machines, team: Team, postgres: None, tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    team.item(number=1, created_by=team.developer, assignee=team.developer)
    static = tmp_path / "static"
    static.mkdir()
    with (
        Gunicorn(workers=1, log=tmp_path / "c.log", env=machines.env) as c,
        Gunicorn(workers=1, log=tmp_path / "d.log", env=machines.env) as d,
    ):
        rendered = bench.nginx.render_site
        monkeypatch.setattr(
            bench.nginx,
            "render_site",
            lambda text, **kwargs: _with_upstream(rendered(text, **kwargs), [c.port, d.port]),
        )
        with Nginx(upstream_port=c.port, directory=tmp_path / "nginx", static_root=static) as lb:
            developer = login(lb.port, team.developer, "/projects/PAY/board/")
            pages = [_state_on(lb.port, developer.cookie, 1) for _ in range(6)]
            status, _ = _move(lb.port, developer, 1, version=1)
            moved = ReleaseItem.objects.get(number=1).status.name
            # Each server, asked directly, sees the move made through the balancer.
            seen = {port: _state_on(port, developer.cookie, 1) for port in (c.port, d.port)}
            # The first machine goes away: nginx sends everything to the other, which serves
            # the same user with the same session (with only one server listed, this fails).
            c.__exit__(None, None, None)
            after = [_state_on(lb.port, developer.cookie, 1) for _ in range(6)]

    assert len(set(pages)) == 1
    assert status == 302
    assert moved != pages[0]
    assert seen == {c.port: moved, d.port: moved}
    assert after == [moved] * 6
