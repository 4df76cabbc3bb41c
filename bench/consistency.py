"""After every load or fault run: does every item's state equal the replay of its journal?

Replays each item's journal in version order: the "created" row sets the state; each "moved" row
must start where the previous row ended (from_status_id) and sets the next state; any other row
must leave the state alone; versions go up by exactly one per row (a move applied twice, or a
change without its journal row, would break that). The last row must equal the live item.

`moved_since(mark)` counts the journal's moves per item after a history id, so a load run can
compare them with the moves its clients were told succeeded: one journal row per success.

    python -m bench.consistency     # exits non-zero when any item disagrees with its journal
"""

import sys
from collections import Counter
from dataclasses import dataclass, field

from bench.common import django_setup


@dataclass
class Report:
    items: int = 0
    rows: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def __str__(self) -> str:
        verdict = "OK" if self.ok else f"{len(self.problems)} PROBLEM(S)"
        lines = [f"replay of {self.rows:,} journal rows over {self.items:,} items: {verdict}"]
        return "\n".join(lines + [f"  - {p}" for p in self.problems[:20]])


def replay_check() -> Report:
    from items.models import ReleaseItem

    live = {
        pk: (status_id, version)
        for pk, status_id, version in ReleaseItem.objects.values_list("pk", "status_id", "version")
    }
    rows = (
        ReleaseItem.history.model.objects.order_by("id", "version", "history_date", "history_id")
        .values_list("id", "history_type", "change_kind", "from_status_id", "status_id", "version")
        .iterator(chunk_size=20_000)
    )
    report = Report()
    current: int | None = None
    state = version = None
    removed = False

    seen: set[int] = set()

    def finish(item_id: int) -> None:
        report.items += 1
        seen.add(item_id)
        if removed:
            if item_id in live:
                report.problems.append(f"item {item_id}: journal says removed, but it exists")
            return
        if live.get(item_id) != (state, version):
            report.problems.append(
                f"item {item_id}: live (state, version) {live.get(item_id)} "
                f"!= replay {(state, version)}"
            )

    for item_id, history_type, kind, from_status, status, row_version in rows:
        report.rows += 1
        if item_id != current:
            if current is not None:
                finish(current)
            current, removed = item_id, False
            if history_type != "+":
                report.problems.append(f"item {item_id}: journal does not start with its creation")
            state, version = status, row_version
            continue
        if history_type == "-":
            removed = True
            continue
        if row_version != version + 1:
            report.problems.append(f"item {item_id}: version {version} -> {row_version}")
        if kind == "moved":
            if from_status != state:
                report.problems.append(
                    f"item {item_id} v{row_version}: moved from {from_status} but was in {state}"
                )
        elif status != state:
            report.problems.append(f"item {item_id} v{row_version}: {kind} changed the state")
        state, version = status, row_version
    if current is not None:
        finish(current)
    missing = set(live) - seen
    if missing:
        report.problems.append(f"{len(missing)} items have no journal at all")
    return report


def history_mark() -> int:
    """The newest journal row's id: moves after it belong to the run that follows."""
    from django.db.models import Max

    from items.models import ReleaseItem

    return ReleaseItem.history.model.objects.aggregate(m=Max("history_id"))["m"] or 0


def moved_since(mark: int, *, reason_prefix: str | None = None) -> Counter:
    """Journal rows of kind "moved" per item id written after `mark`."""
    from items.models import ReleaseItem

    rows = ReleaseItem.history.model.objects.filter(history_id__gt=mark, change_kind="moved")
    if reason_prefix is not None:
        rows = rows.filter(history_change_reason__startswith=reason_prefix)
    return Counter(rows.values_list("id", flat=True))


def main() -> None:
    django_setup()
    report = replay_check()
    print(report)
    sys.exit(0 if report.ok else 1)


if __name__ == "__main__":
    main()
