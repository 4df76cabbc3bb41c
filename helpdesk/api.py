"""The endpoint a help desk posts its tickets to: POST /helpdesk/tickets/, JSON, one ticket
object or a list, upserted by reference (docs/MEASUREMENT.md).

No session and no cookie: the caller proves itself with the shared secret in
`Authorization: Bearer <token>` (setting HELPDESK_TOKEN; empty: the endpoint does not exist).
That is why, and only why, it is exempt from CSRF and from the login requirement: a browser's
cookies give it nothing. Every refusal is JSON naming the field, and writes nothing.
"""

import hmac
import json

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, JsonResponse
from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt

from helpdesk.imports import MAX_TICKETS, ImportRefused, tickets_import
from helpdesk.selectors import HELP_DESK
from helpdesk.services import ORIGIN_HELP_DESK

# A thousand tickets of ordinary size fit; more is refused before it is read.
BODY_MAX_BYTES = 1024 * 1024

UNAUTHORISED = _("Missing or wrong token: send Authorization: Bearer <token>.")
ONLY_POST = _("POST a ticket object or a list of them.")
TOO_LARGE = format_lazy(
    _("The body is larger than {size} KB; post fewer tickets at once."),
    size=BODY_MAX_BYTES // 1024,
)
BAD_JSON = _("The body is not JSON: {error}")
NOT_TICKETS = _("Post a ticket object or a list of ticket objects.")
NOT_AN_OBJECT = _("Each ticket is a JSON object.")


def _refused(message: str, status: int, *, field: str = "", errors: list | None = None):
    body: dict = {"error": message, "field": field or None}
    if errors is not None:
        body["errors"] = errors
    return JsonResponse(body, status=status)


def _token_ok(request: HttpRequest, token: str) -> bool:
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    # Compared in constant time, so the answer's timing says nothing about the secret.
    return scheme.lower() == "bearer" and hmac.compare_digest(
        given.strip().encode(), token.encode()
    )


def _body(request: HttpRequest) -> bytes | None:
    """The body, or None when it is larger than allowed (never read in full)."""
    try:
        declared = int(request.headers.get("Content-Length") or 0)
    except ValueError:
        declared = 0
    if declared > BODY_MAX_BYTES:
        return None
    data = request.read(BODY_MAX_BYTES + 1)
    return None if len(data) > BODY_MAX_BYTES else data


@csrf_exempt  # no cookie session: authenticated by the bearer token alone
@login_not_required  # the token is the login
def tickets_post(request: HttpRequest) -> JsonResponse:
    token = settings.HELPDESK_TOKEN
    if not token:
        raise Http404(gettext("No help-desk endpoint is configured."))
    if not _token_ok(request, token):
        response = _refused(UNAUTHORISED, 401)
        response["WWW-Authenticate"] = 'Bearer realm="helpdesk"'
        return response
    if request.method != "POST":
        response = _refused(ONLY_POST, 405)
        response["Allow"] = "POST"
        return response
    data = _body(request)
    if data is None:
        return _refused(TOO_LARGE, 413)
    try:
        payload = json.loads(data)
    except (ValueError, RecursionError) as error:
        return _refused(BAD_JSON.format(error=str(error)[:200]), 400)
    tickets = payload if isinstance(payload, list) else [payload]
    if not tickets or len(tickets) > MAX_TICKETS:
        return _refused(NOT_TICKETS, 400)
    for position, ticket in enumerate(tickets, start=1):
        if not isinstance(ticket, dict):
            error = {"index": position - 1, "field": None, "message": NOT_AN_OBJECT}
            return _refused(NOT_AN_OBJECT, 400, errors=[error])
    try:
        result = tickets_import(
            user=HELP_DESK,
            records=list(enumerate(tickets, start=1)),
            origin=ORIGIN_HELP_DESK,
        )
    except ImportRefused as refused:
        errors = [
            {
                "index": e.line - 1 if e.line else None,
                "field": e.field or None,
                "message": e.message,
            }
            for e in refused.errors
        ]
        first = refused.errors[0]
        return _refused(str(first), 400, field=first.field, errors=errors)
    return JsonResponse(
        {
            "created": result.created,
            "updated": result.updated,
            "unchanged": result.unchanged,
            "tickets": result.references,
        },
        status=201 if result.created else 200,
    )
