"""`Authorization: Bearer <token>`: the API's way in for pipelines and scripts."""

import hmac

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from api.models import ApiToken
from api.services import PREFIX_LENGTH, TOKEN_START, token_digest

BAD_HEADER = _("Send the token as “Authorization: Bearer <token>”.")
BAD_TOKEN = _("The token is not valid.")
REVOKED = _("The token was revoked.")
EXPIRED = _("The token expired.")
INACTIVE = _("The token's account is disabled.")
TOKEN_MAX = 200


class BearerTokenAuthentication(authentication.BaseAuthentication):
    """Finds the token by its prefix (one query, with its user), then compares the secret's
    SHA-256 in constant time. A revoked or expired token is refused (401) and its attempt is
    still journaled (api.views.ApiView)."""

    keyword = "Bearer"

    def authenticate(self, request: Request) -> tuple | None:
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header:
            return None
        parts = header.split()
        if parts[0].lower() != self.keyword.lower():
            return None  # another scheme: not ours to refuse
        if len(parts) != 2 or len(parts[1]) > TOKEN_MAX:
            raise exceptions.AuthenticationFailed(BAD_HEADER)
        secret = parts[1]
        if not secret.startswith(TOKEN_START) or len(secret) <= PREFIX_LENGTH:
            raise exceptions.AuthenticationFailed(BAD_TOKEN)
        token = (
            ApiToken.objects.select_related("user").filter(prefix=secret[:PREFIX_LENGTH]).first()
        )
        if token is None or not hmac.compare_digest(token.digest, token_digest(secret)):
            raise exceptions.AuthenticationFailed(BAD_TOKEN)
        # Known but refused: remembered for the journal of its uses.
        request._request.api_token_tried = token
        if token.revoked_at is not None:
            raise exceptions.AuthenticationFailed(REVOKED)
        if token.expires_at <= timezone.now():
            raise exceptions.AuthenticationFailed(EXPIRED)
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(INACTIVE)
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        return f'{self.keyword} realm="api"'


class BearerTokenScheme(OpenApiAuthenticationExtension):
    """The token in the OpenAPI schema (drf-spectacular)."""

    target_class = BearerTokenAuthentication
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "description": "An API token (rmt_…)."}
