"""What is due on a case, computed from the database state alone (CII101 deadlines).

One pure function, ``deadlines_for(case, today)``, answers for the case page and for any
reminder sweep: it reads only the case's own columns, ``case.records`` (cached) and the
``reviews`` and ``powers_of_attorney`` relations (prefetch them with ``DEADLINE_PREFETCH``,
or load many cases with ``load``). No deadline is stored, so a late or repeated run sees
the same deadlines.

The same rules in SQL (``overdue_rules_q``) count overdue cases over the whole canton. They
read the case's columns only: the case keeps the three dates that the rules derive from its
plans, reviews and powers of attorney (``kept_dates``, computed by the rules' own helpers and
saved by the actions that change them through ``keep_dates``).

The periods come from the settings, with the process sheet's values as defaults:

- ``IIZ_FIRST_MEETING_DAYS`` (14): the case manager meets the person within two weeks of
  being designated (step 3);
- ``IIZ_PLAN_VALIDATION_DAYS`` (10): the coordinator decides on a submitted plan (step 5);
- ``IIZ_REVIEW_MONTHS`` (3): review with the person and information of the network at least
  every three months (step 7a);
- ``IIZ_TEAM_REVIEW_MONTHS`` (3): the coordinator's quarterly review with the team of
  contact persons (step 7b);
- a power of attorney is valid one year (``PowerOfAttorney.valid_until``).

The same periods say whether the power of attorney checked at a review lasts until the next
review with the person is due (``power_of_attorney_gap``, asked by ``actions.record_review``).
"""

from __future__ import annotations

import calendar
import datetime
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models import CaseState, PlanStatus, ReviewKind
from cases.models.case import IN_PROGRESS_STATES

if TYPE_CHECKING:
    from django.db.models import QuerySet
    from django.utils.functional import Promise

    from cases.models import Case, PowerOfAttorney

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


def period(name: str) -> int:
    """A period of the rules, read from its setting (iiz/settings.py) where it applies."""
    return int(getattr(settings, name))


def _local(moment: datetime.datetime | None) -> datetime.date | None:
    """The local date of ``moment`` (the application's time zone: no request activates
    another one). ``get_default_timezone`` is looked up once, not per call as
    ``timezone.localdate`` does: the rules run over 100,000 cases in a reminder sweep."""
    return moment.astimezone(timezone.get_default_timezone()).date() if moment else None


def _latest(*days: datetime.date | None) -> datetime.date | None:
    known = [day for day in days if day]
    return max(known) if known else None


def _last_review(case: Case, kind: str) -> datetime.date | None:
    return _latest(*(review.held_on for review in case.reviews.all() if review.kind == kind))


def _review_period_start(case: Case, kind: str) -> datetime.date | None:
    """The day the period of the next review of ``kind`` runs from: the latest validation of
    the plan or the last review of that kind, whichever is later."""
    return _latest(_plan_validated_on(case), _last_review(case, kind))


def _latest_power_of_attorney(case: Case):
    return max(case.powers_of_attorney.all(), key=lambda poa: (poa.signed_on, poa.pk), default=None)


def _plan_validated_on(case: Case) -> datetime.date | None:
    """The latest validation: the first one (on the case), or the current version's."""
    plan = case.records.current_plan
    current = _local(plan.decided_at) if plan and plan.status == PlanStatus.VALIDATED else None
    return _latest(_local(case.plan_validated_at), current)


def first_meeting(case: Case, today: datetime.date, kept: bool = False) -> Deadline | None:
    """CII101 step 3: the case manager meets the person within two weeks of designation."""
    designated = _local(case.cm_designated_at)
    if case.state != CaseState.CM_DESIGNATED or case.first_meeting_on or designated is None:
        return None
    return Deadline(
        FIRST_MEETING,
        _("First meeting of the case manager with the person"),
        designated + datetime.timedelta(days=period("IIZ_FIRST_MEETING_DAYS")),
        today,
        since=designated,
        who=_("Case manager"),
    )


def plan_validation(case: Case, today: datetime.date, kept: bool = False) -> Deadline | None:
    """CII101 step 5: the coordinator validates the submitted plan or sends it back."""
    submitted = _local(case.plan_submitted_at)
    if case.state != CaseState.PLAN_VALIDATION or submitted is None:
        return None
    return Deadline(
        PLAN_VALIDATION,
        _("Decision on the submitted action plan"),
        submitted + datetime.timedelta(days=period("IIZ_PLAN_VALIDATION_DAYS")),
        today,
        since=submitted,
        who=_("Coordinator"),
    )


