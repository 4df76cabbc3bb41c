"""Writes: an item's dependencies and the configuration items it changes. Each write locks
the item (and shares the lock on its release, so a released release stays read-only), is
journaled with who made it, and refuses bad input with a message and nothing changed."""

import re

from django.db import IntegrityError, connection, transaction
from django.utils.translation import gettext, gettext_noop

from configuration.models import ChangedConfigurationItem, ConfigurationItem, Dependency
from configuration.selectors import HIDDEN_ITEM
from items.engine import EngineError, item_lock
from items.models import ReleaseItem
from projects.access import Access
from projects.roles import EDIT_ITEMS
from projects.selectors import projects_visible_to

NO_SUCH_ITEM = gettext_noop(
    "There is no item “{key}” in a release you can see (write a key like CRM-4)."
)
NOT_ON_ITSELF = gettext_noop("{key} cannot depend on itself.")
ALREADY_DEPENDS = gettext_noop("{key} already depends on {other}.")
CYCLE = gettext_noop("{key} cannot depend on {other}: that would make a cycle ({cycle}).")
NO_SUCH_DEPENDENCY = gettext_noop(
    "{key} has no such dependency (it may have been removed already)."
)
NO_SUCH_CI = gettext_noop("There is no such configuration item in the catalogue.")
ALREADY_CHANGES = gettext_noop("{key} already says it changes {name}.")
NO_SUCH_CI_LINK = gettext_noop("{key} does not say it changes that configuration item (any more).")

KEY = re.compile(r"([A-Z][A-Z0-9]{1,9})-([1-9][0-9]{0,8})")
# Every insert of a dependency takes this transaction-level lock: a cycle can close through
# items no two concurrent inserts share, so locking the items involved cannot prevent it.
GRAPH_LOCK = 0x6465_7073  # "deps"


class DependencyError(EngineError):
    status_code = 400


class DependencyConflict(EngineError):
    status_code = 409


class DependencyNotFound(EngineError):
    status_code = 404


def _target(*, access: Access, key: str) -> ReleaseItem:
    """The item `key` names, if the user may see its release; otherwise the same refusal as
    for a key that names nothing, so a refusal reveals nothing."""
    match = KEY.fullmatch(key)
    if match is None:
        raise DependencyError(gettext(NO_SUCH_ITEM).format(key=key))
    code, number = match[1], int(match[2])
    visible = projects_visible_to(user=access.user)
    found = (
        ReleaseItem.objects.select_related("project")
        .filter(project__code=code, number=number, project__in=visible)
        .first()
    )
    if found is None:
        raise DependencyError(gettext(NO_SUCH_ITEM).format(key=key))
    return found


