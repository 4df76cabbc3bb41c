"""Conversation on items: comments, attachments and watchers, journaled (docs/WORKPLACE.md)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConversationConfig(AppConfig):
    name = "conversation"
    verbose_name = _("Conversation on items")

    def ready(self) -> None:
        # The item page and the journal know plug-ins, never this app.
        from conversation import receivers  # noqa: F401  (files leave storage with their row)
        from conversation.journal import describe_attachment, describe_comment, watch_source
        from conversation.models import Attachment, Comment
        from conversation.selectors import conversation_panel
        from items.panels import register_item_panel
        from journal.selectors import ItemRows, source_register

        register_item_panel(
            name="conversation",
            template="conversation/_item_panel.html",
            load=lambda access, item: conversation_panel(access=access, item=item),
            order=90,
        )
        source_register(
            ItemRows(
                name="comments",
                label=_("Comments"),
                rank=60,
                model=Comment.history.model,
                describe=describe_comment,
                hidden=frozenset({"body_html"}),
            )
        )
        source_register(
            ItemRows(
                name="attachments",
                label=_("Attachments"),
                rank=61,
                model=Attachment.history.model,
                describe=describe_attachment,
                hidden=frozenset({"file"}),
            )
        )
        source_register(watch_source())
