"""Reads: the dependencies the gate and the release check weigh, the item page's panels, the
catalogue, and the configuration items a release touches. Items of a release the reader
cannot see are never named: they show as "in another release you cannot see"."""

from collections import defaultdict
from dataclasses import dataclass, field

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Expression, Q, QuerySet, Subquery
from django.utils.translation import gettext_noop

from configuration.models import ChangedConfigurationItem, ConfigurationItem, Dependency
from items.models import ReleaseItem, ReleaseStatus
from planning.models import ReleaseSchedule
from projects.access import Access
from projects.models import Lifecycle, ReleaseProject
from projects.roles import EDIT_ITEMS
from projects.selectors import project_visible_flag

User = AbstractBaseUser | AnonymousUser

HIDDEN_ITEM = gettext_noop("an item in another release you cannot see")


def visible_to(user: User, project_field: str) -> Expression:
    """An annotation: whether `user` may see the release at `project_field` of each row."""
    return project_visible_flag(user=user, project_field=project_field)


@dataclass(frozen=True, slots=True)
class Need:
    """One dependency as the gate and the release check weigh it."""

    item_id: int
    key: str  # empty when the reader cannot see the release it is in
    status_id: int


def needs_of(*, scope: dict, user: User, lock: bool = False) -> dict[int, list[Need]]:
    """The dependencies of the items in `scope` (a filter on Dependency, e.g. the policy's
    scope), by item id: one query.

    `lock` (the engine deciding a move into production, inside its transaction): the items
    depended on are read under FOR NO KEY UPDATE, which waits for a move of one of them
    (the engine holds its item FOR UPDATE) and then reads its committed state, and keeps
    them from moving until this transaction ends. Rows are locked in primary-key order, and
    dependencies have no cycles, so a chain of moves waiting on each other always ends."""
    found_rows = Dependency.objects.filter(**scope).annotate(
        visible=visible_to(user, "depends_on__project_id")
    )
    if lock:
        # `of` names only joins that build objects (select_related), so no values_list here.
        locked = (
            found_rows.select_related("depends_on__project")
            .only(
                "item_id",
                "depends_on__number",
                "depends_on__status_id",
                "depends_on__project__code",
            )
            .select_for_update(no_key=True, of=("depends_on",))
            .order_by("depends_on_id")
        )
        rows = sorted(
            (
                (
                    d.item_id,
                    d.depends_on.project.code,
                    d.depends_on.number,
                    d.depends_on.status_id,
                    d.visible,
                )
                for d in locked
            ),
            key=lambda row: (row[1], row[2]),
        )
    else:
        rows = found_rows.order_by("depends_on__project__code", "depends_on__number").values_list(
            "item_id",
            "depends_on__project__code",
            "depends_on__number",
            "depends_on__status_id",
            "visible",
        )
    found: dict[int, list[Need]] = defaultdict(list)
    for item_id, code, number, status_id, visible in rows:
        found[item_id].append(Need(item_id, f"{code}-{number}" if visible else "", status_id))
    return found


def needs_unmet(needs: list[Need], states: dict[int, ReleaseStatus]) -> list[Need]:
    """The dependencies not yet in a production state (`states`: the workflow's, by id)."""
    return [n for n in needs if not getattr(states.get(n.status_id), "production", False)]


# --- The item page ----------------------------------------------------------------------


@dataclass(slots=True)
class Linked:
    """An item at the other end of a dependency, as the reader may see it."""

    dependency_id: int
    item: ReleaseItem | None  # None: in a release the reader cannot see
    production: bool


@dataclass(slots=True)
class DependencyPanel:
    needs: list[Linked] = field(default_factory=list)  # what this item depends on
    needed_by: list[Linked] = field(default_factory=list)  # what depends on this item
    can_edit: bool = False
    links: list[ChangedConfigurationItem] = field(default_factory=list)
    catalogue: list[ConfigurationItem] = field(default_factory=list)  # to choose from

    @property
    def waiting(self) -> list[Linked]:
        return [n for n in self.needs if not n.production]


