"""Writes on API tokens and service accounts, and the journal row of each token's use."""

import hashlib
import secrets
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from api.models import ApiToken, ApiTokenUse, Scope, ServiceAccount
from journal.models import ChangeKind

TOKEN_START = "rmt_"  # noqa: S105  (names the string for secret scanners)
PREFIX_LENGTH = len(TOKEN_START) + 8
MAX_DAYS = 366
NAME_REQUIRED = _("Give the token a name that says what it is for.")
BAD_SCOPE = _("A token's scope is “read” or “write”.")
BAD_EXPIRY = _("A token expires between tomorrow and {days} days from now.")
NOT_YOURS = _("That token is not yours to revoke.")
ALREADY_REVOKED = _("That token was revoked already.")
USERNAME_TAKEN = _("The username “{username}” is taken.")
ONLY_ADMINISTRATORS = _("Only administrators create service accounts and tokens for others.")
REVOKED_REASON = "Revoked"
PATH_MAX = 300


def token_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _token_expiry_check(expires_at: datetime, *, now: datetime) -> None:
    if not now + timedelta(hours=1) <= expires_at <= now + timedelta(days=MAX_DAYS):
        raise ValidationError(BAD_EXPIRY.format(days=MAX_DAYS))


@transaction.atomic
def token_create(
    *,
    actor: AbstractBaseUser,
    user: AbstractBaseUser,
    name: str,
    scope: str,
    expires_at: datetime,
) -> tuple[ApiToken, str]:
    """A new token acting as `user`, made by `actor` (the user, or an administrator for any
    user, e.g. a service account). Returns the token and its secret: show the secret once;
    only its SHA-256 is kept."""
    if actor.pk != user.pk and not actor.is_superuser:
        raise PermissionDenied(ONLY_ADMINISTRATORS)
    name = name.strip()
    if not name:
        raise ValidationError(NAME_REQUIRED)
    if scope not in Scope.values:
        raise ValidationError(BAD_SCOPE)
    _token_expiry_check(expires_at, now=timezone.now())
    for _attempt in range(3):  # a prefix taken already (2^-48 per pair) gets another secret
        secret = TOKEN_START + secrets.token_urlsafe(32)
        token = ApiToken(
            user=user,
            name=name[:100],
            prefix=secret[:PREFIX_LENGTH],
            digest=token_digest(secret),
            scope=scope,
            expires_at=expires_at,
            created_by=actor,
        )
        token._history_user = actor
        try:
            with transaction.atomic():
                token.save()
        except IntegrityError:
            continue
        return token, secret
    raise IntegrityError("no free token prefix")  # pragma: no cover


@transaction.atomic
def token_revoke(*, actor: AbstractBaseUser, token_id: int) -> ApiToken:
    """Revoke a token (its owner or an administrator): it is refused from the next request on.
    The row stays, so its journal and its uses keep their name."""
    token = ApiToken.objects.select_for_update().filter(pk=token_id).first()
    if token is None or (token.user_id != actor.pk and not actor.is_superuser):
        raise PermissionDenied(NOT_YOURS)
    if token.revoked_at is not None:
        raise ValidationError(ALREADY_REVOKED)
    token.revoked_at = timezone.now()
    token.revoked_by = actor
    token._history_user = actor
    token._change_reason = REVOKED_REASON
    token.save(update_fields=["revoked_at", "revoked_by"])
    return token


@transaction.atomic
def service_account_create(
    *, actor: AbstractBaseUser, username: str, description: str = ""
) -> ServiceAccount:
    """A user for a machine: no usable password (it signs in with tokens only) and no rights of
    its own; a release manager adds it to the projects it works in, with a role."""
    if not actor.is_superuser:
        raise PermissionDenied(ONLY_ADMINISTRATORS)
    User = get_user_model()
    username = username.strip()
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError(USERNAME_TAKEN.format(username=username))
    user = User(username=username)
    user.full_clean(exclude=["password"])
    user.set_unusable_password()
    user._history_user = actor
    user._change_reason = "Service account created"
    user.save()
    account = ServiceAccount(user=user, description=description.strip(), created_by=actor)
    account._history_user = actor
    account.save()
    return account


def token_use_record(
    *, token: ApiToken, method: str, path: str, status: int, ip_address: str | None
) -> ApiTokenUse:
    """Journal one request made with `token` (also a refused one: a revoked or expired token
    that is still tried shows here)."""
    use = ApiTokenUse(
        history_date=timezone.now(),
        history_user_id=token.user_id,
        ip_address=ip_address,
        change_kind=ChangeKind.CREATED,
        token_id=token.pk,
        token_prefix=token.prefix,
        token_name=token.name,
        method=method[:10],
        path=path[:PATH_MAX],
        status=status,
    )
    use.save()
    return use
