from django.contrib import admin

from accounts.models import AccountSettings


@admin.register(AccountSettings)
class AccountSettingsAdmin(admin.ModelAdmin):
    list_display = ["user", "time_zone", "language", "updated_at"]
    search_fields = ["user__username"]
