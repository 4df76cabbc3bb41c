"""Reads of the release level: the readiness of a release's items, and its release gate."""

from dataclasses import dataclass, field

from django.contrib.auth.models import AnonymousUser
from django.utils.translation import gettext, gettext_noop, ngettext

from items.models import ReleaseItem
from items.policy import MovePolicy
from items.workflow import workflow_current
from projects.access import Access
from projects.models import Lifecycle, ReleaseProject
from releases.checks import (
    KINDS,
    NO_QA_SIGNOFF,
    NOT_IN_PRODUCTION,
    UNAPPROVED,
    WAITING_FOR_DEPENDENCY,
    ReadinessContext,
    Shortfall,
    registered_readiness_checks,
)

READINESS = "readiness"
SHOWN_KEYS = 5  # the refusal names this many items per kind, then "and n more"
NOT_READY = gettext_noop("{code} cannot be released yet: {shortfalls}.")
AND_MORE = gettext_noop("{keys} and {more} more")


def _kind_summary(*, kind: str, count: int, keys: str) -> str:
    """One whole counted sentence per kind: the count decides the noun's and the verb's form,
    which a translated kind dropped into one shared sentence could not agree with."""
    if kind == NOT_IN_PRODUCTION:
        text = ngettext(
            "{count} item not in a production state ({keys})",
            "{count} items not in a production state ({keys})",
            count,
        )
    elif kind == UNAPPROVED:
        text = ngettext(
            "{count} item unapproved ({keys})", "{count} items unapproved ({keys})", count
        )
    elif kind == NO_QA_SIGNOFF:
        text = ngettext(
            "{count} item without QA sign-off ({keys})",
            "{count} items without QA sign-off ({keys})",
            count,
        )
    elif kind == WAITING_FOR_DEPENDENCY:
        text = ngettext(
            "{count} item waiting for a dependency ({keys})",
            "{count} items waiting for a dependency ({keys})",
            count,
        )
    else:  # a kind a plugged-in check brings: its name stands apart, after a colon
        text = ngettext("{count} item: {kind} ({keys})", "{count} items: {kind} ({keys})", count)
    return text.format(count=count, kind=gettext(kind), keys=keys)


@dataclass(slots=True)
class ItemReadiness:
    item: ReleaseItem
    shortfalls: list[Shortfall] = field(default_factory=list)

    @property
    def ready(self) -> bool:
        return not self.shortfalls


@dataclass(slots=True)
class Readiness:
    items: list[ItemReadiness]
    # The policy the checks asked: the page reuses the evidence its gates loaded (freezes).
    policy: MovePolicy | None = None

    @property
    def short(self) -> list[ItemReadiness]:
        return [i for i in self.items if not i.ready]

    @property
    def ready_count(self) -> int:
        return sum(i.ready for i in self.items)

    @property
    def ready(self) -> bool:
        return not self.short

    def by_kind(self) -> list[tuple[str, list[str]]]:
        """(kind, keys of the items short of it), the known kinds first, in item order."""
        keys: dict[str, list[str]] = {kind: [] for kind in KINDS}
        for entry in self.short:
            for kind in dict.fromkeys(s.kind for s in entry.shortfalls):
                keys.setdefault(kind, []).append(entry.item.key)
        return [(kind, found) for kind, found in keys.items() if found]

    def summary(self) -> str:
        """Each kind of shortfall with its count and its first items' keys."""
        parts = []
        for kind, keys in self.by_kind():
            shown = ", ".join(keys[:SHOWN_KEYS])
            if len(keys) > SHOWN_KEYS:
                shown = gettext(AND_MORE).format(keys=shown, more=len(keys) - SHOWN_KEYS)
            parts.append(_kind_summary(kind=kind, count=len(keys), keys=shown))
        return "; ".join(parts)


def release_readiness(*, access: Access) -> Readiness:
    """Per item of the release, what it is missing before release. A constant number of
    queries whatever the number of items: the workflow's revision, the items, the move
    policy's gates (once rules with gates exist) and what each registered check loads."""
    project = access.project
    workflow = workflow_current()
    items = list(
        # States are in memory; the change brings the title and the author (segregation of duties).
        ReleaseItem.objects.filter(project=project).select_related("change").order_by("number")
    )
    for item in items:
        item.project = project
    policy = MovePolicy(access=access, workflow=workflow, items=items, project_wide=True)
    context = ReadinessContext(project=project, items=items, policy=policy, states=policy.states)
    checks = [factory() for factory in registered_readiness_checks().values()]
    for check in checks:
        check.load(context)
    return Readiness(
        items=[
            ItemReadiness(
                item=item,
                shortfalls=[s for check in checks for s in check.shortfalls(item, context)],
            )
            for item in items
        ],
        policy=policy,
    )


def release_stage_blockers(project: ReleaseProject, to_stage: str) -> list[str]:
    """The release gate (a stage gate, registered in ReleasesConfig.ready()): a release is
    released (or closed straight away) only when every item is ready."""
    if to_stage not in (Lifecycle.RELEASED, Lifecycle.CLOSED) or project.lifecycle in (
        Lifecycle.RELEASED,
        Lifecycle.CLOSED,
    ):
        return []
    # The gates' evidence does not depend on who asks: no user, no rights.
    access = Access(project=project, user=AnonymousUser(), role=None, rights=frozenset())
    readiness = release_readiness(access=access)
    if readiness.ready:
        return []
    return [gettext(NOT_READY).format(code=project.code, shortfalls=readiness.summary())]
