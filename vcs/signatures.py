"""Is a delivery really from the webhook's provider? Checked on the raw body, in constant time."""

import hashlib
import hmac
from collections.abc import Mapping

from vcs.models import Provider, Webhook


def signature_valid(*, webhook: Webhook, headers: Mapping[str, str], body: bytes) -> bool:
    """GitHub signs the body with HMAC-SHA256 (`X-Hub-Signature-256: sha256=<hex>`); GitLab
    sends the secret token itself (`X-Gitlab-Token`)."""
    secret = webhook.secret.encode()
    if not secret:
        return False
    if webhook.provider == Provider.GITHUB:
        given = headers.get("X-Hub-Signature-256", "")
        expected = "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()
        return hmac.compare_digest(given.encode(), expected.encode())
    given = headers.get("X-Gitlab-Token", "")
    return hmac.compare_digest(given.encode(), secret)


def delivery_key(*, webhook: Webhook, headers: Mapping[str, str], body: bytes) -> str:
    """The delivery's id, the same when the provider sends it again: GitHub's
    `X-GitHub-Delivery`; GitLab's `Idempotency-Key` (17.4+, kept across retries), else its
    `X-Gitlab-Event-UUID`; else a digest of the body."""
    names = (
        ("X-GitHub-Delivery",)
        if webhook.provider == Provider.GITHUB
        else ("Idempotency-Key", "X-Gitlab-Event-UUID")
    )
    for name in names:
        value = headers.get(name, "").strip()
        if value:
            return value[:100]
    return "sha256:" + hashlib.sha256(body).hexdigest()
