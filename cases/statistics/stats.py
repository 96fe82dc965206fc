"""The statistics of the network: dashboards, the steering view and the activity report.

Every figure is a function of a queryset of cases: ``Case.objects.visible_to(user)`` with
the dashboard's filters for the dashboards, every case for the steering view and the
activity report (which show aggregates only). Each figure is one aggregate query (GROUP BY
and conditional counts), so a page runs the same number of queries whatever the number of
cases. The definitions are in docs/statistics.md.

- Snapshot (today): open cases by state, region, theme and case manager, and the overdue
  deadlines by rule (the SQL form of the CII101 deadlines, ``cases.deadlines.overdue_q``).
- Disputes (today): the open disputes between institutions by region and age.
- Flow (a period): new cases per month, steps reached, closed cases by outcome and the
  placement rate, median durations between the dated steps.

Tables (``Table``) carry the figures with their labels; a ``link`` callable turns the
filter of a cell into the URL of the case list (dashboards), and ``suppressed=True``
applies the small-count rule of the steering view (``suppress_counts``).
"""

from __future__ import annotations

import datetime
import statistics
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import reduce
from itertools import pairwise
from operator import or_

from django.db import connection
from django.db.models import Aggregate, Count, Exists, F, FloatField, Func, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.html import conditional_escape, escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases import deadlines
from cases.models import Case, Dispute, ExitOutcome
from cases.models.case import FINAL_STATES, OPEN_STATES
from cases.models.disputes import OPEN_DISPUTE_STATES

# Open: every case not in a final state (the case list's "Open cases only").
OPEN_Q = ~Q(state__in=FINAL_STATES)

# The overdue rules, in the order of deadlines.RULES (and of the terms of overdue_q).
OVERDUE_RULES = {
    deadlines.FIRST_MEETING: gettext_lazy("First meeting"),
    deadlines.PLAN_VALIDATION: gettext_lazy("Plan validation"),
    deadlines.REVIEW_WITH_PERSON: gettext_lazy("Review with the person"),
    deadlines.TEAM_REVIEW: gettext_lazy("Team review"),
    deadlines.POWER_OF_ATTORNEY: gettext_lazy("Power of attorney"),
}
ANY_RULE = "any"

# The dated steps of CII101, in order: the key used in URLs, the column, the label.
STEPS = {
    "reported": ("reported_at", gettext_lazy("Reported")),
    "cm_designated": ("cm_designated_at", gettext_lazy("Case manager designated")),
    "plan_validated": ("plan_validated_at", gettext_lazy("Plan validated")),
    "exit_reported": ("exit_reported_at", gettext_lazy("Exit report submitted")),
    "closed": ("closed_at", gettext_lazy("Closed")),
}
# The durations between consecutive steps (report → CM → plan validated → exit → closure).
SEGMENTS = list(pairwise(STEPS))

NO_THEME = "none"  # the value of the theme filter for cases without a theme (regional cases)
SMALL = 5  # counts from 1 to SMALL - 1 are not shown in the steering view


# --- Periods and step filters --------------------------------------------------------------


