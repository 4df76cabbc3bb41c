from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class EvidenceConfig(AppConfig):
    name = "evidence"
    verbose_name = _("Sealed evidence")

    def ready(self) -> None:
        from evidence import signals
        from evidence.privileges import privileges_grant_after_migrate

        signals.connect_journal_receivers()
        post_migrate.connect(privileges_grant_after_migrate, sender=self)
