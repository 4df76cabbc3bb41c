from django.contrib import admin

from configuration.models import ConfigurationItem
from projects.admin import ReadOnlyHistoryAdmin


@admin.register(ConfigurationItem)
class ConfigurationItemAdmin(ReadOnlyHistoryAdmin):
    """Administrators keep the catalogue; every change is journaled (simple-history). A
    configuration item an item says it changes cannot be deleted (PROTECT)."""

    list_display = ("name", "type", "owner")
    list_filter = ("type",)
    list_select_related = ("owner",)
    search_fields = ("name", "description")
    raw_id_fields = ("owner",)
    fields = ("name", "type", "owner", "description")
