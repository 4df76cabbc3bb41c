"""Importing a ]project-open[ export: release projects, their items and the items' states,
written through the projects and items services and the status engine, so the journal tells
the story (back-dated to ]po['s creation dates where it gives them).

Idempotent: ]po[ ids are kept (a release is the project PO<project_id>; an item's change has
the external key po:<item_id>), and a second run finds what the first created and changes only
what differs. What cannot be mapped is reported and skipped; the rest is imported.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q

from imports.project_open import (
    Export,
    Row,
    day,
    item_kind,
    item_priority,
    status_map,
    when,
)
from items import engine, services
from items.engine import EngineError
from items.models import Change, ReleaseItem, ReleaseStatus
from items.workflow import workflow_current
from projects import services as project_services
from projects.access import Access, project_access
from projects.models import ReleaseMember, ReleaseProject
from projects.roles import Role
from projects.services import ProjectError
from releasemgmt.limits import DESCRIPTION_MAX

User = get_user_model()

CODE_PREFIX = "PO"
EXTERNAL_PREFIX = "po:"
TITLE_MAX = Change._meta.get_field("title").max_length
REASON = "Imported from ]project-open[ ({what})"

NO_RELEASES = "The export holds no release project (im_projects rows of project_type_id 4599)."
NO_STATES = "No release state is enabled here; seed them first (manage.py seed_release_statuses)."
ID_TOO_LONG = "Release project {id} ({name}): its id is too long for a project code; skipped."
PROJECT_MISSING = (
    "im_release_items.csv line {line}: release project {id} is not a release project of "
    "im_projects.csv; item {item} skipped."
)
OBJECT_MISSING = (
    "im_release_items.csv line {line}: item {item} (a ticket or task) is not in "
    "im_projects.csv; skipped."
)
UNKNOWN_STATUS = (
    "im_release_items.csv line {line}: unknown release status id {status} for {key}; "
    "its state is left as it is."
)
UNKNOWN_USER = "]po[ user {id}{name} has no account here (by username or e-mail); {what}."
TITLE_CUT = "{key}: its name is longer than {limit} characters and was shortened."
REFUSED = "{key}: {message}"
STOPPED = "stopped in “{state}” on its way to “{target}”: {reason}"


@dataclass(slots=True)
class ImportReport:
    projects_created: int = 0
    items_created: int = 0
    items_included: int = 0
    items_updated: int = 0
    items_moved: int = 0
    items_unchanged: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def changed_anything(self) -> bool:
        return bool(
            self.projects_created
            or self.items_created
            or self.items_included
            or self.items_updated
            or self.items_moved
        )


Progress = Callable[[int, int], None]


def _users(export: Export) -> dict[int, AbstractBaseUser]:
    """]po[ user id -> our account, by username first, then by e-mail (case-insensitive): one
    query."""
    usernames = {v.casefold() for v in export.usernames.values()}
    emails = {v.casefold() for v in export.emails.values()}
    if not usernames and not emails:
        return {}
    query = Q()
    for name in usernames:
        query |= Q(username__iexact=name)
    for email in emails:
        query |= Q(email__iexact=email)
    accounts = list(User.objects.filter(query))
    by_username = {u.get_username().casefold(): u for u in accounts}
    by_email = {u.email.casefold(): u for u in accounts if u.email}
    found: dict[int, AbstractBaseUser] = {}
    for po_id in set(export.usernames) | set(export.emails):
        user = by_username.get(export.usernames.get(po_id, "").casefold()) or by_email.get(
            export.emails.get(po_id, "").casefold()
        )
        if user is not None:
            found[po_id] = user
    return found


class _Importer:
    def __init__(self, *, export: Export, actor: AbstractBaseUser, progress: Progress | None):
        self.export = export
        self.actor = actor
        self.progress = progress
        self.report = ImportReport(problems=list(export.problems))
        self.users = _users(export)
        self.unknown_users: set[int] = set()
        states = workflow_current().states
        self.first_state = next((s for s in states if s.enabled), None)
        self.statuses = status_map(categories=export.categories, states=states)

    # --- people -------------------------------------------------------------------------

    def user(self, po_id: int | None, *, what: str) -> AbstractBaseUser | None:
        if po_id is None:
            return None
        user = self.users.get(po_id)
        if user is None and po_id not in self.unknown_users:
            self.unknown_users.add(po_id)
            name = self.export.names.get(po_id) or self.export.usernames.get(po_id, "")
            self.report.problems.append(
                UNKNOWN_USER.format(id=po_id, name=f" ({name})" if name else "", what=what)
            )
        return user

    def member(self, access: Access, user: AbstractBaseUser, members: set[int]) -> None:
        """An assignee works in the release: a developer there unless already a member."""
        if user.pk in members:
            return
        project_services.project_add_member(access=access, user=user, role=Role.DEVELOPER)
        members.add(user.pk)

    # --- releases -----------------------------------------------------------------------

    def release(self, row: Row) -> ReleaseProject | None:
        po_id = row.id("project_id")
        code = f"{CODE_PREFIX}{po_id}"
        if len(code) > 10:
            self.report.problems.append(ID_TOO_LONG.format(id=po_id, name=row["project_name"]))
            return None
        fields: dict[str, Any] = {
            "name": (row["project_name"] or code)[:200],
            "description": row["description"][:DESCRIPTION_MAX],
            "planned_release_date": day(row["end_date"]),
        }
        project = ReleaseProject.objects.filter(code=code).first()
        if project is None:
            manager = self.user(row.id("project_lead_id"), what="the importer manages its release")
            fields["release_manager"] = manager or self.actor
            try:
                project = project_services.project_create(
                    actor=self.actor, code=code, fields=fields, at=when(row["start_date"])
                )
            except ProjectError as error:
                self.report.problems.append(REFUSED.format(key=code, message=error.message))
                return None
            self.report.projects_created += 1
        return project

    # --- items --------------------------------------------------------------------------

    def content(self, item_id: int, key: str) -> dict[str, Any]:
        project = self.export.projects[item_id]
        ticket = self.export.tickets.get(item_id)
        title = project["project_name"] or f"]po[ object {item_id}"
        if len(title) > TITLE_MAX:
            self.report.problems.append(TITLE_CUT.format(key=key, limit=TITLE_MAX))
            title = title[: TITLE_MAX - 1] + "…"
        description = (ticket["ticket_description"] if ticket else "") or project["description"]
        return {
            "kind": item_kind(project=project, ticket=ticket, categories=self.export.categories),
            "title": title,
            "description": description[:DESCRIPTION_MAX],
            "external_key": f"{EXTERNAL_PREFIX}{item_id}",
        }

    def own(self, item_id: int, key: str) -> dict[str, Any]:
        ticket = self.export.tickets.get(item_id)
        project = self.export.projects[item_id]
        po_assignee = (ticket.id("ticket_assignee_id") if ticket else None) or project.id(
            "project_lead_id"
        )
        fields: dict[str, Any] = {
            "priority": item_priority(ticket=ticket, categories=self.export.categories)
        }
        assignee = self.user(po_assignee, what=f"{key} stays unassigned")
        if assignee is not None:
            fields["assignee"] = assignee
        return fields

    def created_at(self, item_id: int):
        ticket = self.export.tickets.get(item_id)
        return when(ticket["ticket_creation_date"] if ticket else "") or when(
            self.export.projects[item_id]["start_date"]
        )

    def import_release(self, project: ReleaseProject, rows: list[Row], done: int, total: int):
        access = project_access(user=self.actor, code=project.code)
        members = set(
            ReleaseMember.objects.filter(project=project).values_list("user_id", flat=True)
        )
        externals = [f"{EXTERNAL_PREFIX}{r.id('item_id')}" for r in rows]
        changes = {c.external_key: c for c in Change.objects.filter(external_key__in=externals)}
        inclusions = {
            i.change.external_key: i
            for i in ReleaseItem.objects.filter(
                project=project, change__external_key__in=externals
            ).select_related("change", "assignee")
        }
        for row in rows:
            item_id = row.id("item_id")
            external = f"{EXTERNAL_PREFIX}{item_id}"
            label = f"]po[ item {item_id} in {project.code}"
            try:
                with transaction.atomic():
                    item = self.import_item(
                        access=access,
                        row=row,
                        label=label,
                        change=changes.get(external),
                        item=inclusions.get(external),
                        members=members,
                    )
            except (EngineError, ProjectError) as error:
                self.report.problems.append(REFUSED.format(key=label, message=error.message))
            except PermissionDenied as error:
                self.report.problems.append(REFUSED.format(key=label, message=str(error)))
            else:
                changes[external], inclusions[external] = item.change, item
            done += 1
            if self.progress:
                self.progress(done, total)
        return done

    def import_item(
        self,
        *,
        access: Access,
        row: Row,
        label: str,
        change: Change | None,
        item: ReleaseItem | None,
        members: set[int],
    ) -> ReleaseItem:
        """Create, include or update one release item, then set its state; returns it."""
        item_id = row.id("item_id")
        reason = REASON.format(what=f"im_release_items line {row.line}")
        fields = {**self.content(item_id, label), **self.own(item_id, label)}
        if "assignee" in fields:
            self.member(access, fields["assignee"], members)
        at = self.created_at(item_id)
        changed = True
        if item is None and change is None:
            item = services.item_create(access=access, fields=fields, at=at, reason=reason)
            self.report.items_created += 1
        else:
            if item is None:
                item = services.item_include(access=access, ref=change.key, at=at)
                self.report.items_included += 1
            else:
                changed = False
            before = item.version
            item = services.item_update(
                access=access,
                item_id=item.pk,
                expected_version=item.version,
                fields=fields,
                reason=reason,
            )
            if item.version != before and not changed:
                self.report.items_updated += 1
                changed = True
        status_id = row.id("release_status_id")
        state: ReleaseStatus | None = self.statuses.get(status_id) if status_id else None
        if state is None:
            self.report.problems.append(
                UNKNOWN_STATUS.format(line=row.line, status=row["release_status_id"], key=label)
            )
        elif state.pk != item.status_id:
            moved, refusal = self.move(access=access, item=item, state=state, reason=reason)
            if refusal:
                self.report.problems.append(REFUSED.format(key=label, message=refusal))
            if moved.version != item.version:
                self.report.items_moved += 1
                changed = True
            item = moved
        if not changed:
            self.report.items_unchanged += 1
        return item

    def move(
        self, *, access: Access, item: ReleaseItem, state: ReleaseStatus, reason: str
    ) -> tuple[ReleaseItem, str]:
        """Set `item`'s state through the engine: in one move where the rules allow it (no
        rules: a release manager sets any state), otherwise one state at a time along the
        rules, as people would have, stopping where a step is refused (a gate without
        evidence: no approval is claimed that no one gave). Returns the item and the refusal."""
        try:
            with transaction.atomic():
                return engine.item_move(
                    access=access,
                    item_id=item.pk,
                    expected_version=item.version,
                    to_status_id=state.pk,
                    comment=reason,
                ), ""
        except EngineError as error:
            refusal = error.message
        order = [s.pk for s in workflow_current().states if s.enabled]
        if state.pk not in order or item.status_id not in order:
            return item, refusal
        steps = order.index(state.pk) - order.index(item.status_id)
        direction = "next" if steps > 0 else "prev"
        for _ in range(abs(steps)):
            try:
                with transaction.atomic():
                    item = engine.item_move(
                        access=access,
                        item_id=item.pk,
                        expected_version=item.version,
                        direction=direction,
                        comment=reason,
                    )
            except EngineError as error:
                return item, STOPPED.format(
                    state=item.status.name, target=state.name, reason=error.message
                )
        return item, ""

    def run(self) -> ImportReport:
        if self.first_state is None:
            raise EngineError(NO_STATES)
        releases = {}
        for row in sorted(self.export.releases, key=lambda r: r.id("project_id")):
            project = self.release(row)
            if project is not None:
                releases[row.id("project_id")] = project
        rows_by_release: dict[int, list[Row]] = {}
        for row in self.export.release_items:
            release_id, item_id = row.id("release_project_id"), row.id("item_id")
            if release_id not in releases:
                self.report.problems.append(
                    PROJECT_MISSING.format(
                        line=row.line, id=row["release_project_id"], item=row["item_id"]
                    )
                )
            elif item_id not in self.export.projects:
                self.report.problems.append(
                    OBJECT_MISSING.format(line=row.line, item=row["item_id"])
                )
            else:
                rows_by_release.setdefault(release_id, []).append(row)
        total = sum(len(rows) for rows in rows_by_release.values())
        done = 0
        for release_id, rows in sorted(rows_by_release.items()):
            # ]po['s order within the release: new cards join the bottom of their column.
            rows.sort(key=lambda r: (r.id("sort_order") or 0, r.line))
            done = self.import_release(releases[release_id], rows, done, total)
        return self.report


def project_open_import(
    *, export: Export, actor: AbstractBaseUser, progress: Progress | None = None
) -> ImportReport:
    """Import `export` as `actor` (an administrator); see the module's docstring."""
    if not actor.is_superuser:
        raise PermissionDenied("The ]project-open[ import runs as an administrator.")
    if not export.releases:
        raise EngineError(NO_RELEASES)
    return _Importer(export=export, actor=actor, progress=progress).run()
