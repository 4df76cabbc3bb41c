"""The client's address: the connecting one, or behind trusted proxies the hop they vouch for.

With TRUSTED_PROXY_COUNT = N, each of the N proxies appends the address it was reached from to
X-Forwarded-For, so the client is the N-th entry from the right; everything left of it was
written by the client and is never believed.
"""

import pytest
from django.test import RequestFactory

from items.models import ReleaseItem
from releasemgmt.client_ip import client_ip_address
from tests.conftest import Team

PROXY = "127.0.0.1"
CLIENT = "203.0.113.7"
SPOOFED = "198.51.100.99"


def _request(*, remote: str = PROXY, forwarded: str | None = None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


def test_without_trusted_proxies_the_forwarded_header_is_ignored(settings) -> None:
    settings.TRUSTED_PROXY_COUNT = 0

    assert client_ip_address(_request(remote=CLIENT, forwarded=SPOOFED)) == CLIENT


def test_one_trusted_proxy_gives_the_rightmost_hop(settings) -> None:
    settings.TRUSTED_PROXY_COUNT = 1

    assert client_ip_address(_request(forwarded=f"{SPOOFED}, {CLIENT}")) == CLIENT


def test_two_trusted_proxies_give_the_second_hop_from_the_right(settings) -> None:
    settings.TRUSTED_PROXY_COUNT = 2

    assert client_ip_address(_request(forwarded=f"{SPOOFED}, {CLIENT}, 10.0.0.2")) == CLIENT


def test_several_forwarded_headers_count_as_one_list(settings) -> None:
    # WSGI joins repeated headers with a comma; a proxy may also send them as separate lines.
    settings.TRUSTED_PROXY_COUNT = 1

    assert client_ip_address(_request(forwarded=f"{SPOOFED},{CLIENT}")) == CLIENT


def test_a_request_that_skipped_the_proxies_keeps_its_connecting_address(settings) -> None:
    settings.TRUSTED_PROXY_COUNT = 2

    assert client_ip_address(_request(remote=CLIENT, forwarded="10.0.0.2")) == CLIENT
    assert client_ip_address(_request(remote=CLIENT)) == CLIENT


@pytest.mark.parametrize("hop", ["unknown", "", "203.0.113.7:5555", "<script>", "300.1.1.1"])
def test_a_hop_that_is_not_an_address_falls_back_to_the_connecting_one(settings, hop) -> None:
    settings.TRUSTED_PROXY_COUNT = 1

    assert client_ip_address(_request(forwarded=f"{CLIENT}, {hop}")) == PROXY


def test_ipv6_hops_are_kept(settings) -> None:
    settings.TRUSTED_PROXY_COUNT = 1

    assert client_ip_address(_request(forwarded="2001:db8::7")) == "2001:db8::7"


def test_no_address_at_all_is_none(settings) -> None:
    settings.TRUSTED_PROXY_COUNT = 0

    assert client_ip_address(_request(remote="")) is None


def test_the_journal_records_the_client_behind_the_proxy(team: Team, settings) -> None:
    settings.TRUSTED_PROXY_COUNT = 1
    team.item(number=1)

    response = team.client(team.qa).post(
        "/projects/PAY/items/1/move/",
        {"version": 1, "direction": "next"},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=f"{SPOOFED}, {CLIENT}",
    )

    assert response.status_code == 302
    assert ReleaseItem.history.latest("history_id").ip_address == CLIENT


def test_the_journal_ignores_the_header_without_a_trusted_proxy(team: Team, settings) -> None:
    settings.TRUSTED_PROXY_COUNT = 0
    team.item(number=1)

    team.client(team.qa).post(
        "/projects/PAY/items/1/move/",
        {"version": 1, "direction": "next"},
        REMOTE_ADDR=CLIENT,
        HTTP_X_FORWARDED_FOR=SPOOFED,
    )

    assert ReleaseItem.history.latest("history_id").ip_address == CLIENT
