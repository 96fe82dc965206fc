"""What is due on a case, computed from the database state alone (CII101 deadlines).

One pure function, ``deadlines_for(case, today)``, answers for the case page and for any
reminder sweep: it reads only the case's own columns, ``case.records`` (cached) and the
``reviews`` and ``powers_of_attorney`` relations (prefetch them with ``DEADLINE_PREFETCH``
when checking many cases). Nothing is stored, so a late or repeated run sees the same
deadlines.

The periods come from the settings, with the process sheet's values as defaults:

- ``IIZ_FIRST_MEETING_DAYS`` (14): the case manager meets the person within two weeks of
  being designated (step 3);
- ``IIZ_PLAN_VALIDATION_DAYS`` (10): the coordinator decides on a submitted plan (step 5);
- ``IIZ_REVIEW_MONTHS`` (3): review with the person and information of the network at least
  every three months (step 7a);
- ``IIZ_TEAM_REVIEW_MONTHS`` (3): the coordinator's quarterly review with the team of
  contact persons (step 7b);
- a power of attorney is valid one year (``PowerOfAttorney.valid_until``).
"""

from __future__ import annotations

import calendar
import datetime
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models import CaseState, PlanStatus, ReviewKind
from cases.models.case import OPEN_STATES

if TYPE_CHECKING:
    from django.utils.functional import Promise

    from cases.models import Case

# The relations deadlines_for reads besides the case's columns and records.
DEADLINE_PREFETCH = ("reviews", "powers_of_attorney")

FIRST_MEETING = "first_meeting"
PLAN_VALIDATION = "plan_validation"
REVIEW_WITH_PERSON = "review_with_person"
TEAM_REVIEW = "team_review"
POWER_OF_ATTORNEY = "power_of_attorney"


