"""Receivers: an attachment's file leaves the storage when its row is deleted; notifications'
watches are journaled as they start and stop."""

from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from simple_history.models import HistoricalRecords

from conversation.models import Attachment, WatchChange
from journal.models import ChangeKind
from notifications.models import Watch
from releasemgmt.client_ip import client_ip_address


@receiver(post_delete, sender=Attachment)
def attachment_file_delete(sender: Any, instance: Attachment, **kwargs: Any) -> None:
    # Once the deletion commits (removed by hand, or with its item): a rollback keeps the file.
    name, storage = instance.file.name, instance.file.storage
    if name:
        transaction.on_commit(lambda: storage.delete(name))


def _watch_journal(watch: Watch, kind: str) -> None:
    request = getattr(HistoricalRecords.context, "request", None)
    actor = getattr(request, "user", None)
    WatchChange.objects.create(
        history_user=actor if actor is not None and actor.is_authenticated else None,
        ip_address=client_ip_address(request) if request is not None else None,
        change_kind=kind,
        item_id=watch.item_id,
        watcher_id=watch.user_id,
        watcher_name=watch.user.get_username(),
    )


@receiver(post_save, sender=Watch)
def watch_started(sender: Any, instance: Watch, created: bool, **kwargs: Any) -> None:
    if created:
        _watch_journal(instance, ChangeKind.CREATED)


@receiver(post_delete, sender=Watch)
def watch_stopped(sender: Any, instance: Watch, **kwargs: Any) -> None:
    # Also when its item or its user is deleted: the row says the watch ended.
    _watch_journal(instance, ChangeKind.REMOVED)
