"""The release notes page (`/projects/<code>/notes/`), its downloads and the release
manager's edits."""

import re

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_noop
from django.views.decorators.http import require_http_methods

from projects.access import Access, project_access
from projects.models import READ_ONLY_STAGES
from projects.roles import MANAGE
from releases import notes_services
from releases.notes_forms import PLACEMENT_CHOICES, PLACEMENT_PREFIX, NotesForm
from releases.notes_selectors import (
    notes_draft_stamp,
    notes_lines,
    notes_markdown,
    notes_published,
    notes_published_stamp,
    notes_settings,
    notes_snapshot,
    notes_versions,
)

BAD_FORMAT = gettext_noop("Unknown format “{format}”: use format=md (Markdown) or format=html.")
BAD_VERSION = gettext_noop(
    "“{version}” is not a version number: use a whole number such as version=1."
)
NO_VERSION = gettext_noop("{code} has no published release notes version {version}.")
FORMATS = {"md", "html"}


def _bad_request(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "400.html", {"message": message}, status=400)


def _download(*, snapshot: dict, markdown: str, stamp: str, fmt: str, name: str) -> HttpResponse:
    if fmt == "md":
        response = HttpResponse(markdown, content_type="text/markdown; charset=utf-8")
    else:
        body = render_to_string("releases/notes_document.html", {"notes": snapshot, "stamp": stamp})
        response = HttpResponse(body, content_type="text/html; charset=utf-8")
    # The code is [A-Z0-9] only (projects.models.code_validator): a safe file name.
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response


@require_http_methods(["GET", "POST"])
def release_notes(request: HttpRequest, code: str) -> HttpResponse:
    if request.method == "POST":
        return _notes_update(request, project_access(user=request.user, code=code, right=MANAGE))
    access = project_access(user=request.user, code=code)
    fmt = request.GET.get("format", "")
    if fmt and fmt not in FORMATS:
        return _bad_request(request, gettext(BAD_FORMAT).format(format=fmt[:20]))
    raw_version = request.GET.get("version", "")
    if raw_version and not re.fullmatch(r"[0-9]{1,9}", raw_version):
        return _bad_request(request, gettext(BAD_VERSION).format(version=raw_version[:20]))
    project = access.project
    published = None
    if raw_version:
        published = notes_published(project=project, version=int(raw_version))
        if published is None:
            return _bad_request(request, gettext(NO_VERSION).format(code=code, version=raw_version))
    elif project.lifecycle in READ_ONLY_STAGES:
        published = notes_published(project=project)
    if published is not None:
        stamp = notes_published_stamp(
            at=published.published_at, by=published.published_by_name, version=published.version
        )
        if fmt:
            # A published version's documents are as published: in English, like its
            # Markdown kept in the database.
            with translation.override("en"):
                return _download(
                    snapshot=published.snapshot,
                    markdown=published.markdown,
                    stamp=notes_published_stamp(
                        at=published.published_at,
                        by=published.published_by_name,
                        version=published.version,
                    ),
                    fmt=fmt,
                    name=f"{code}-release-notes-v{published.version}",
                )
        return _render(request, access, snapshot=published.snapshot, stamp=stamp, shown=published)
    notes = notes_settings(project=project)
    lines = notes_lines(project=project)
    snapshot = notes_snapshot(project=project, notes=notes, lines=lines)
    stamp = notes_draft_stamp(at=timezone.now())
    if fmt:
        markdown = notes_markdown(snapshot=snapshot, stamp=stamp)
        name = f"{code}-release-notes-draft"
        return _download(snapshot=snapshot, markdown=markdown, stamp=stamp, fmt=fmt, name=name)
    form = None
    if access.can_manage and project.lifecycle not in READ_ONLY_STAGES:
        form = NotesForm(
            initial={
                "introduction": notes.introduction,
                "known_issues": notes.known_issues,
                "revision": notes.revision,
            }
        )
    return _render(request, access, snapshot=snapshot, stamp=stamp, form=form, lines=lines)


def _render(
    request: HttpRequest,
    access: Access,
    *,
    snapshot: dict,
    stamp: str,
    shown: object = None,
    form: NotesForm | None = None,
    lines: list | None = None,
    status: int = 200,
) -> HttpResponse:
    context = {
        "project": access.project,
        "access": access,
        "notes": snapshot,
        "stamp": stamp,
        "shown": shown,
        "draft": shown is None,
        "versions": list(notes_versions(project=access.project)),
        "form": form,
        "lines": lines if form is not None else None,
        "placement_prefix": PLACEMENT_PREFIX,
        "placement_choices": PLACEMENT_CHOICES,
    }
    return render(request, "releases/notes.html", context, status=status)


def _notes_update(request: HttpRequest, access: Access) -> HttpResponse:
    form = NotesForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            notes_services.release_notes_update(
                access=access,
                introduction=form.cleaned_data["introduction"],
                known_issues=form.cleaned_data["known_issues"],
                placements=form.placements,
                revision=form.cleaned_data["revision"],
            )
        except notes_services.ProjectError as error:
            form.add_error(None, error.message)
            status = error.status_code
        else:
            messages.success(
                request, gettext(notes_services.NOTES_SAVED).format(code=access.project.code)
            )
            return redirect("releases:notes", code=access.project.code)
    project = access.project
    lines = notes_lines(project=project)
    snapshot = notes_snapshot(project=project, notes=notes_settings(project=project), lines=lines)
    stamp = notes_draft_stamp(at=timezone.now())
    if project.lifecycle in READ_ONLY_STAGES:
        form = None  # nothing to edit: the notes are published (the message says so)
        messages.error(request, gettext(notes_services.NOTES_FROZEN).format(code=project.code))
    return _render(
        request, access, snapshot=snapshot, stamp=stamp, form=form, lines=lines, status=status
    )