def _cycle_path(*, start_id: int, goal_id: int) -> list[int]:
    """The ids along the dependencies from `start_id` to `goal_id` (empty: none): one
    recursive query, which stops at each item it has seen on its way."""
    sql = """
        WITH RECURSIVE walk(node, path) AS (
            SELECT depends_on_id, '/' || CAST(item_id AS TEXT) || '/'
                   || CAST(depends_on_id AS TEXT) || '/'
            FROM configuration_dependency WHERE item_id = %s
            UNION ALL
            SELECT d.depends_on_id, w.path || CAST(d.depends_on_id AS TEXT) || '/'
            FROM configuration_dependency d JOIN walk w ON d.item_id = w.node
            WHERE w.node <> %s
              AND w.path NOT LIKE '%%/' || CAST(d.depends_on_id AS TEXT) || '/%%'
        )
        SELECT path FROM walk WHERE node = %s ORDER BY LENGTH(path) LIMIT 1
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [start_id, goal_id, goal_id])
        row = cursor.fetchone()
    return [int(part) for part in row[0].strip("/").split("/")] if row else []


def _keys(*, access: Access, ids: list[int]) -> dict[int, str]:
    """The keys of `ids` the user may see; the others read as hidden. One query."""
    visible = projects_visible_to(user=access.user)
    rows = ReleaseItem.objects.filter(pk__in=ids, project__in=visible).values_list(
        "pk", "project__code", "number"
    )
    return {pk: f"{code}-{number}" for pk, code, number in rows}


@transaction.atomic
def dependency_add(*, access: Access, item_id: int, key: str) -> Dependency:
    """Record that the item needs the item `key` names; refuse itself, duplicates, keys the
    user cannot see and cycles (named)."""
    access.require(EDIT_ITEMS)
    if connection.vendor == "postgresql":
        # Before any row lock: the insert's foreign key check share-locks the other item,
        # which a concurrent insert holding its own item's row lock must not be waiting on.
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [GRAPH_LOCK])
    item = item_lock(access=access, item_id=item_id)
    key = key.strip().upper()
    if key == item.key:
        raise DependencyError(gettext(NOT_ON_ITSELF).format(key=item.key))
    other = _target(access=access, key=key)
    if Dependency.objects.filter(item=item, depends_on=other).exists():
        raise DependencyConflict(gettext(ALREADY_DEPENDS).format(key=item.key, other=other.key))
    path = _cycle_path(start_id=other.pk, goal_id=item.pk)
    if path:
        names = _keys(access=access, ids=path)
        cycle = " → ".join([item.key] + [names.get(pk, gettext(HIDDEN_ITEM)) for pk in path])
        raise DependencyConflict(gettext(CYCLE).format(key=item.key, other=other.key, cycle=cycle))
    dependency = Dependency(item=item, depends_on=other, created_by=access.user)
    # No change reason naming the other item: the release's journal shows reasons, and the
    # other item may be in a release its readers cannot see (journal.selectors names it).
    dependency._history_user = access.user
    try:
        with transaction.atomic():
            dependency.save()
    except IntegrityError:  # a double submit that raced past the check above
        raise DependencyConflict(
            gettext(ALREADY_DEPENDS).format(key=item.key, other=other.key)
        ) from None
    return dependency


@transaction.atomic
def dependency_remove(*, access: Access, item_id: int, dependency_id: int) -> None:
    access.require(EDIT_ITEMS)
    item = item_lock(access=access, item_id=item_id)
    dependency = Dependency.objects.select_for_update().filter(pk=dependency_id, item=item).first()
    if dependency is None:
        raise DependencyNotFound(gettext(NO_SUCH_DEPENDENCY).format(key=item.key))
    dependency._history_user = access.user
    dependency.delete()


@transaction.atomic
def item_ci_add(*, access: Access, item_id: int, configuration_item_id: int) -> None:
    """Record that the item changes a configuration item of the catalogue."""
    access.require(EDIT_ITEMS)
    item = item_lock(access=access, item_id=item_id)
    ci = ConfigurationItem.objects.filter(pk=configuration_item_id).first()
    if ci is None:
        raise DependencyError(gettext(NO_SUCH_CI))
    if ChangedConfigurationItem.objects.filter(item=item, configuration_item=ci).exists():
        raise DependencyConflict(gettext(ALREADY_CHANGES).format(key=item.key, name=ci.name))
    link = ChangedConfigurationItem(item=item, configuration_item=ci, created_by=access.user)
    link._history_user = access.user
    link._change_reason = f"{item.key} changes {ci.name}"  # stored: English
    try:
        with transaction.atomic():
            link.save()
    except IntegrityError:
        raise DependencyConflict(
            gettext(ALREADY_CHANGES).format(key=item.key, name=ci.name)
        ) from None


@transaction.atomic
def item_ci_remove(*, access: Access, item_id: int, link_id: int) -> None:
    access.require(EDIT_ITEMS)
    item = item_lock(access=access, item_id=item_id)
    link = (
        ChangedConfigurationItem.objects.select_for_update()
        .filter(pk=link_id, item=item)
        .select_related("configuration_item")
        .first()
    )
    if link is None:
        raise DependencyNotFound(gettext(NO_SUCH_CI_LINK).format(key=item.key))
    link._history_user = access.user
    link._change_reason = f"{item.key} no longer changes {link.configuration_item.name}"
    link.delete()
