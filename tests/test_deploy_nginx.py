"""deploy/nginx.conf in front of gunicorn (deploy/gunicorn.conf.py, 2 sync workers), for real.

Debian's nginx (scripts/test-services.sh installs it) runs the repository's site file on free
loopback ports without TLS (bench/nginx.py); gunicorn serves the test database. Straight to
gunicorn, two half-sent requests hold both sync workers; through nginx, fifty do not, and the
journal records the address nginx saw, not nginx's nor one the client made up.
"""

import http.client
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlencode

import pytest
from django.conf import settings as django_settings

from bench.common import ROOT
from bench.loadgen import HOST, Gunicorn, login
from bench.nginx import (
    SITE,
    Nginx,
    close_all,
    nginx_test_config,
    open_slow_clients,
    self_signed_certificate,
    still_connected,
    timed_get,
)
from items.models import ReleaseItem
from tests.conftest import Team

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

SLOW_CLIENTS = 50
# A client on another loopback address than nginx's own 127.0.0.1, so the two can be told apart.
CLIENT = "127.0.0.2"
SPOOFED = "198.51.100.1"
CERTIFICATE = "/etc/ssl/certs/releases.example.com.pem"
CERTIFICATE_KEY = "/etc/ssl/private/releases.example.com.key"


@dataclass
class Served:
    app: Gunicorn
    proxy: Nginx


@pytest.fixture(scope="module")
def served(django_db_setup: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    directory = tmp_path_factory.mktemp("deploy")
    static = directory / "static"
    static.mkdir()
    (static / "probe.txt").write_text("served by nginx\n")
    db = django_settings.DATABASES["default"]
    env = {
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "DEBUG": "true",
        "SECRET_KEY": django_settings.SECRET_KEY,  # the sessions made here must be valid there
        "ALLOWED_HOSTS": HOST,
        "DB_POOL_MAX": "2",
        "TRUSTED_PROXY_COUNT": "1",
    }
    with (
        Gunicorn(
            workers=2,
            log=directory / "gunicorn.log",
            env=env,
            config=ROOT / "deploy" / "gunicorn.conf.py",
        ) as app,
        Nginx(upstream_port=app.port, directory=directory / "nginx", static_root=static) as proxy,
    ):
        yield Served(app, proxy)


def test_half_sent_requests_hold_gunicorns_sync_workers_but_not_nginx(
    served: Served, postgres: None
) -> None:
    # Without the proxy, two slow clients take both workers: a normal GET gets no answer.
    slow = open_slow_clients(served.app.port, 2)
    try:
        direct, _, _ = timed_get(served.app.port, "/accounts/login/", timeout=3)
    finally:
        close_all(slow)  # the workers read the end of the stream and are free again
    assert direct is None

    slow = open_slow_clients(served.proxy.port, SLOW_CLIENTS)
    try:
        status, _, body = timed_get(served.proxy.port, "/accounts/login/", timeout=25)
        held = sum(still_connected(sock) for sock in slow)
    finally:
        close_all(slow)

    assert status == 200
    assert b'name="password"' in body
    # Answered while nginx still held every slow client (it cuts them after 10 s).
    assert held == SLOW_CLIENTS


def _post_from(port: int, path: str, cookie: str, data: dict, *, source: str, headers: dict):
    connection = http.client.HTTPConnection(HOST, port, timeout=20, source_address=(source, 0))
    try:
        connection.request(
            "POST",
            path,
            body=urlencode(data),
            headers={
                "Cookie": cookie,
                "Content-Type": "application/x-www-form-urlencoded",
                **headers,
            },
        )
        return connection.getresponse().status
    finally:
        connection.close()


def test_the_journal_records_the_address_nginx_saw(
    served: Served, team: Team, postgres: None
) -> None:
    team.item(number=1)
    session = login(served.proxy.port, team.qa, "/projects/PAY/items/1/")

    status = _post_from(
        served.proxy.port,
        "/projects/PAY/items/1/move/",
        session.cookie,
        {"csrfmiddlewaretoken": session.token, "version": 1, "direction": "next"},
        source=CLIENT,
        headers={"X-Forwarded-For": SPOOFED, "X-Forwarded-Proto": "https"},
    )

    assert status == 302
    assert ReleaseItem.history.latest("history_id").ip_address == CLIENT


def test_nginx_serves_static_files_itself(served: Served) -> None:
    status, _, body = timed_get(served.proxy.port, "/static/probe.txt", timeout=10)

    assert status == 200
    assert body == b"served by nginx\n"


def test_plain_http_is_redirected_to_https(served: Served) -> None:
    connection = http.client.HTTPConnection(HOST, served.proxy.http_port, timeout=10)
    try:
        connection.request("GET", "/projects/?page=2", headers={"Host": "releases.example.com"})
        response = connection.getresponse()
    finally:
        connection.close()

    assert response.status == 301
    assert response.getheader("Location") == "https://releases.example.com/projects/?page=2"


def test_a_body_over_the_limit_is_refused_before_gunicorn(served: Served) -> None:
    connection = http.client.HTTPConnection(HOST, served.proxy.port, timeout=10)
    try:
        connection.request("POST", "/accounts/login/", body=b"x" * (2 * 1024 * 1024))
        response = connection.getresponse()
    finally:
        connection.close()

    assert response.status == 413


def test_the_site_file_as_shipped_passes_nginx_t(tmp_path) -> None:
    # Everything the rendering drops for the other tests (TLS, IPv6, port 443) is checked here,
    # with a throwaway certificate in place of the placeholder paths.
    cert, key = self_signed_certificate(tmp_path)
    site = SITE.read_text()
    for placeholder, path in [(CERTIFICATE, cert), (CERTIFICATE_KEY, key)]:
        assert site.count(placeholder) == 1
        site = site.replace(placeholder, str(path))

    checked = nginx_test_config(tmp_path, site)

    assert checked.returncode == 0, checked.stderr
    assert "[warn]" not in checked.stderr, checked.stderr


def test_password_reset_requests_are_rate_limited_per_address(served: Served) -> None:
    # Each reset request may send a mail: one address gets a burst, then 429 from nginx.
    statuses = [
        _post_from(
            served.proxy.port,
            "/accounts/password_reset/",
            "",
            {"email": "a@b.example"},
            source=CLIENT,
            headers={},
        )
        for _ in range(8)
    ]

    assert 429 not in statuses[:6]
    assert statuses[6:] == [429, 429]
