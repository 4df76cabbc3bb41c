"""The demo's clock and the way it walks items through the rules (manage.py seed_demo).

Beside the command rather than in the app's modules: like the command, it drives the services of
every app (approvals, QA), which the items app itself never imports.
"""

import random
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from approvals import services as approval_services
from items import engine
from items.models import ReleaseItem
from projects.access import project_access
from qa import services as qa_services
from qa.models import TestCase

# The demo's office: its freeze windows are Europe/Zurich too.
OFFICE = ZoneInfo("Europe/Zurich")
OFFICE_HOURS = (time(8, 30), time(17, 30))
REVIEW = 4550  # the review's approval opens "2 - Ready for Integration"

# Backward moves of the year's releases: (state the item is sent back from, who, why).
REWORK = {
    2: ("developer", "Review found no tests for the new branch; back to review."),
    3: ("qa", "Integration environment: the migration fails on production-size data."),
    4: ("qa", "Acceptance test: totals differ from the specification; back to integration."),
}


class DemoClock:
    """A clock the demo moves forward by hand, so its journal tells a story over weeks."""

    def __init__(self, *, origin: datetime) -> None:
        self.origin = origin  # the real time the demo is seeded at: its story ends there
        self.current = origin
        self.latest = origin  # the latest moment handed out since it was last reset

    def now(self) -> datetime:
        self.current += timedelta(seconds=1)  # every row its own moment
        self.latest = max(self.latest, self.current)
        return self.current

    def set(self, moment: datetime) -> None:
        self.current = moment

    def tick(self, **delta: float) -> None:
        self.current += timedelta(**delta)

    def office_hours(self) -> None:
        """On to the next moment in office hours (Zurich): weekdays, and never inside the demo's
        weekend or year-end freeze, so a rerun over the freeze windows refuses no move."""
        local = self.current.astimezone(OFFICE)
        while not office_open(local):
            start, _end = office_day(local.date())
            if local.time() < start and not year_end(local.date()):
                local = datetime.combine(local.date(), start, tzinfo=OFFICE)
            else:
                day = local.date() + timedelta(days=1)
                local = datetime.combine(day, office_day(day)[0], tzinfo=OFFICE)
        self.current = max(self.current, local.astimezone(UTC))


def year_end(day: date) -> bool:
    """The demo's year-end freeze: 20 December to 3 January."""
    return (day.month, day.day) >= (12, 20) or (day.month, day.day) <= (1, 3)


def office_day(day: date) -> tuple[time, time]:
    """Opening hours; Fridays close before the weekend freeze starts at 16:00."""
    return OFFICE_HOURS[0], time(15, 30) if day.weekday() == 4 else OFFICE_HOURS[1]


def office_open(moment: datetime) -> bool:
    start, end = office_day(moment.date())
    return moment.weekday() < 5 and not year_end(moment.date()) and start <= moment.time() < end


class DemoFlow:
    """Walks items forward the way the default rules want: each move by the role that owns
    it, with the approvals, test runs, sign-offs and acceptance decisions it needs first.

    `office_hours` (the year's releases) keeps every step on a working day, lets approvals wait
    a realistic while, and allows rework (backward moves); without it the walk is the one the
    current releases have always had.
    """

    def __init__(
        self,
        *,
        users: dict,
        code: str,
        clock: DemoClock,
        rng: random.Random,
        office_hours: bool = False,
        pace: tuple[int, int] = (2, 40),
    ) -> None:
        self.users, self.code, self.clock, self.rng = users, code, clock, rng
        self.office = office_hours
        self.pace = pace  # hours between one step and the next (a hotfix's are short)

    def access(self, username: str):
        return project_access(user=self.users[username], code=self.code)

    def pause(self, *, hours: int) -> None:
        """Some work time passes (in office hours, for the year's releases)."""
        self.clock.tick(hours=hours)
        if self.office:
            self.clock.office_hours()

    def move(self, item: ReleaseItem, username: str, comment: str = "") -> ReleaseItem:
        self.pause(hours=self.rng.randint(*self.pace))
        return engine.item_move(
            access=self.access(username),
            item_id=item.pk,
            expected_version=item.version,
            direction="next",
            comment=comment,
        )

    def back(self, item: ReleaseItem) -> ReleaseItem:
        """Rework: the item goes back one state, with the reason the rules ask for."""
        step = [s.id for s in engine.states_in_order()].index(item.status_id)
        username, reason = REWORK[step]
        self.pause(hours=self.rng.randint(1, 16))
        return engine.item_move(
            access=self.access(username),
            item_id=item.pk,
            expected_version=item.version,
            direction="prev",
            comment=reason,
        )

    def approve(self, item: ReleaseItem, **retrospective: int) -> None:
        """The approver's review vote; `from_state_id` and `round` give it retrospectively,
        for an emergency move that went ahead without it."""
        self.pause(hours=self.rng.randint(1, self.pace[1] * 3 // 2) if self.office else 5)
        approval_services.approval_vote(
            access=self.access("approver"),
            item_id=item.pk,
            to_state_id=REVIEW,
            round=retrospective.pop("round", item.round),
            vote="approve",
            comment=self.rng.choice(["Code review done.", "Looks good.", ""]),
            **retrospective,
        )

    def test(self, item: ReleaseItem, *, fail_first: bool = False) -> None:
        case = TestCase.objects.filter(item=item).first() or qa_services.qa_case_add(
            access=self.access("qa"),
            item_id=item.pk,
            fields={
                "title": f"{item.title}: happy path",
                "steps": "1. Log in as a clerk.\n2. Run the changed function.\n3. Check it.",
                "expected_result": "The result matches the change request.",
            },
        )
        results = ["failed", "passed"] if fail_first else ["passed"]
        for result in results:
            self.pause(hours=3)
            qa_services.qa_run_record(
                access=self.access("qa"),
                item_id=item.pk,
                test_case_id=case.pk,
                fields={
                    "result": result,
                    "note": "Regression in the totals row." if result == "failed" else "",
                    "evidence_url": f"https://ci.example.com/{item.key.lower()}/{result}",
                },
            )

    def forward(self, item: ReleaseItem, step: int) -> ReleaseItem:
        """One move on from state number `step`, with what its rule asks for first."""
        item.refresh_from_db()
        if step == 1:
            self.approve(item)
            return self.move(item, "developer", "Review approved")
        if step == 3:
            self.test(item, fail_first=self.rng.random() < 0.3)
            return self.move(item, "qa", "Integration tests passed")
        if step == 4:
            self.pause(hours=6)
            qa_services.qa_signoff(
                access=self.access("qa"), item_id=item.pk, round=item.round, comment="QA done"
            )
            qa_services.qa_acceptance_decide(
                access=self.access("manager"),
                item_id=item.pk,
                round=item.round,
                decision="accepted",
                reason="Accepted by the business owner in the UAT session.",
            )
            return self.move(item, "qa", "Ready to deploy")
        if step >= 5:
            return self.move(item, "manager", "Deployed" if step == 5 else "Verified")
        return self.move(item, "developer", self.rng.choice(["", "Done", "Ready"]))

    def walk(
        self, item: ReleaseItem, target: int, *, start: int = 0, rework: tuple[int, ...] = ()
    ) -> ReleaseItem:
        """From state number `start` on to `target`; sent back once from each state number
        in `rework` when it first gets there."""
        step, pending = start, set(rework)
        while step < target:
            item = self.forward(item, step)
            step += 1
            if step in pending:
                pending.discard(step)
                item = self.back(item)
                step -= 1
        return item