def dependency_panel(*, access: Access, item: ReleaseItem) -> DependencyPanel:
    """The item page's dependencies and configuration items: two queries, a third (the
    catalogue to choose from) for those who may edit them."""
    user = access.user
    rows = (
        Dependency.objects.filter(Q(item=item) | Q(depends_on=item))
        .select_related(
            "item__project",
            "item__status",
            "item__change",
            "depends_on__project",
            "depends_on__status",
            "depends_on__change",
        )
        .annotate(
            item_visible=visible_to(user, "item__project_id"),
            depends_on_visible=visible_to(user, "depends_on__project_id"),
        )
        .order_by("pk")
    )
    panel = DependencyPanel(can_edit=access.can(EDIT_ITEMS))
    for row in rows:
        if row.item_id == item.pk:
            # A hidden dependency still blocks: it is listed, unnamed.
            other, visible = row.depends_on, row.depends_on_visible
            panel.needs.append(Linked(row.pk, other if visible else None, other.status.production))
        elif row.item_visible:
            # A hidden item that needs this one blocks nothing here: not even its existence shows.
            panel.needed_by.append(Linked(row.pk, row.item, row.item.status.production))
    panel.links = list(
        ChangedConfigurationItem.objects.filter(item=item)
        .select_related("configuration_item")
        .order_by("configuration_item__name")
    )
    if panel.can_edit:
        used = {link.configuration_item_id for link in panel.links}
        panel.catalogue = [
            ci for ci in ConfigurationItem.objects.only("id", "name", "type") if ci.pk not in used
        ]
    return panel


# --- The catalogue ------------------------------------------------------------------------


def catalogue_list(*, query: str = "") -> QuerySet[ConfigurationItem]:
    found = ConfigurationItem.objects.select_related("owner").order_by("name")
    if query:
        found = found.filter(Q(name__icontains=query) | Q(description__icontains=query))
    return found


# --- The release page ---------------------------------------------------------------------


@dataclass(slots=True)
class TouchedCI:
    configuration_item: ConfigurationItem
    keys: list[str] = field(default_factory=list)  # this release's items that change it
    overlaps: list[str] = field(default_factory=list)  # releases whose go-live overlaps
    hidden_overlap: bool = False  # ...and one the reader cannot see


def release_configuration_items(*, access: Access) -> list[TouchedCI]:
    """The configuration items a release's items change, each with the other releases whose
    go-live window overlaps this one's and that touch it too: two queries."""
    project = access.project
    touched: dict[int, TouchedCI] = {}
    links = (
        ChangedConfigurationItem.objects.filter(item__project=project)
        .select_related("configuration_item__owner")
        .only(
            "configuration_item__id",
            "configuration_item__name",
            "configuration_item__type",
            "configuration_item__owner__username",
            "item__number",
        )
        .select_related("item")
        .order_by("configuration_item__name", "item__number")
    )
    for link in links:
        entry = touched.setdefault(link.configuration_item_id, TouchedCI(link.configuration_item))
        entry.keys.append(f"{project.code}-{link.item.number}")
    if not touched:
        return []
    # [start, end) windows overlap when each starts before the other ends. The window is read
    # in the same query (a join on this release's schedule), so no window means no rows.
    clashes = (
        ChangedConfigurationItem.objects.filter(
            configuration_item__changes__item__project=project,
            item__project__schedule__go_live_start__lt=project_window("go_live_end", project),
            item__project__schedule__go_live_end__gt=project_window("go_live_start", project),
        )
        .exclude(item__project=project)
        .exclude(item__project__lifecycle=Lifecycle.CANCELLED)
        .annotate(visible=visible_to(access.user, "item__project_id"))
        .values_list("configuration_item_id", "item__project__code", "visible")
        .distinct()
        .order_by("configuration_item_id", "item__project__code")
    )
    for ci_id, code, visible in clashes:
        if ci_id not in touched:
            continue
        if not visible:
            touched[ci_id].hidden_overlap = True
        elif code not in touched[ci_id].overlaps:
            touched[ci_id].overlaps.append(code)
    return list(touched.values())


def project_window(field_name: str, project: ReleaseProject) -> Subquery:
    """One end of `project`'s planned go-live window, as a subquery."""
    return Subquery(ReleaseSchedule.objects.filter(project=project).values(field_name)[:1])
