"""The webhook endpoints GitHub and GitLab deliver to.

They are exempt from the login and from CSRF because each delivery is authenticated by its
signature (GitHub) or secret token (GitLab) instead; nothing is read or written before that
check passes. Answers are small JSON documents; never a 500 for a bad delivery.
"""

import json

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from vcs.models import Outcome, Provider
from vcs.payloads import PayloadError
from vcs.selectors import webhook_active
from vcs.services import DuplicateDelivery, delivery_receive
from vcs.signatures import delivery_key, signature_valid

# GitHub caps payloads at 25 MB; a push's commits are read up to vcs.payloads' limit anyway.
BODY_MAX = 1_048_576

UNKNOWN_HOOK = "There is no such active webhook."
TOO_LARGE = "The payload is larger than {limit:,} bytes."
BAD_SIGNATURE = "The signature or secret token is missing or wrong; nothing was recorded."
NO_EVENT = "The event header ({header}) is missing."
BAD_JSON = "The payload is not valid JSON."
EVENT_HEADER = {Provider.GITHUB: "X-GitHub-Event", Provider.GITLAB: "X-Gitlab-Event"}


def _answer(message: str, status: int, **extra: object) -> JsonResponse:
    return JsonResponse({"detail": message, **extra}, status=status)


def _read_body(request: HttpRequest) -> bytes | None:
    """The raw body, or None when it is larger than BODY_MAX (read no further than that)."""
    try:
        declared = int(request.headers.get("Content-Length") or 0)
    except ValueError:
        declared = 0
    if declared > BODY_MAX:
        return None
    body = request.read(BODY_MAX + 1)
    return None if len(body) > BODY_MAX else body


def _receive(request: HttpRequest, *, pk: int, provider: str) -> JsonResponse:
    webhook = webhook_active(pk=pk, provider=provider)
    if webhook is None:
        return _answer(UNKNOWN_HOOK, 404)
    body = _read_body(request)
    if body is None:
        return _answer(TOO_LARGE.format(limit=BODY_MAX), 413)
    if not signature_valid(webhook=webhook, headers=request.headers, body=body):
        return _answer(BAD_SIGNATURE, 401)
    header = EVENT_HEADER[provider]
    event_name = request.headers.get(header, "").strip()
    if not event_name:
        return _answer(NO_EVENT.format(header=header), 400)
    try:
        payload = json.loads(body)
    except (ValueError, RecursionError):  # also a body that is not UTF-8, or nested too deep
        return _answer(BAD_JSON, 400)
    delivery_id = delivery_key(webhook=webhook, headers=request.headers, body=body)
    try:
        delivery = delivery_receive(
            webhook=webhook, delivery_id=delivery_id, event_name=event_name, payload=payload
        )
    except PayloadError as error:
        return _answer(error.message, 400)
    except DuplicateDelivery as error:
        return _answer(error.message, 200, delivery=delivery_id, duplicate=True)
    return _answer(
        delivery.summary,
        202 if delivery.outcome == Outcome.IGNORED else 200,
        delivery=delivery_id,
        outcome=delivery.outcome,
        moves=delivery.moves,
    )


@csrf_exempt
@login_not_required
@require_POST
def github_hook(request: HttpRequest, pk: int) -> JsonResponse:
    return _receive(request, pk=pk, provider=Provider.GITHUB)


@csrf_exempt
@login_not_required
@require_POST
def gitlab_hook(request: HttpRequest, pk: int) -> JsonResponse:
    return _receive(request, pk=pk, provider=Provider.GITLAB)
