"""Configuration items (the catalogue of what changes touch) and the dependencies between
items: "PAY-12 needs CRM-4", in the same release or another."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from items.models import ReleaseItem
from journal.models import JournalFields
from releasemgmt.limits import DESCRIPTION_MAX, at_most


class CIType(models.TextChoices):
    APPLICATION = "application", _("Application")
    SERVICE = "service", _("Service")
    SERVER = "server", _("Server")
    DATABASE = "database", _("Database")
    NETWORK = "network", _("Network")
    OTHER = "other", _("Other")


class ConfigurationItem(models.Model):
    """One entry of the catalogue: an application, service, server, database... that changes
    touch. Kept by administrators; read by every logged-in user."""

    name = models.CharField(max_length=100, unique=True)
    type = models.CharField(max_length=12, choices=CIType.choices, default=CIType.APPLICATION)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_configuration_items",
    )
    description = models.TextField(
        blank=True, max_length=DESCRIPTION_MAX, help_text=at_most(DESCRIPTION_MAX)
    )
    # Python-side relation only: the item page edits the links one by one through the service.
    items = models.ManyToManyField(
        ReleaseItem, through="ChangedConfigurationItem", related_name="configuration_items"
    )

    history = HistoricalRecords(bases=[JournalFields], excluded_fields=["items"])

    class Meta:
        ordering = ["name"]
        verbose_name = _("configuration item")
        verbose_name_plural = _("configuration items")

    def __str__(self) -> str:
        return self.name


class ChangedConfigurationItem(models.Model):
    """An item says it changes a configuration item."""

    item = models.ForeignKey(ReleaseItem, on_delete=models.CASCADE, related_name="ci_links")
    # PROTECT: a configuration item that changes name is kept; one in use is never deleted.
    configuration_item = models.ForeignKey(
        ConfigurationItem, on_delete=models.PROTECT, related_name="changes"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords(bases=[JournalFields])

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["item", "configuration_item"], name="unique_ci_per_item"
            )
        ]

    def __str__(self) -> str:
        return f"{self.item_id} changes {self.configuration_item_id}"


class Dependency(models.Model):
    """`item` needs `depends_on`: it may not move into a production state before it."""

    item = models.ForeignKey(ReleaseItem, on_delete=models.CASCADE, related_name="dependencies")
    depends_on = models.ForeignKey(ReleaseItem, on_delete=models.CASCADE, related_name="dependents")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords(bases=[JournalFields])

    class Meta:
        verbose_name_plural = _("dependencies")
        constraints = [
            models.UniqueConstraint(fields=["item", "depends_on"], name="unique_dependency"),
            models.CheckConstraint(
                condition=~models.Q(item=models.F("depends_on")), name="dependency_not_on_itself"
            ),
        ]
        indexes = [models.Index(fields=["depends_on"], name="dependency_depends_on")]

    def __str__(self) -> str:
        return f"{self.item_id} needs {self.depends_on_id}"
