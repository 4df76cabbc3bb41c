from django.contrib import admin

from notifications.models import Preference, ReleaseMailing, SentReminder, Watch


@admin.register(ReleaseMailing)
class ReleaseMailingAdmin(admin.ModelAdmin):
    list_display = ["project", "distribution_list"]
    list_select_related = ["project"]


@admin.register(Preference)
class PreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "muted", "updated_at"]
    list_select_related = ["user"]


@admin.register(Watch)
class WatchAdmin(admin.ModelAdmin):
    list_display = ["user", "item", "created_at"]
    list_select_related = ["user", "item__project"]
    raw_id_fields = ["user", "item"]


@admin.register(SentReminder)
class SentReminderAdmin(admin.ModelAdmin):
    list_display = ["key", "created_at"]
    search_fields = ["key"]