def midnight(day: datetime.date) -> datetime.datetime:
    """The start of ``day`` in the local time zone."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


@dataclass(frozen=True)
class Period:
    """Whole days from ``first`` to ``last`` (both included)."""

    first: datetime.date
    last: datetime.date

    @classmethod
    def year(cls, year: int) -> Period:
        return cls(datetime.date(year, 1, 1), datetime.date(year, 12, 31))

    def months(self) -> list[datetime.date]:
        """The first day of every month the period touches."""
        month, months = self.first.replace(day=1), []
        while month <= self.last:
            months.append(month)
            month = deadlines.add_months(month, 1)
        return months

    def month_period(self, month: datetime.date) -> Period:
        """The part of the period in ``month``."""
        end = deadlines.add_months(month, 1) - datetime.timedelta(days=1)
        return Period(max(month, self.first), min(end, self.last))


def dated_q(step: str, first: datetime.date | None, last: datetime.date | None) -> Q:
    """The cases whose ``step`` (a key of STEPS) falls within the days ``first``–``last``."""
    column = STEPS[step][0]
    q = Q()
    if first:
        q &= Q(**{f"{column}__gte": midnight(first)})
    if last:
        q &= Q(**{f"{column}__lt": midnight(last + datetime.timedelta(days=1))})
    return q


def reached_q(step: str) -> Q:
    """The cases that have reached ``step`` (its date is recorded)."""
    return Q(**{f"{STEPS[step][0]}__isnull": False})


def overdue_rule_q(today: datetime.date) -> dict[str, Q]:
    """One filter per overdue rule, as of ``today`` (cases/deadlines/__init__.py, the one SQL form
    of the deadlines), in the order of deadlines.RULES."""
    rules = deadlines.overdue_rules_q(today)
    return {rule: rules[rule] for rule in OVERDUE_RULES}


# --- Snapshot: open cases and overdue deadlines today ---------------------------------------


class Snapshot:
    """The open cases of a queryset today, and their overdue deadlines, in two queries:

    - the open cases counted by state, region, theme and case manager (GROUP BY), each
      count with its overdue cases beside it, rule by rule and on any rule (conditional
      counts whose conditions are the rules' SQL form, ``deadlines.overdue_rules_q``: the
      case's columns only);
    - the same counts per institution involved (a case counts for each of them).

    Every overdue case is open, so both scan the open cases once.
    """

    DIMENSIONS = ("state", "region_id", "theme_id", "case_manager_id")

    def __init__(self, cases: QuerySet, today: datetime.date):
        cases = cases.order_by().filter(OPEN_Q)
        rules = overdue_rule_q(today)
        counts = {"n": Count("pk")}
        counts.update({rule: Count("pk", filter=q) for rule, q in rules.items()})
        counts[ANY_RULE] = Count("pk", filter=reduce(or_, rules.values()))
        keys = [*rules, ANY_RULE]
        self.by_state: Counter = Counter()
        self.by_region_theme: Counter = Counter()  # (region_id, theme_id or None)
        self.by_cm: Counter = Counter()  # case_manager_id (None: no case manager yet)
        self.by_cm_state: Counter = Counter()  # (case_manager_id, state)
        # (rule or ANY_RULE, dimension, key) -> number of cases
        self.overdue: Counter = Counter()
        for row in cases.values(*self.DIMENSIONS).annotate(**counts):
            n = row["n"]
            self.by_state[row["state"]] += n
            self.by_region_theme[(row["region_id"], row["theme_id"])] += n
            self.by_cm[row["case_manager_id"]] += n
            self.by_cm_state[(row["case_manager_id"], row["state"])] += n
            for rule in keys:
                if row[rule]:
                    self.overdue[(rule, "all", None)] += row[rule]
                    self.overdue[(rule, "state", row["state"])] += row[rule]
                    self.overdue[(rule, "region", row["region_id"])] += row[rule]
                    self.overdue[(rule, "theme", row["theme_id"])] += row[rule]
                    self.overdue[(rule, "cm", row["case_manager_id"])] += row[rule]
        self.by_institution: Counter = Counter()
        for row in cases.filter(institutions__isnull=False).values("institutions").annotate(**counts):
            self.by_institution[row["institutions"]] = row["n"]
            for rule in keys:
                self.overdue[(rule, "institution", row["institutions"])] = row[rule]

    @property
    def total(self) -> int:
        return sum(self.by_state.values())

    def overdue_count(self, rule: str = ANY_RULE, dimension: str = "all", key=None) -> int:
        return self.overdue[(rule, dimension, key)]


# --- Flow: what happened in a period --------------------------------------------------------


class DaysBetween(Func):
    """Days (with fractions) from the first datetime column to the second."""

    output_field = FloatField()

    def as_postgresql(self, compiler, connection, **extra):
        # date_part gives a double precision (EXTRACT gives a numeric, slower to sort).
        return self.as_sql(
            compiler, connection, template="(date_part('epoch', %(expressions)s) / 86400.0)", arg_joiner=" - ", **extra
        )

    def as_sqlite(self, compiler, connection, **extra):
        # julianday(end) - julianday(start): native in SQLite, no per-row Python function.
        return self.as_sql(compiler, connection, template="(julianday(%(expressions)s))", arg_joiner=") - julianday(", **extra)


class Median(Aggregate):
    """PostgreSQL's exact median (percentile_cont), with FILTER like any aggregate."""

    function = "PERCENTILE_CONT"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()


@dataclass(frozen=True)
class Duration:
    start: str  # a key of STEPS
    end: str
    n: int  # cases that reached ``end`` in the period, with ``start`` recorded
    median_days: float | None


def _segment_q(start: str, end: str, period: Period) -> Q:
    return dated_q(end, period.first, period.last) & reached_q(start)


def _days(start: str, end: str) -> DaysBetween:
    return DaysBetween(F(STEPS[end][0]), F(STEPS[start][0]))


@dataclass
class Flow:
    """What happened in a period, in one query over the cases with any dated step in the
    period (conditional counts, and on PostgreSQL the medians with percentile_cont, each
    with the filter of its figure); on other databases than PostgreSQL, one more small
    query per segment reads only its middle value for the median:

    - ``months``: new cases (reported) per month, every month of the period present (each
      month's limits at local midnight: no per-row date function);
    - ``steps``: how many cases reached each dated step in the period;
    - ``outcomes``: cases closed in the period, by the outcome of their exit report;
    - ``durations``: median days between consecutive steps, over the cases that reached
      the later step in the period.

    One query rather than one per step: the five ranges of indexed date columns overlap
    (a case reported in the period is often designated and closed in it too), and reading
    the matching cases once took half the time of reading each range on its own.
    """

    months: dict[datetime.date, int]
    steps: dict[str, int]
    outcomes: dict[str, int]
    durations: list[Duration]

    @classmethod
    def of(cls, cases: QuerySet, period: Period) -> Flow:
        cases = cases.order_by()
        months = period.months()
        postgres = connection.vendor == "postgresql"
        in_period = {step: dated_q(step, period.first, period.last) for step in STEPS}
        aggregates = {}
        for i, month in enumerate(months):
            part = period.month_period(month)
            aggregates[f"month_{i}"] = Count("pk", filter=dated_q("reported", part.first, part.last))
        aggregates["reached_reported"] = Count("pk", filter=in_period["reported"])
        for start, end in SEGMENTS:
            aggregates[f"reached_{end}"] = Count("pk", filter=in_period[end])
            aggregates[f"n_{end}"] = Count("pk", filter=in_period[end] & reached_q(start))
            if postgres:
                aggregates[f"median_{end}"] = Median(_days(start, end), filter=in_period[end] & reached_q(start))
        # The outcome is recorded on the case at closure (Case.outcome).
        aggregates.update(
            {f"outcome_{outcome}": Count("pk", filter=in_period["closed"] & Q(outcome=outcome)) for outcome in ExitOutcome.values}
        )
        row = cases.filter(reduce(or_, in_period.values())).aggregate(**aggregates)
        durations = []
        for start, end in SEGMENTS:
            n = row[f"n_{end}"]
            median = (
                row[f"median_{end}"] if postgres else _median(cases.filter(_segment_q(start, end, period)), _days(start, end), n)
            )
            durations.append(Duration(start, end, n, median))
        return cls(
            months={month: row[f"month_{i}"] for i, month in enumerate(months)},
            steps={step: row[f"reached_{step}"] for step in STEPS},
            outcomes={outcome: row[f"outcome_{outcome}"] for outcome in ExitOutcome.values},
            durations=durations,
        )


def _median(cases: QuerySet, days: DaysBetween, n: int) -> float | None:
    """The median of ``days`` over ``n`` cases, reading only the middle one or two values
    (one query also when there is none: a page runs the same queries whatever the data)."""
    middle = list(cases.annotate(days=days).order_by("days").values_list("days", flat=True)[max(n - 1, 0) // 2 : n // 2 + 1])
    return statistics.mean(middle) if middle else None


def new_by_unit(cases: QuerySet, period: Period) -> Counter:
    """New cases of the period by (region_id, theme_id, reporting_institution_id)."""
    rows = (
        cases.filter(dated_q("reported", period.first, period.last))
        .order_by()
        .values("region_id", "theme_id", "reporting_institution_id")
        .annotate(n=Count("pk"))
    )
    return Counter({(r["region_id"], r["theme_id"], r["reporting_institution_id"]): r["n"] for r in rows})


# --- What a page counts: numbers and ids, no text ---------------------------------------------
# The pages keep these in the figures' cache (cases/cached.py); the tables, in the reader's
# language, are built from them on every request.


@dataclass
class DashboardCounts:
    """The numbers of a dashboard: today's snapshot, the period's flow and the open disputes
    (``None`` when the page does not show them)."""

    snapshot: Snapshot
    flow: Flow
    disputes: Counter | None

    @classmethod
    def of(cls, cases: QuerySet, period: Period, today: datetime.date, *, disputes: bool) -> DashboardCounts:
        return cls(
            snapshot=Snapshot(cases, today),
            flow=Flow.of(cases, period),
            disputes=open_disputes_by_region(cases, today) if disputes else None,
        )


@dataclass
class YearCounts:
    """The numbers of the activity report of a year: its flow and its new cases by unit."""

    year: int
    flow: Flow
    by_unit: Counter

    @classmethod
    def of(cls, cases: QuerySet, year: int) -> YearCounts:
        period = Period.year(year)
        return cls(year=year, flow=Flow.of(cases, period), by_unit=new_by_unit(cases, period))


# --- Tables ---------------------------------------------------------------------------------

Link = Callable[..., str] | None


@dataclass
class Cell:
    value: int | float | None
    text: str = ""
    url: str = ""
    hidden: bool = False  # suppressed in the steering view

    def __post_init__(self):
        if not self.text:
            self.text = "–" if self.value is None else format_number(self.value)

    def __str__(self) -> str:
        """HTML: the text, linked to the case list when there is a link (one template node
        per cell; templates convert a value with str() before escaping, so this is safe HTML)."""
        if self.url:
            return mark_safe(f'<a href="{escape(self.url)}">{conditional_escape(self.text)}</a>')  # both escaped
        return conditional_escape(self.text)


@dataclass
class Row:
    label: str
    cells: list[Cell]
    is_total: bool = False
    short: str = ""  # a shorter label for a chart's axis


@dataclass
class Table:
    """One figure: rows of labelled cells under ``columns``; the last row may be the total.
    ``chart``: "bars" (horizontal) or "columns" (vertical) for the first value column."""

    key: str
    title: str
    row_header: str
    columns: list[str]
    rows: list[Row] = field(default_factory=list)
    chart: str = ""
    note: str = ""

    @property
    def body(self) -> list[Row]:
        return [row for row in self.rows if not row.is_total]

    def rows_html(self) -> str:
        """The rows as HTML, built here rather than by a template node per cell: the tables of
        a canton's case managers have thousands of cells, and the template engine took most
        of a dashboard's time to render them one by one."""
        return mark_safe("".join(_row_html(row) for row in self.rows))  # labels and cells escaped

    @property
    def totals(self) -> list[Row]:
        return [row for row in self.rows if row.is_total]


def _row_html(row: Row) -> str:
    cells = "".join(f'<td class="text-end{" stats-hidden" if cell.hidden else ""}">{cell}</td>' for cell in row.cells)
    total = ' class="stats-total"' if row.is_total else ""
    return f'<tr{total}><th scope="row">{conditional_escape(row.label)}</th>{cells}</tr>'


def format_number(value: int | float) -> str:
    """Counts as they are; days with one decimal under 10 (in the language's format)."""
    if isinstance(value, float):
        return number_format(value, 1 if value < 10 else 0)
    return str(value)


def _cell(value: int, link: Link, **params) -> Cell:
    return Cell(value, url=link(**params) if link and value else "")


def suppress_counts(table: Table, columns: list[int] | None = None) -> Table:
    """The small-count rule of the steering view, column by column:

    - a count from 1 to 4 is shown as "< 5" (0 stays 0: it names nobody);
    - when a column has a total and exactly one of its cells is hidden, the smallest other
      non-zero cell is hidden too, so the hidden count cannot be recomputed as the total
      minus the others.

    Only columns whose cells add up to the total row may be listed in ``columns`` (default:
    all); the tables of the steering view have no row totals (no sums across a row).
    """
    indexes = columns if columns is not None else range(len(table.columns))
    for index in indexes:
        cells = [row.cells[index] for row in table.body]
        totals = [row.cells[index] for row in table.totals]
        for cell in cells + totals:
            cell.url = ""
            if cell.value is not None and 0 < cell.value < SMALL:
                cell.hidden, cell.text = True, f"< {SMALL}"
        shown_total = any(not cell.hidden for cell in totals)
        if shown_total and sum(cell.hidden for cell in cells) == 1:
            others = [cell for cell in cells if not cell.hidden and cell.value]
            if others:
                smallest = min(others, key=lambda cell: cell.value)
                smallest.hidden, smallest.text = True, "×"
    return table


def _rate(placed: Cell, closed: Cell) -> Cell:
    if placed.hidden or closed.hidden or not closed.value:
        return Cell(None)
    return Cell(round(100 * placed.value / closed.value, 1), text=f"{100 * placed.value / closed.value:.0f} %")


@dataclass
class Labels:
    """The names of regions, themes, institutions and case managers (loaded once per page)."""

    regions: dict
    themes: dict
    institutions: dict
    people: dict = field(default_factory=dict)

    @classmethod
    def load(cls) -> Labels:
        from roles.models import Institution, Region, Theme

        return cls(
            regions={r.pk: r for r in Region.objects.all()},
            themes={t.pk: t for t in Theme.objects.all()},
            institutions={i.pk: i for i in Institution.objects.all()},
        )

    def with_people(self, people: dict[int, str]) -> Labels:
        return replace(self, people=people)

    def theme(self, theme_id) -> str:
        return str(self.themes[theme_id]) if theme_id else _("Regional (no theme)")


def case_manager_names() -> dict[int, str]:
    """The names of everyone who is or was the case manager of a case (the dashboards'
    tables by case manager), in one query whatever the cases."""
    from roles.models import User

    users = User.objects.filter(Exists(Case.objects.filter(case_manager=OuterRef("pk"))))
    return {user.pk: user.get_full_name() or user.username for user in users.only("first_name", "last_name", "username")}


def table_open_by_state(snap: Snapshot, link: Link = None, suppressed: bool = False, case_manager: int | None = None) -> Table:
    """Open cases by state; of one case manager's caseload when ``case_manager`` is given."""
    if case_manager:
        table = Table("my_open_by_state", _("My caseload by state"), _("State"), [_("Cases")], chart="bars")
        counts, mine = (
            Counter({state: snap.by_cm_state[(case_manager, state)] for state in OPEN_STATES}),
            {"case_manager": case_manager},
        )
    else:
        table = Table("open_by_state", _("Open cases by state"), _("State"), [_("Cases")], chart="bars")
        counts, mine = snap.by_state, {}
    for state in OPEN_STATES:
        table.rows.append(Row(str(state.label), [_cell(counts[state], link, state=state.value, **mine)]))
    table.rows.append(
        Row(_("Total"), [_cell(sum(counts[state] for state in OPEN_STATES), link, open_only=1, **mine)], is_total=True)
    )
    return suppress_counts(table) if suppressed else table


def table_open_by_region_theme(snap: Snapshot, labels: Labels, link: Link = None) -> Table:
    """Regions × (regional cases, each theme, all): the dashboards' cross table."""
    themes = list(labels.themes.values())
    table = Table(
        "open_by_region_theme",
        _("Open cases by region and theme"),
        _("Region"),
        [labels.theme(None)] + [str(t) for t in themes] + [_("Total")],
    )
    keys = [None] + [t.pk for t in themes]
    for region in labels.regions.values():
        cells = [
            _cell(snap.by_region_theme[(region.pk, key)], link, region=region.pk, theme=key or NO_THEME, open_only=1)
            for key in keys
        ]
        cells.append(_cell(sum(c.value for c in cells), link, region=region.pk, open_only=1))
        table.rows.append(Row(str(region), cells))
    totals = [
        _cell(sum(snap.by_region_theme[(r, key)] for r in labels.regions), link, theme=key or NO_THEME, open_only=1)
        for key in keys
    ]
    totals.append(_cell(snap.total, link, open_only=1))
    table.rows.append(Row(_("Total"), totals, is_total=True))
    return table


def table_open_by_region(snap: Snapshot, labels: Labels, suppressed: bool = False) -> Table:
    table = Table("open_by_region", _("Open cases by region"), _("Region"), [_("Cases")], chart="bars")
    for region in labels.regions.values():
        table.rows.append(Row(str(region), [Cell(sum(n for (r, _theme), n in snap.by_region_theme.items() if r == region.pk))]))
    table.rows.append(Row(_("Total"), [Cell(snap.total)], is_total=True))
    return suppress_counts(table) if suppressed else table


def table_open_by_theme(snap: Snapshot, labels: Labels, suppressed: bool = False) -> Table:
    table = Table("open_by_theme", _("Open cases by theme"), _("Theme"), [_("Cases")], chart="bars")
    for key in [None, *labels.themes]:
        table.rows.append(Row(labels.theme(key), [Cell(sum(n for (_region, t), n in snap.by_region_theme.items() if t == key))]))
    table.rows.append(Row(_("Total"), [Cell(snap.total)], is_total=True))
    return suppress_counts(table) if suppressed else table


def table_new_per_month(counts: dict[datetime.date, int], period: Period, link: Link = None, suppressed: bool = False) -> Table:
    table = Table("new_per_month", _("New cases per month"), _("Month"), [_("New cases")], chart="columns")
    for month, n in counts.items():
        part = period.month_period(month)
        cells = [_cell(n, link, dated="reported", date_from=part.first, date_to=part.last)]
        table.rows.append(Row(date_format(month, "F Y"), cells, short=date_format(month, "M y")))
    table.rows.append(
        Row(
            _("Total"),
            [_cell(sum(counts.values()), link, dated="reported", date_from=period.first, date_to=period.last)],
            is_total=True,
        )
    )
    return suppress_counts(table) if suppressed else table


def table_closed_by_outcome(counts: dict[str, int], period: Period, link: Link = None, suppressed: bool = False) -> Table:
    table = Table(
        "closed_by_outcome",
        _("Closed cases by outcome"),
        _("Outcome"),
        [_("Cases")],
        chart="bars",
        note=_("Placement rate: the share of the closed cases placed in the first labour market."),
    )
    dated = {"dated": "closed", "date_from": period.first, "date_to": period.last}
    for outcome in ExitOutcome:
        table.rows.append(Row(str(outcome.label), [_cell(counts[outcome], link, outcome=outcome.value, **dated)]))
    table.rows.append(Row(_("Total"), [_cell(sum(counts.values()), link, **dated)], is_total=True))
    if suppressed:
        suppress_counts(table)
    placed, closed = table.rows[0].cells[0], table.rows[-1].cells[0]
    table.rows.append(Row(_("Placement rate"), [_rate(placed, closed)], is_total=True))
    return table


def table_steps_reached(counts: dict[str, int], period: Period, link: Link = None, suppressed: bool = False) -> Table:
    table = Table("steps_reached", _("Steps reached in the period"), _("Step"), [_("Cases")])
    for step, (_column, label) in STEPS.items():
        table.rows.append(Row(str(label), [_cell(counts[step], link, dated=step, date_from=period.first, date_to=period.last)]))
    return suppress_counts(table) if suppressed else table


def table_durations(durations: list[Duration], period: Period, link: Link = None, suppressed: bool = False) -> Table:
    table = Table(
        "durations",
        _("Median duration between the steps"),
        _("From – to"),
        [_("Median (days)"), _("Cases")],
        chart="bars",
        note=_("Over the cases that reached the later step in the period."),
    )
    for d in durations:
        label = f"{STEPS[d.start][1]} → {STEPS[d.end][1]}"
        n = _cell(d.n, link, dated=d.end, date_from=period.first, date_to=period.last, reached=d.start)
        median = Cell(round(d.median_days, 1) if d.median_days is not None else None)
        if suppressed and 0 < d.n < SMALL:
            n.hidden, n.text, median = True, f"< {SMALL}", Cell(None)
        if suppressed:
            n.url = ""
        table.rows.append(Row(label, [median, n]))
    return table


def table_overdue_by_rule(snap: Snapshot, link: Link = None, suppressed: bool = False, case_manager: int | None = None) -> Table:
    """Overdue deadlines by rule; of one case manager's caseload when ``case_manager`` is given."""
    title = _("My overdue deadlines") if case_manager else _("Overdue deadlines by rule")
    table = Table(
        "my_overdue" if case_manager else "overdue_by_rule",
        title,
        _("Deadline"),
        [_("Cases")],
        chart="bars",
        note=_("A case can be overdue on several deadlines: the rules do not add up to the overdue cases."),
    )
    where, mine = (("cm", case_manager), {"case_manager": case_manager}) if case_manager else (("all", None), {})
    for rule, label in OVERDUE_RULES.items():
        table.rows.append(Row(str(label), [_cell(snap.overdue_count(rule, *where), link, overdue_rule=rule, **mine)]))
    table.rows.append(Row(_("Overdue cases"), [_cell(snap.overdue_count(ANY_RULE, *where), link, overdue=1, **mine)]))
    return suppress_counts(table) if suppressed else table


def _overdue_columns() -> list[str]:
    return [str(label) for label in OVERDUE_RULES.values()] + [_("Overdue cases")]


def _overdue_cells(count: Callable[[str], int], link: Link, **params) -> list[Cell]:
    cells = [_cell(count(rule), link, overdue_rule=rule, **params) for rule in OVERDUE_RULES]
    return cells + [_cell(count(ANY_RULE), link, overdue=1, **params)]


def table_overdue_by_region(snap: Snapshot, labels: Labels, link: Link = None, suppressed: bool = False) -> Table:
    table = Table("overdue_by_region", _("Overdue deadlines by region"), _("Region"), _overdue_columns())
    for region in labels.regions.values():
        table.rows.append(
            Row(
                str(region),
                _overdue_cells(lambda rule, pk=region.pk: snap.overdue_count(rule, "region", pk), link, region=region.pk),
            )
        )
    table.rows.append(Row(_("Total"), _overdue_cells(snap.overdue_count, link), is_total=True))
    return suppress_counts(table) if suppressed else table


def table_overdue_by_cm(snap: Snapshot, labels: Labels, link: Link = None) -> Table:
    table = Table("overdue_by_cm", _("Overdue deadlines by case manager"), _("Case manager"), _overdue_columns())
    people = sorted(
        (key for key in snap.by_cm if key and snap.overdue_count(ANY_RULE, "cm", key)), key=lambda pk: labels.people.get(pk, "")
    )
    for pk in people:
        table.rows.append(
            Row(
                labels.people.get(pk, ""),
                _overdue_cells(lambda rule, pk=pk: snap.overdue_count(rule, "cm", pk), link, case_manager=pk),
            )
        )
    return table


def table_overdue_by_institution(snap: Snapshot, labels: Labels, link: Link = None) -> Table:
    table = Table(
        "overdue_by_institution",
        _("Open and overdue cases by institution involved"),
        _("Institution"),
        [_("Open cases")] + _overdue_columns(),
        note=_("A case counts for every institution involved in it."),
    )
    for pk, institution in labels.institutions.items():
        if not snap.by_institution[pk]:
            continue
        cells = [_cell(snap.by_institution[pk], link, institution=pk, open_only=1)]
        cells += _overdue_cells(lambda rule, pk=pk: snap.overdue_count(rule, "institution", pk), link, institution=pk)
        table.rows.append(Row(institution.short, cells))
    return table


# The age bands of open disputes, in days since they were recorded: (key, from, to, label).
DISPUTE_AGES = (
    ("young", 0, 30, gettext_lazy("< 30 days")),
    ("middle", 30, 90, gettext_lazy("30–90 days")),
    ("old", 90, None, gettext_lazy("> 90 days")),
)


def open_disputes_by_region(cases: QuerySet, today: datetime.date) -> Counter:
    """The open disputes of ``cases`` today, counted by (region id, age band) in one query."""
    counts = {}
    for key, first, last, _label in DISPUTE_AGES:
        q = Q(opened_at__lt=midnight(today - datetime.timedelta(days=first - 1)))
        if last is not None:
            q &= Q(opened_at__gte=midnight(today - datetime.timedelta(days=last - 1)))
        counts[key] = Count("pk", filter=q)
    found: Counter = Counter()
    rows = (
        Dispute.objects.filter(case__in=cases.order_by().values("pk"), state__in=OPEN_DISPUTE_STATES)
        .values("case__region_id")
        .annotate(**counts)
        .order_by()
    )
    for row in rows:
        for key, *_rest in DISPUTE_AGES:
            found[(row["case__region_id"], key)] += row[key]
    return found


def table_open_disputes(counts: Counter, labels: Labels) -> Table:
    """Open disputes between institutions by region and by age (days since recorded)."""
    columns = [str(label) for *_rest, label in DISPUTE_AGES] + [_("All")]
    table = Table("open_disputes", _("Open disputes by region and age"), _("Region"), columns)
    keys = [key for key, *_rest in DISPUTE_AGES]

    def cells(region_ids) -> list[Cell]:
        values = [sum(counts[(pk, key)] for pk in region_ids) for key in keys]
        return [Cell(value) for value in values + [sum(values)]]

    for region in labels.regions.values():
        table.rows.append(Row(str(region), cells([region.pk])))
    table.rows.append(Row(_("Total"), cells(list(labels.regions)), is_total=True))
    return table


def table_caseload(snap: Snapshot, labels: Labels, link: Link = None) -> Table:
    table = Table(
        "caseload", _("Caseload per case manager"), _("Case manager"), [_("Open cases"), _("Overdue cases")], chart="bars"
    )
    people = sorted((key for key in snap.by_cm if key), key=lambda pk: labels.people.get(pk, ""))
    for pk in people:
        table.rows.append(
            Row(
                labels.people.get(pk, ""),
                [
                    _cell(snap.by_cm[pk], link, case_manager=pk, open_only=1),
                    _cell(snap.overdue_count(ANY_RULE, "cm", pk), link, case_manager=pk, overdue=1),
                ],
            )
        )
    if snap.by_cm[None]:
        table.rows.append(Row(_("No case manager yet"), [Cell(snap.by_cm[None]), Cell(snap.overdue_count(ANY_RULE, "cm", None))]))
    return table


def table_new_by(counts: Counter, labels: Labels, unit: str, suppressed: bool = False) -> Table:
    """New cases of the period by region, theme or reporting institution (activity report)."""
    index = {"region": 0, "theme": 1, "institution": 2}[unit]
    titles = {
        "region": (_("New cases by region"), _("Region")),
        "theme": (_("New cases by theme"), _("Theme")),
        "institution": (_("New cases by reporting institution"), _("Institution")),
    }
    table = Table(f"new_by_{unit}", *titles[unit], [_("New cases")])
    keys = {"region": list(labels.regions), "theme": [None, *labels.themes], "institution": list(labels.institutions)}[unit]
    for key in keys:
        n = sum(count for unit_keys, count in counts.items() if unit_keys[index] == key)
        if unit == "institution" and not n and not labels.institutions[key].is_active:
            continue
        if unit == "region":
            label = str(labels.regions[key])
        elif unit == "theme":
            label = labels.theme(key)
        else:
            label = str(labels.institutions[key])
        table.rows.append(Row(label, [Cell(n)]))
    table.rows.append(Row(_("Total"), [Cell(sum(counts.values()))], is_total=True))
    return suppress_counts(table) if suppressed else table


def activity_report(cases: QuerySet, year: int, *, suppressed: bool, labels: Labels | None = None) -> list[Table]:
    """The statistics of the annual activity report (Tätigkeitsbericht / rapport d'activité)
    for ``year``: a fixed number of queries."""
    return activity_report_tables(YearCounts.of(cases, year), labels or Labels.load(), suppressed=suppressed)


def activity_report_tables(counts: YearCounts, labels: Labels, *, suppressed: bool) -> list[Table]:
    """The tables of the activity report from the year's numbers."""
    period, flow, by_unit = Period.year(counts.year), counts.flow, counts.by_unit
    return [
        table_new_per_month(flow.months, period, suppressed=suppressed),
        table_new_by(by_unit, labels, "region", suppressed=suppressed),
        table_new_by(by_unit, labels, "theme", suppressed=suppressed),
        table_new_by(by_unit, labels, "institution", suppressed=suppressed),
        table_steps_reached(flow.steps, period, suppressed=suppressed),
        table_closed_by_outcome(flow.outcomes, period, suppressed=suppressed),
        table_durations(flow.durations, period, suppressed=suppressed),
    ]
