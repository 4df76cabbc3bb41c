"""An attachment's file leaves the storage when its row is deleted (removed by hand, or with
its item), once the deletion commits: a rolled-back removal keeps the file."""

from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver

from conversation.models import Attachment


@receiver(post_delete, sender=Attachment)
def attachment_file_delete(sender: Any, instance: Attachment, **kwargs: Any) -> None:
    name, storage = instance.file.name, instance.file.storage
    if name:
        transaction.on_commit(lambda: storage.delete(name))