def review_with_person(case: Case, today: datetime.date, kept: bool = False) -> Deadline | None:
    """CII101 step 7a: a review with the person, and the network informed, at least every
    three months after the plan's validation or the last review with the person."""
    if case.state != CaseState.IMPLEMENTATION:
        return None
    since = case.review_since if kept else _review_period_start(case, ReviewKind.WITH_PERSON)
    if since is None:
        return None
    return Deadline(
        REVIEW_WITH_PERSON,
        _("Review with the person and report to the network"),
        add_months(since, period("IIZ_REVIEW_MONTHS")),
        today,
        since=since,
        who=_("Case manager"),
    )


def team_review(case: Case, today: datetime.date, kept: bool = False) -> Deadline | None:
    """CII101 step 7b: the coordinator reviews the dossier's progress with the team of
    contact persons every quarter."""
    if case.state != CaseState.IMPLEMENTATION:
        return None
    since = case.team_review_since if kept else _review_period_start(case, ReviewKind.TEAM)
    if since is None:
        return None
    return Deadline(
        TEAM_REVIEW,
        _("Quarterly review with the team of contact persons"),
        add_months(since, period("IIZ_TEAM_REVIEW_MONTHS")),
        today,
        since=since,
        who=_("Coordinator"),
    )


def power_of_attorney(case: Case, today: datetime.date, kept: bool = False) -> Deadline | None:
    """CII101 step 7: the power of attorney is valid one year; the latest one must be
    renewed before it ends while the case is open."""
    if case.state not in IN_PROGRESS_STATES:
        return None
    if kept:  # the end of the latest one, kept on the case (its signature date is not)
        valid_until, signed_on = case.poa_valid_until, None
    else:
        latest = _latest_power_of_attorney(case)
        valid_until, signed_on = (latest.valid_until, latest.signed_on) if latest else (None, None)
    if valid_until is None:
        return None
    return Deadline(
        POWER_OF_ATTORNEY,
        _("Renew the power of attorney"),
        valid_until,
        today,
        since=signed_on,
        who=_("Case manager"),
        expired=today > valid_until,
    )


RULES = (first_meeting, plan_validation, review_with_person, team_review, power_of_attorney)
RULES_BY_KEY = {
    FIRST_MEETING: first_meeting,
    PLAN_VALIDATION: plan_validation,
    REVIEW_WITH_PERSON: review_with_person,
    TEAM_REVIEW: team_review,
    POWER_OF_ATTORNEY: power_of_attorney,
}


# --- The power of attorney at a review (CII101 step 7) ------------------------------------


def next_review_with_person_due(held_on: datetime.date) -> datetime.date:
    """The day the next review with the person is due after one held on ``held_on`` (the
    rule of ``review_with_person``, counted from that review)."""
    return add_months(held_on, period("IIZ_REVIEW_MONTHS"))


def power_of_attorney_in_force(case: Case, day: datetime.date) -> PowerOfAttorney | None:
    """The latest power of attorney of ``case`` signed on or before ``day``, or None."""
    signed = [poa for poa in case.powers_of_attorney.all() if poa.signed_on <= day]
    return max(signed, key=lambda poa: (poa.signed_on, poa.pk), default=None)


def power_of_attorney_gap(poa: PowerOfAttorney | None, held_on: datetime.date) -> str:
    """Why ``poa`` (None: there is none) does not cover a review held on ``held_on`` until
    the next review with the person is due; empty when it does. At every review with the
    person the case manager checks it and has a new one signed if needed."""
    if poa is None:
        return str(_("No power of attorney is recorded for this case."))
    due = next_review_with_person_due(held_on)
    values = {"until": poa.valid_until.strftime("%d.%m.%Y"), "due": due.strftime("%d.%m.%Y")}
    if poa.valid_until < held_on:
        return str(_("The power of attorney expired on %(until)s.") % values)
    if poa.valid_until < due:
        return str(
            _("The power of attorney ends on %(until)s, before the next review with the person is due (%(due)s).") % values
        )
    return ""


def deadlines_for(case: Case, today: datetime.date) -> list[Deadline]:
    """Everything due on the case as of ``today``, soonest first."""
    found = [deadline for rule in RULES if (deadline := rule(case, today)) is not None]
    return sorted(found, key=lambda deadline: (deadline.due_on, deadline.rule))


