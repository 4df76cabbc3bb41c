"""Who may call the API at all, and how often: a token's scope and its rate."""

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework import permissions, throttling

from api.models import ApiToken, Scope

READ_ONLY_TOKEN = _("This token's scope is read: it may not change anything.")


class TokenScope(permissions.BasePermission):
    """Signed in (token or session), and a read token only reads. What the user may do in a
    release is then the portal's own rule (projects.access), asked by each view."""

    message = READ_ONLY_TOKEN

    def has_permission(self, request, view) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False  # DRF answers 401 with WWW-Authenticate
        token = request.auth
        if isinstance(token, ApiToken) and request.method not in permissions.SAFE_METHODS:
            return token.scope == Scope.WRITE
        return True


class TokenRateThrottle(throttling.SimpleRateThrottle):
    """API_RATE_PER_MINUTE requests per token (per user for the session), counted in the
    cache of each process: with several workers the limit holds per worker (docs/API.md)."""

    scope = "api"

    def get_rate(self) -> str:
        return f"{settings.API_RATE_PER_MINUTE}/min"

    def get_cache_key(self, request, view) -> str:
        if isinstance(request.auth, ApiToken):
            ident = f"token-{request.auth.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            ident = f"ip-{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}