@dataclass(frozen=True)
class Deadline:
    """Something due on a case: ``rule`` is a stable key, ``label`` the text for people,
    ``since`` the date the period started from, ``who`` the role that must act."""

    rule: str
    label: Promise | str
    due_on: datetime.date
    today: datetime.date
    since: datetime.date | None = None
    who: Promise | str = ""
    expired: bool = False

    @property
    def days_left(self) -> int:
        """Days until the due date; negative once it has passed."""
        return (self.due_on - self.today).days

    @property
    def days_overdue(self) -> int:
        return max(0, -self.days_left)

    @property
    def is_overdue(self) -> bool:
        return self.today > self.due_on

    @property
    def is_due_soon(self) -> bool:
        return 0 <= self.days_left <= 7


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day ``months`` later, or the last day of that month when it is shorter
    (30 November + 3 months = 28 or 29 February)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def period(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def _local(moment: datetime.datetime | None) -> datetime.date | None:
    return timezone.localdate(moment) if moment else None


def _latest(*days: datetime.date | None) -> datetime.date | None:
    known = [day for day in days if day]
    return max(known) if known else None


def _last_review(case: Case, kind: str) -> datetime.date | None:
    return _latest(*(review.held_on for review in case.reviews.all() if review.kind == kind))


def _plan_validated_on(case: Case) -> datetime.date | None:
    """The latest validation: the first one (on the case), or the current version's."""
    plan = case.records.current_plan
    current = _local(plan.decided_at) if plan and plan.status == PlanStatus.VALIDATED else None
    return _latest(_local(case.plan_validated_at), current)


def first_meeting(case: Case, today: datetime.date) -> Deadline | None:
    """CII101 step 3: the case manager meets the person within two weeks of designation."""
    designated = _local(case.cm_designated_at)
    if case.state != CaseState.CM_DESIGNATED or case.first_meeting_on or designated is None:
        return None
    return Deadline(
        FIRST_MEETING, _("First meeting of the case manager with the person"),
        designated + datetime.timedelta(days=period("IIZ_FIRST_MEETING_DAYS", 14)),
        today, since=designated, who=_("Case manager"),
    )


def plan_validation(case: Case, today: datetime.date) -> Deadline | None:
    """CII101 step 5: the coordinator validates the submitted plan or sends it back."""
    submitted = _local(case.plan_submitted_at)
    if case.state != CaseState.PLAN_VALIDATION or submitted is None:
        return None
    return Deadline(
        PLAN_VALIDATION, _("Decision on the submitted action plan"),
        submitted + datetime.timedelta(days=period("IIZ_PLAN_VALIDATION_DAYS", 10)),
        today, since=submitted, who=_("Coordinator"),
    )


def review_with_person(case: Case, today: datetime.date) -> Deadline | None:
    """CII101 step 7a: a review with the person, and the network informed, at least every
    three months after the plan's validation or the last review with the person."""
    if case.state != CaseState.IMPLEMENTATION:
        return None
    since = _latest(_plan_validated_on(case), _last_review(case, ReviewKind.WITH_PERSON))
    if since is None:
        return None
    return Deadline(
        REVIEW_WITH_PERSON, _("Review with the person and report to the network"),
        add_months(since, period("IIZ_REVIEW_MONTHS", 3)), today, since=since, who=_("Case manager"),
    )


def team_review(case: Case, today: datetime.date) -> Deadline | None:
    """CII101 step 7b: the coordinator reviews the dossier's progress with the team of
    contact persons every quarter."""
    if case.state != CaseState.IMPLEMENTATION:
        return None
    since = _latest(_plan_validated_on(case), _last_review(case, ReviewKind.TEAM))
    if since is None:
        return None
    return Deadline(
        TEAM_REVIEW, _("Quarterly review with the team of contact persons"),
        add_months(since, period("IIZ_TEAM_REVIEW_MONTHS", 3)), today, since=since, who=_("Coordinator"),
    )


def power_of_attorney(case: Case, today: datetime.date) -> Deadline | None:
    """CII101 step 7: the power of attorney is valid one year; the latest one must be
    renewed before it ends while the case is open."""
    if case.state not in OPEN_STATES:
        return None
    latest = max(case.powers_of_attorney.all(), key=lambda poa: (poa.signed_on, poa.pk), default=None)
    if latest is None:
        return None
    return Deadline(
        POWER_OF_ATTORNEY, _("Renew the power of attorney"), latest.valid_until, today,
        since=latest.signed_on, who=_("Case manager"), expired=today > latest.valid_until,
    )


RULES = (first_meeting, plan_validation, review_with_person, team_review, power_of_attorney)


def deadlines_for(case: Case, today: datetime.date) -> list[Deadline]:
    """Everything due on the case as of ``today``, soonest first."""
    found = [deadline for rule in RULES if (deadline := rule(case, today)) is not None]
    return sorted(found, key=lambda deadline: (deadline.due_on, deadline.rule))


# --- The same rules in SQL, for lists and sweeps over many cases ---------------------------


def _midnight(day: datetime.date) -> datetime.datetime:
    """The start of ``day`` in the local time zone (datetime columns are compared to it)."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def overdue_rules_q(today: datetime.date) -> dict:
    """One filter per rule (keyed like ``Deadline.rule``) for the cases overdue on it as of
    ``today``: the rules above, expressed in SQL (a test checks that both agree, rule by
    rule and day by day)."""
    from django.db.models import Exists, OuterRef, Q

    from cases.models import ActionPlan, PowerOfAttorney, Review

    def cutoff_days(setting: str, default: int) -> datetime.datetime:
        # due = start + N days is overdue when start + N < today, i.e. start < today - N.
        return _midnight(today - datetime.timedelta(days=period(setting, default)))

    def recent_review(kind: str, months: int):
        cutoff = add_months(today, -months)
        return Exists(Review.objects.filter(case=OuterRef("pk"), kind=kind, held_on__gte=cutoff))

    def validated_since(months: int):
        cutoff = _midnight(add_months(today, -months))
        recent_plan = Exists(ActionPlan.objects.filter(case=OuterRef("pk"), status=PlanStatus.VALIDATED, decided_at__gte=cutoff))
        return Q(plan_validated_at__gte=cutoff) | recent_plan

    review_months = period("IIZ_REVIEW_MONTHS", 3)
    team_months = period("IIZ_TEAM_REVIEW_MONTHS", 3)
    implementation = Q(state=CaseState.IMPLEMENTATION, plan_validated_at__isnull=False)
    any_poa = Exists(PowerOfAttorney.objects.filter(case=OuterRef("pk")))
    valid_poa = Exists(PowerOfAttorney.objects.filter(case=OuterRef("pk"), valid_until__gte=today))
    return {
        FIRST_MEETING: Q(
            state=CaseState.CM_DESIGNATED, first_meeting_on__isnull=True,
            cm_designated_at__lt=cutoff_days("IIZ_FIRST_MEETING_DAYS", 14),
        ),
        PLAN_VALIDATION: Q(state=CaseState.PLAN_VALIDATION, plan_submitted_at__lt=cutoff_days("IIZ_PLAN_VALIDATION_DAYS", 10)),
        REVIEW_WITH_PERSON: implementation & ~validated_since(review_months) & ~recent_review(ReviewKind.WITH_PERSON, review_months),
        TEAM_REVIEW: implementation & ~validated_since(team_months) & ~recent_review(ReviewKind.TEAM, team_months),
        POWER_OF_ATTORNEY: Q(state__in=OPEN_STATES) & any_poa & ~valid_poa,
    }


def overdue_q(today: datetime.date):
    """A filter for the cases with at least one overdue deadline as of ``today``."""
    from functools import reduce
    from operator import or_

    return reduce(or_, overdue_rules_q(today).values())


def overdue_cases(cases, today: datetime.date | None = None):
    """The cases of ``cases`` (a queryset) with at least one overdue deadline."""
    return cases.filter(overdue_q(today or timezone.localdate()))