# --- What the case keeps of the rules' inputs ---------------------------------------------
#
# Counting overdue cases over 100,000 cases cannot afford to look up every case's plans,
# reviews and powers of attorney. The case keeps the three dates the rules derive from them
# (computed here, by the rules' own helpers), so that the SQL form below reads the case's
# columns only and uses their indexes.

KEPT_DATES = ("review_since", "team_review_since", "poa_valid_until")
# The columns of the case that computing them reads ("state": the state machine reads it
# when a case is loaded, and would load it case by case).
KEPT_FROM = ("pk", "state", "plan_validated_at", *KEPT_DATES)


def kept_dates(case: Case) -> dict[str, datetime.date | None]:
    """The dates the case keeps for the SQL form of the rules: the start of the period of
    each kind of review, and the end of the latest power of attorney."""
    latest = _latest_power_of_attorney(case)
    return {
        "review_since": _review_period_start(case, ReviewKind.WITH_PERSON),
        "team_review_since": _review_period_start(case, ReviewKind.TEAM),
        "poa_valid_until": latest.valid_until if latest else None,
    }


def keep_dates(case: Case) -> None:
    """Recompute and save the kept dates of ``case`` from its records. The actions that change
    a plan's validation, a review or a power of attorney call it (cases/actions.py)."""
    from cases.models import Case

    [fresh] = load(Case.objects.filter(pk=case.pk).only(*KEPT_FROM))
    values = kept_dates(fresh)
    if any(getattr(fresh, name) != value for name, value in values.items()):
        Case.objects.filter(pk=case.pk).update(**values)
    for name, value in values.items():
        setattr(case, name, value)


def refresh_kept_dates(cases: QuerySet, batch: int = 2000) -> int:
    """Recompute the kept dates of every case of ``cases`` (after a bulk import, or to check
    them); returns how many cases had other dates, which are then corrected."""
    from cases.models import Case

    changed = 0
    ids = list(cases.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), batch):
        chunk = load(Case.objects.filter(pk__in=ids[start : start + batch]).only(*KEPT_FROM))
        stale = {}
        for case in chunk:
            values = kept_dates(case)
            if any(getattr(case, name) != value for name, value in values.items()):
                stale[case.pk] = values
        write_kept_dates(stale)
        changed += len(stale)
    return changed


def write_kept_dates(values: dict[int, dict], using: str = "default") -> None:
    """Save the kept dates of many cases (case id -> ``kept_dates``) with one prepared
    UPDATE run for each case (``bulk_update`` builds a CASE expression per row, far slower
    for many rows)."""
    from django.db import connections

    from cases.models import Case

    connection = connections[using]
    quote, adapt = connection.ops.quote_name, connection.ops.adapt_datefield_value
    sql = "UPDATE {} SET {} WHERE {} = %s".format(
        quote(Case._meta.db_table),
        ", ".join(f"{quote(name)} = %s" for name in KEPT_DATES),
        quote("id"),
    )
    rows = [[adapt(dates[name]) for name in KEPT_DATES] + [pk] for pk, dates in values.items()]
    if rows:
        with connection.cursor() as cursor:
            cursor.executemany(sql, rows)


def load(cases: QuerySet) -> list[Case]:
    """The cases of ``cases`` with everything the rules read, in four queries whatever their
    number: the cases, then the latest review of each kind, the powers of attorney and the
    plans of the same cases (selected with ``cases`` as a subquery, never a list of ids).
    The rules then run without another query."""
    from collections import defaultdict

    from django.db.models import Max

    from cases.models import ActionPlan, PowerOfAttorney, Review

    found = list(cases.order_by("pk"))
    if not found:
        return found
    ids = cases.order_by().values("pk")
    reviews: dict[int, list[Review]] = defaultdict(list)
    latest = Review.objects.filter(case__in=ids).values("case_id", "kind").annotate(last=Max("held_on")).order_by()
    for row in latest:
        reviews[row["case_id"]].append(Review(case_id=row["case_id"], kind=row["kind"], held_on=row["last"]))
    poas: dict[int, list[PowerOfAttorney]] = defaultdict(list)
    for poa in PowerOfAttorney.objects.filter(case__in=ids).only("pk", "case_id", "signed_on", "valid_until").order_by():
        poas[poa.case_id].append(poa)
    plans: dict[int, ActionPlan] = {}
    newest_first = ActionPlan.objects.filter(case__in=ids).only("pk", "case_id", "version", "status", "decided_at")
    for plan in newest_first.order_by("case_id", "-version"):
        plans.setdefault(plan.case_id, plan)
    for case in found:
        # Where prefetch_related stores related rows: ``case.reviews.all()`` returns them.
        # Plain lists (building 200,000 querysets would cost seconds); the rules only
        # iterate over them.
        case._prefetched_objects_cache = {"reviews": reviews.get(case.pk, []), "powers_of_attorney": poas.get(case.pk, [])}
        case.records.__dict__["current_plan"] = plans.get(case.pk)
    return found


