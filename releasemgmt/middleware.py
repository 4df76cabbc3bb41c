"""Site-wide HTTP plumbing that belongs to no single app."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string


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
