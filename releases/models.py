"""Release notes: what a release manager adds to the generated notes, and the versions published
when the release went live (docs/GOVERNANCE.md, "Release notes")."""

from django.conf import settings
from django.db import models
from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from items.models import ReleaseItem
from journal.models import JournalFields
from projects.models import ReleaseProject
from releasemgmt.limits import at_most

NOTES_TEXT_MAX = 5_000  # an introduction or the known issues of a release's notes


class ReleaseNotes(models.Model):
    """The release manager's part of a release's notes; the rest is generated from its items."""

    project = models.OneToOneField(
        ReleaseProject, on_delete=models.CASCADE, related_name="release_notes"
    )
    introduction = models.TextField(
        blank=True, max_length=NOTES_TEXT_MAX, help_text=at_most(NOTES_TEXT_MAX)
    )
    known_issues = models.TextField(
        _("known issues"),
        blank=True,
        max_length=NOTES_TEXT_MAX,
        help_text=format_lazy(
            "{} {}", _("Known issues that are not items of the release."), at_most(NOTES_TEXT_MAX)
        ),
    )
    # Bumped by every save: a form rendered with an older revision is stale (409).
    revision = models.PositiveIntegerField(default=0, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(bases=[JournalFields])

    class Meta:
        verbose_name = _("release notes")
        verbose_name_plural = _("release notes")

    def __str__(self) -> str:
        return gettext("Release notes of %(project)s") % {"project": self.project_id}


class Placement(models.TextChoices):
    HIDDEN = "hidden", _("Hidden from the notes")
    KNOWN_ISSUE = "known_issue", _("Listed as a known issue")


class NotesItemPlacement(models.Model):
    """An item placed other than by its kind: hidden (an internal task) or a known issue.
    Items without a row are listed under their kind's section."""

    project = models.ForeignKey(ReleaseProject, on_delete=models.CASCADE, related_name="+")
    item = models.ForeignKey(ReleaseItem, on_delete=models.CASCADE, related_name="+")
    placement = models.CharField(max_length=12, choices=Placement.choices)

    history = HistoricalRecords(bases=[JournalFields])

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["project", "item"], name="unique_notes_placement")
        ]

    def __str__(self) -> str:
        return f"{self.item_id}: {self.get_placement_display()}"


class PublishedNotes(models.Model):
    """The notes as published when the release went live: append-only (a database trigger
    refuses changes), one version per go-live, numbered per release."""

    project = models.ForeignKey(
        ReleaseProject, on_delete=models.PROTECT, related_name="published_notes"
    )
    version = models.PositiveIntegerField()
    published_at = models.DateTimeField()
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The name as it was, kept if the account is deleted.
    published_by_name = models.CharField(max_length=150, blank=True)
    markdown = models.TextField()
    # Everything the page and the HTML download show: introduction, sections and their items.
    snapshot = models.JSONField()

    history = HistoricalRecords(bases=[JournalFields])

    class Meta:
        ordering = ["project", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["project", "version"], name="unique_notes_version")
        ]
        verbose_name = _("published release notes")
        verbose_name_plural = _("published release notes")

    def __str__(self) -> str:
        return gettext("Release notes %(project)s v%(version)s") % {
            "project": self.project_id,
            "version": self.version,
        }
