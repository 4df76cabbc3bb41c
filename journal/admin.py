"""Accounts that acted in the journal are deactivated, never deleted.

Deleting one would null `history_user` on every journal row it wrote: the journal would forget
who acted (and under the least-privilege database role the UPDATE is refused outright). The
admin lists such an account as protected, with the reason, in both delete paths (the delete
page and the bulk action), and deletes nothing.
"""

from django.apps import apps
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import User
from django.http import HttpRequest
from django.utils.translation import gettext, gettext_noop

ACTED_IN_JOURNAL = gettext_noop(
    "{user} acted in the journal ({where}): deactivate the account instead "
    "(untick “Active”), so the journal keeps who acted."
)


def journal_sources_of(user: User) -> list[str]:
    """The journal sources (history tables) holding rows this user wrote: a query per source,
    paid only on a delete page."""
    sources = []
    for model in apps.get_models():
        names = {field.name for field in model._meta.get_fields()}
        journaled = "history_user" in names and "history_date" in names
        if journaled and model._default_manager.filter(history_user=user).exists():
            sources.append(str(model._meta.verbose_name_plural))
    return sources


class JournaledUserAdmin(UserAdmin):
    def get_deleted_objects(self, objs, request: HttpRequest):
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        for user in objs:
            sources = journal_sources_of(user)
            if sources:
                protected = [
                    *protected,
                    gettext(ACTED_IN_JOURNAL).format(
                        user=user.get_username(), where=", ".join(sources)
                    ),
                ]
        return deleted, counts, perms_needed, protected


admin.site.unregister(User)
admin.site.register(User, JournaledUserAdmin)
