"""Fill the journal's extra columns as django-simple-history writes each row, and journal the
access changes it cannot see: group memberships and permissions of users and groups."""

from typing import Any

from django.contrib.auth.models import Group, Permission, User
from django.db.models import Model
from django.db.models.signals import m2m_changed, pre_save
from django.dispatch import receiver
from django.utils import timezone
from simple_history.models import HistoricalRecords
from simple_history.signals import pre_create_historical_record

from journal.models import AccessChange, AccessRelation, ChangeKind, password_changed
from releasemgmt.client_ip import client_ip_address

_KIND_BY_HISTORY_TYPE = {"+": ChangeKind.CREATED, "~": ChangeKind.EDITED, "-": ChangeKind.REMOVED}


@receiver(pre_save, sender=User)
def journal_note_password_replaced(
    sender: Any, instance: User, update_fields: Any = None, **kwargs: Any
) -> None:
    # Only whole-row saves of an existing account (admin edits) pay this query: a login saves
    # `last_login` alone, and a hash upgrade at login saves `password` alone, unchanged in
    # substance.
    if instance.pk is None or update_fields is not None or instance._password is not None:
        return
    stored = User.objects.filter(pk=instance.pk).values_list("password", flat=True).first()
    instance.__dict__["_journal_password_replaced"] = (
        stored is not None and stored != instance.password
    )


@receiver(pre_create_historical_record)
def journal_fill_extra_columns(
    sender: Any, instance: Any, history_instance: Any, **kwargs: Any
) -> None:
    # Services say what kind of change this is (a move, a reorder) for this one save.
    kind = instance.__dict__.pop("_journal_kind", None)
    history_instance.change_kind = kind or _KIND_BY_HISTORY_TYPE[history_instance.history_type]
    from_status_id = instance.__dict__.pop("_journal_from_status_id", None)
    emergency = instance.__dict__.pop("_journal_emergency", False)
    if hasattr(history_instance, "password_changed"):
        # The journal records that it changed, never the password or its hash.
        history_instance.password_changed = password_changed(instance)
        instance.__dict__.pop("_journal_password_replaced", None)
    if hasattr(history_instance, "from_status_id"):
        history_instance.from_status_id = from_status_id
        history_instance.emergency = emergency
    history_instance.ip_address = _client_ip()


def _request() -> Any:
    return getattr(HistoricalRecords.context, "request", None)


def _client_ip() -> str | None:
    request = _request()
    return client_ip_address(request) if request is not None else None


# Each access relation: its through table, and the fields naming the holder and what it holds.
_ACCESS = {
    User.groups.through: (AccessRelation.GROUPS, "user", "group"),
    User.user_permissions.through: (AccessRelation.USER_PERMISSIONS, "user", "permission"),
    Group.permissions.through: (AccessRelation.GROUP_PERMISSIONS, "group", "permission"),
}
_NAMES = {
    "user": (User, "username"),
    "group": (Group, "name"),
    "permission": (Permission, "name"),
}


@receiver(m2m_changed)
def journal_access_change(
    sender: type[Model],
    instance: Model,
    action: str,
    reverse: bool,
    pk_set: set[int] | None,
    **kwargs: Any,
) -> None:
    """One AccessChange row per link added or removed, from either side of the relation."""
    if sender not in _ACCESS or action not in ("post_add", "pre_remove", "pre_clear"):
        return
    relation, holder, held = _ACCESS[sender]
    mine, theirs = (held, holder) if reverse else (holder, held)
    if action == "post_add":
        # Django passes only the links it really added.
        pairs = [(instance.pk, pk) for pk in pk_set]
    else:
        # Removals are read before they happen: a link that never existed is not journaled.
        links = sender.objects.filter(**{f"{mine}_id": instance.pk})
        if pk_set is not None:
            links = links.filter(**{f"{theirs}_id__in": pk_set})
        pairs = list(links.values_list(f"{mine}_id", f"{theirs}_id"))
    if not pairs:
        return
    if reverse:
        pairs = [(their_pk, my_pk) for my_pk, their_pk in pairs]
    names = {}
    for index, side in enumerate((holder, held)):
        model, field = _NAMES[side]
        ids = {pair[index] for pair in pairs}
        names[side] = dict(model.objects.filter(pk__in=ids).values_list("pk", field))
    request = _request()
    user = getattr(request, "user", None)
    when = timezone.now()
    AccessChange.objects.bulk_create(
        AccessChange(
            history_date=when,
            history_user=user if user is not None and user.is_authenticated else None,
            ip_address=_client_ip(),
            change_kind=ChangeKind.EDITED,
            relation=relation,
            granted=action == "post_add",
            **{
                f"{holder}_id": holder_pk,
                f"{holder}_name": names[holder].get(holder_pk, ""),
                f"{held}_id": held_pk,
                f"{held}_name": names[held].get(held_pk, ""),
            },
        )
        for holder_pk, held_pk in sorted(pairs)
    )
