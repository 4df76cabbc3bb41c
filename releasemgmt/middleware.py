"""Site-wide HTTP plumbing that belongs to no single app."""

import logging
from collections.abc import Callable

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils.cache import add_never_cache_headers
from psycopg_pool import PoolTimeout

logger = logging.getLogger(__name__)

# What a database that is down, restarting or out of connections raises (PoolTimeout is
# usually wrapped into OperationalError by Django; caught as itself too, to be sure).
DATABASE_UNAVAILABLE_ERRORS = (OperationalError, InterfaceError, PoolTimeout)
RETRY_AFTER_SECONDS = 10


class MethodNotAllowedPageMiddleware:
    """Give Django's bare 405 (e.g. a GET on a POST-only endpoint) a page that says why."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code == 405 and not response.content:
            allowed = response.get("Allow", "")
            response.content = render_to_string(
                "405.html", {"method": request.method, "allowed": allowed}, request=request
            )
            response["Content-Type"] = "text/html; charset=utf-8"
        return response


class NoStoreWithSessionMiddleware:
    """Pages answered to a request with a session are never stored, by the browser or a proxy.

    Otherwise Back, or the browser's cache, shows a signed-in user's pages to whoever uses the
    machine after they log out. Decided by the session cookie, not request.user: no query of
    its own, and it cannot fail while the database is away (the 503 page). Static files are
    answered by WhiteNoise before this runs and stay cacheable.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if settings.SESSION_COOKIE_NAME in request.COOKIES:
            add_never_cache_headers(response)
        return response


def database_unavailable_response() -> HttpResponse:
    # Rendered without the request: context processors would query the database again.
    response = HttpResponse(render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


class DatabaseUnavailableMiddleware:
    """Answer a clean 503 page, not a 500, while the database cannot be reached.

    process_exception covers the views. The first query of nearly every request, though, is
    the session's user, loaded in LoginRequiredMiddleware.process_view where process_exception
    does not reach: so this middleware (placed just before it) loads the user itself first,
    for exactly the views that middleware would load it for. A transaction cut short by the
    error is rolled back, so nothing was changed.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        if not getattr(view_func, "login_required", True):
            return None
        try:
            request.user.is_authenticated  # noqa: B018  (evaluates the lazy user)
        except DATABASE_UNAVAILABLE_ERRORS as error:
            return self._unavailable(request, error)
        return None

    def process_exception(self, request: HttpRequest, exception: Exception):
        if isinstance(exception, DATABASE_UNAVAILABLE_ERRORS):
            return self._unavailable(request, exception)
        return None

    def _unavailable(self, request: HttpRequest, error: Exception) -> HttpResponse:
        logger.warning(
            "Database unavailable, answered 503 to %s %s: %s",
            request.method,
            request.path,
            str(error).splitlines()[0] if str(error) else type(error).__name__,
        )
        return database_unavailable_response()
