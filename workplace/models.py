from django.conf import settings
from django.db import models

from projects.models import ReleaseProject

NAME_MAX = 80
QUERY_MAX = 2000


class SavedFilter(models.Model):
    """A query string of the items list that a user saved under a name, in one release.

    A personal preference, not a change to the release: it is not journaled."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_filters"
    )
    project = models.ForeignKey(
        ReleaseProject, on_delete=models.CASCADE, related_name="saved_filters"
    )
    name = models.CharField(max_length=NAME_MAX)
    query = models.CharField(max_length=QUERY_MAX, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "project", "name"], name="unique_saved_filter_name"
            )
        ]

    def __str__(self) -> str:
        return self.name
