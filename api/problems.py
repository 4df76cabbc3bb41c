"""Every API error as RFC 9457 problem details (`application/problem+json`): one DRF exception
handler turns DRF's, Django's and the services' refusals into the same shape, with the
services' own messages, so the API says what the board says."""

import math
from http import HTTPStatus
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import set_rollback

from items.engine import EngineError

PROBLEM_JSON = "application/problem+json"
# `type` URIs, relative to the site: each names a section of the API's documentation page.
TYPE_BASE = "/api/docs/#problem-"
SLUGS = {
    400: "bad-request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    406: "not-acceptable",
    409: "conflict",
    412: "stale",
    413: "too-large",
    415: "unsupported-media-type",
    428: "precondition-required",
    429: "rate-limited",
}
# `title` is for humans (RFC 9457 §3.1.3): the status's reason phrase, in the reader's language.
TITLES = {
    400: gettext_lazy("Bad Request"),
    401: gettext_lazy("Unauthorized"),
    403: gettext_lazy("Forbidden"),
    404: gettext_lazy("Not Found"),
    405: gettext_lazy("Method Not Allowed"),
    406: gettext_lazy("Not Acceptable"),
    409: gettext_lazy("Conflict"),
    412: gettext_lazy("Precondition Failed"),
    413: gettext_lazy("Content Too Large"),
    415: gettext_lazy("Unsupported Media Type"),
    428: gettext_lazy("Precondition Required"),
    429: gettext_lazy("Too Many Requests"),
}
IF_MATCH_REQUIRED = gettext_lazy(
    'Send the version you are changing as “If-Match: "<version>"” (the item\'s ETag).'
)
NO_SUCH_ENDPOINT = gettext_lazy("No such API endpoint.")
IF_MATCH_ONE = gettext_lazy("Send one ETag in If-Match: the version you read.")


class PreconditionRequired(exceptions.APIException):
    status_code = 428
    default_detail = IF_MATCH_REQUIRED
    default_code = "precondition_required"


class PreconditionFailed(exceptions.APIException):
    status_code = 412
    default_detail = gettext_lazy("The item changed since you read it.")
    default_code = "precondition_failed"


def problem_type(status: int) -> str:
    return TYPE_BASE + SLUGS.get(status, "error")


def _flatten(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested error detail as {"field" or "field.sub": [messages]}."""
    if isinstance(detail, dict):
        flat: dict[str, list[str]] = {}
        for key, value in detail.items():
            flat |= _flatten(value, f"{prefix}.{key}" if prefix else str(key))
        return flat
    if isinstance(detail, list) and detail and all(not isinstance(d, dict | list) for d in detail):
        return {prefix or "non_field_errors": [str(d) for d in detail]}
    if isinstance(detail, list):
        flat = {}
        for index, value in enumerate(detail):
            flat |= _flatten(value, f"{prefix}.{index}" if prefix else str(index))
        return flat
    return {prefix or "non_field_errors": [str(detail)]}


def _sentence(errors: dict[str, list[str]]) -> str:
    parts = [
        " ".join(messages) if field == "non_field_errors" else f"{field}: {' '.join(messages)}"
        for field, messages in errors.items()
    ]
    return " ".join(parts) or _("The request is not valid.")


def problem_body(
    *, status: int, detail: str, instance: str = "", errors: dict | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": problem_type(status),
        "title": str(TITLES.get(status) or HTTPStatus(status).phrase),
        "status": status,
        "detail": str(detail),
    }
    if instance:
        body["instance"] = instance
    if errors:
        body["errors"] = errors
    return body


def problem_response(
    *,
    status: int,
    detail: str,
    instance: str = "",
    errors: dict[str, list[str]] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    body = problem_body(status=status, detail=detail, instance=instance, errors=errors)
    return Response(body, status=status, headers=headers, content_type=PROBLEM_JSON)


def problem_not_found(request: HttpRequest) -> JsonResponse:
    """Outside DRF's views (an unknown path under /api/): the same shape."""
    body = problem_body(status=404, detail=NO_SUCH_ENDPOINT, instance=request.path)
    return JsonResponse(body, status=404, content_type=PROBLEM_JSON)


def api_exception_handler(exc: Exception, context: dict) -> Response | None:
    """DRF's EXCEPTION_HANDLER. Anything else (a bug) stays a 500, logged as such."""
    request = context.get("request")
    instance = request.path if request is not None else ""
    headers: dict[str, str] = {}
    errors = None
    if isinstance(exc, EngineError):  # the services' refusals, with the board's words
        status, detail = exc.status_code, exc.message
    elif isinstance(exc, Http404):
        status, detail = 404, str(exc) or _("Not found.")
    elif isinstance(exc, DjangoPermissionDenied):
        status, detail = 403, str(exc) or _("You may not do that.")
    elif isinstance(exc, RequestDataTooBig):  # Django's own limit, when it read the body
        status, detail = 413, str(exc) or _("The request body is too large.")
    elif isinstance(exc, DjangoValidationError):
        status = 400
        errors = {"non_field_errors": [str(m) for m in exc.messages]}
        detail = _sentence(errors)
    elif isinstance(exc, exceptions.ValidationError):
        status = 400
        errors = _flatten(exc.detail)
        detail = _sentence(errors)
    elif isinstance(exc, exceptions.APIException):
        status, detail = exc.status_code, str(exc.detail)
        if getattr(exc, "auth_header", None):
            headers["WWW-Authenticate"] = exc.auth_header
        if isinstance(exc, exceptions.Throttled) and exc.wait is not None:
            headers["Retry-After"] = str(max(1, math.ceil(exc.wait)))
    else:
        return None
    set_rollback()
    return problem_response(
        status=status, detail=detail, instance=instance, errors=errors, headers=headers
    )
