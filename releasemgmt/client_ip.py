"""The client's address, the one resolver for the journal and for the login lockout (django-axes).

Behind TRUSTED_PROXY_COUNT reverse proxies (deploy/nginx.conf: one), REMOTE_ADDR is the
nearest proxy's address and each proxy has appended the address it was reached from to
X-Forwarded-For: the client is the N-th entry from the right. Entries further left were
written by the client itself and are never believed. With no trusted proxy the header is
ignored, since anyone reaching gunicorn directly could forge it.
"""

from ipaddress import ip_address

from django.conf import settings
from django.http import HttpRequest


def _valid_address(value: str) -> str | None:
    try:
        return str(ip_address(value.strip()))
    except ValueError:
        return None


def client_ip_address(request: HttpRequest) -> str | None:
    connecting = _valid_address(request.META.get("REMOTE_ADDR", ""))
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return connecting
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    hops = forwarded.split(",") if forwarded.strip() else []
    if len(hops) < proxies:
        # Fewer hops than proxies: the request did not come through them (e.g. a local probe).
        return connecting
    # A trusted proxy that wrote something that is not an address vouches for nothing.
    return _valid_address(hops[-proxies]) or connecting
