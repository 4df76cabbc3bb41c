"""The upload kept between preview and confirm: a signed, timestamped token in the preview's
form, carrying the file itself (compressed), who uploaded it into which release, and the digest
of the plan the user saw. Nothing is stored on the server until the confirm; a forged, altered
or expired token is refused (400), and a token for another user or release too.
"""

import base64
import hashlib
import secrets
import zlib
from dataclasses import dataclass

from django.core import signing
from django.utils.translation import gettext_lazy as _

SALT = "imports.item-upload"
MAX_AGE_SECONDS = 30 * 60

EXPIRED = _(
    "This preview is more than 30 minutes old; upload the file again. Nothing was imported."
)
FORGED = _("This import could not be verified; upload the file again. Nothing was imported.")


class TokenError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True, slots=True)
class Upload:
    file_name: str
    file_format: str
    content: bytes
    plan_digest: str
    nonce: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


def upload_token(
    *, upload_name: str, file_format: str, content: bytes, plan_digest: str, user_id: int, code: str
) -> str:
    payload = {
        "user": user_id,
        "code": code,
        "name": upload_name,
        "format": file_format,
        "data": base64.b64encode(zlib.compress(content)).decode("ascii"),
        "sha256": hashlib.sha256(content).hexdigest(),
        "plan": plan_digest,
        "nonce": secrets.token_hex(16),
    }
    return signing.dumps(payload, salt=SALT)


def upload_from_token(*, token: str, user_id: int, code: str) -> Upload:
    """The upload a preview's token carries; TokenError when it is not one we signed for this
    user and release, or is too old."""
    try:
        payload = signing.loads(token, salt=SALT, max_age=MAX_AGE_SECONDS)
    except signing.SignatureExpired:
        raise TokenError(EXPIRED) from None
    except signing.BadSignature:
        raise TokenError(FORGED) from None
    try:
        if payload["user"] != user_id or payload["code"] != code:
            raise TokenError(FORGED)
        content = zlib.decompress(base64.b64decode(payload["data"]))
        if hashlib.sha256(content).hexdigest() != payload["sha256"]:
            raise TokenError(FORGED)
        return Upload(
            file_name=str(payload["name"]),
            file_format=str(payload["format"]),
            content=content,
            plan_digest=str(payload["plan"]),
            nonce=str(payload["nonce"]),
        )
    except (KeyError, TypeError, ValueError, zlib.error):
        raise TokenError(FORGED) from None