# --- The same rules in SQL, for lists, counts and sweeps over many cases -------------------


def _midnight(day: datetime.date) -> datetime.datetime:
    """The start of ``day`` in the local time zone (datetime columns are compared to it)."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def period_starts_before(due_before: datetime.date, months: int) -> datetime.date:
    """The first day whose period of ``months`` ends on or after ``due_before``: a period
    that starts on day ``d`` ends before ``due_before`` exactly when ``d`` is earlier than
    the day returned (add_months never decreases, so the days form one range)."""
    day = add_months(due_before, -months) - datetime.timedelta(days=4)
    while add_months(day, months) < due_before:
        day += datetime.timedelta(days=1)
    return day


def due_rules_q(last_day: datetime.date) -> dict[str, Q]:
    """One filter per rule (keyed like ``Deadline.rule``) for the cases with a deadline of
    that rule due on or before ``last_day``: the rules above, on the case's columns only (its
    steps and kept dates), so that each can also be the condition of a conditional count. A
    test checks that both forms agree, rule by rule and day by day."""

    def started_by(setting: str) -> datetime.datetime:
        # due = start + N days is on or before last_day when start < last_day - N + 1 day.
        return _midnight(last_day - datetime.timedelta(days=period(setting) - 1))

    def review_started_by(setting: str) -> datetime.date:
        # due = add_months(start, N) is on or before last_day when it is before the next day.
        return period_starts_before(last_day + datetime.timedelta(days=1), period(setting))

    return {
        FIRST_MEETING: Q(
            state=CaseState.CM_DESIGNATED,
            first_meeting_on__isnull=True,
            cm_designated_at__lt=started_by("IIZ_FIRST_MEETING_DAYS"),
        ),
        PLAN_VALIDATION: Q(state=CaseState.PLAN_VALIDATION, plan_submitted_at__lt=started_by("IIZ_PLAN_VALIDATION_DAYS")),
        REVIEW_WITH_PERSON: Q(state=CaseState.IMPLEMENTATION, review_since__lt=review_started_by("IIZ_REVIEW_MONTHS")),
        TEAM_REVIEW: Q(state=CaseState.IMPLEMENTATION, team_review_since__lt=review_started_by("IIZ_TEAM_REVIEW_MONTHS")),
        POWER_OF_ATTORNEY: Q(state__in=IN_PROGRESS_STATES, poa_valid_until__lte=last_day),
    }


# The column of the case that each rule's due date grows with (the due date is that day plus
# the rule's period): ordering the cases of ``due_rules_q(...)[rule]`` by it lists them
# soonest due first, in SQL, so that a list of deadlines can be paged by the database.
RULE_START = {
    FIRST_MEETING: "cm_designated_at",
    PLAN_VALIDATION: "plan_submitted_at",
    REVIEW_WITH_PERSON: "review_since",
    TEAM_REVIEW: "team_review_since",
    POWER_OF_ATTORNEY: "poa_valid_until",
}


def kept_deadline(case: Case, rule: str, today: datetime.date) -> Deadline | None:
    """The deadline of ``rule`` on ``case`` from the case's own columns (its steps and its
    kept dates), without its records: the same rule function as ``deadlines_for``, for the
    rows of a list paged in SQL (My tasks). A test checks that both give the same due date."""
    return RULES_BY_KEY[rule](case, today, kept=True)


def due_q(last_day: datetime.date) -> Q:
    """A filter for the cases with at least one deadline due on or before ``last_day``."""
    from functools import reduce
    from operator import or_

    return reduce(or_, due_rules_q(last_day).values())


def overdue_rules_q(today: datetime.date) -> dict[str, Q]:
    """One filter per rule for the cases overdue on it as of ``today`` (due before today)."""
    return due_rules_q(today - datetime.timedelta(days=1))


def overdue_q(today: datetime.date) -> Q:
    """A filter for the cases with at least one overdue deadline as of ``today``."""
    return due_q(today - datetime.timedelta(days=1))


def overdue_cases(cases: QuerySet, today: datetime.date | None = None) -> QuerySet:
    """The cases of ``cases`` (a queryset) with at least one overdue deadline."""
    return cases.filter(overdue_q(today or timezone.localdate()))
