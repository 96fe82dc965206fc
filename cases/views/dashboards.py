"""Dashboards, the steering view and the exports of statistics (cases/statistics/stats.py computes).

- ``dashboard``: the figures of the cases the user sees (``visible_to``): the whole canton
  for the officer and the secretariat, the region or theme for a coordinator, and the own
  caseload first for a case manager. Every number links to the case list filtered to
  exactly the counted cases (the list applies the same scope).
  The officer and the coordinators also see the open disputes by region and age.
- ``statistics``: the steering view (COPIL / CDC): aggregates of every case for one year,
  no names, no links, small counts hidden (``stats.suppress_counts``).
- ``activity_report``: the year's statistics for the activity report, as XLSX or CSV.

Charts: cases/statistics/charts.py; spreadsheets: cases/statistics/spreadsheets.py.
"""

from __future__ import annotations

import datetime
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseRedirect
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from cases import cached
from cases.filters import DashboardFilterForm, YearForm
from cases.flow import policy
from cases.models import Case
from cases.statistics import stats
from cases.statistics.charts import Figure, figures
from cases.statistics.spreadsheets import Sheet, spreadsheet_response
from cases.views import denied

# --- Links to the case list -----------------------------------------------------------------


def case_list_link(base: dict):
    """A function that gives the case list's URL for the dashboard's filters plus ``params``."""

    url = reverse("cases:list")  # once: a page has hundreds of links

    def link(**params) -> str:
        merged = {**base, **params}
        query = {key: value.isoformat() if isinstance(value, datetime.date) else value for key, value in sorted(merged.items())}
        return f"{url}?{urlencode(query)}"

    return link


# --- Pages ----------------------------------------------------------------------------------


@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    """The figures of the cases the user sees, filtered by period, region, theme, institution.

    The counts (language-neutral) are kept in the figures' cache, keyed by the scope with
    the filters (``cached.scope_key``), the period and the day; the figures' HTML too, keyed
    in addition by the user and the language."""
    user = request.user
    if not policy.permits(user, "view_dashboard"):
        if policy.permits(user, "view_statistics"):
            return HttpResponseRedirect(reverse("cases:statistics"))
        return denied(request, "view_dashboard")
    today = timezone.localdate()
    labels = cached.remember("labels", (), stats.Labels.load)
    form = DashboardFilterForm(request.GET or None, today=today, labels=labels)
    period = form.period
    cases = form.filter(Case.objects.visible_to(user))
    shows_disputes = policy.permits(user, "list_disputes")
    scope = (cached.scope_key(cases), today, period.first, period.last, shows_disputes)

    def render_figures() -> str:
        counts = cached.remember(
            "dashboard", scope, lambda: stats.DashboardCounts.of(cases, period, today, disputes=shows_disputes)
        )
        link = case_list_link(form.link_params())
        mine = user.pk if counts.snapshot.by_cm[user.pk] else None
        return render_to_string(
            "dashboards/_dashboard_figures.html",
            dashboard_figures(counts, labels, period, link, mine=mine, disputes=shows_disputes),
        )

    # The HTML per user (their own caseload comes first): a coordinator's or a case manager's
    # scope is theirs alone anyway; the counts under it are shared by the scope.
    figures_html = cached.remember("dashboard-html", (*scope, user.pk, translation.get_language()), render_figures)
    context = {
        "form": form,
        "period": period,
        "sees_everything": policy.permits(user, "see_all_figures"),
        "can_view_statistics": policy.permits(user, "view_statistics"),
        "figures_html": mark_safe(figures_html),  # rendered by our template, kept on the server
    }
    return render(request, "dashboards/dashboard.html", context)


def dashboard_figures(
    counts: stats.DashboardCounts, labels: stats.Labels, period: stats.Period, link, *, mine: int | None, disputes: bool
) -> dict:
    """The tables and charts of a dashboard, from its counts: the context of its figures."""
    snap, flow = counts.snapshot, counts.flow
    labels = labels.with_people(cached.remember("case-managers", (), stats.case_manager_names))
    monthly = stats.table_new_per_month(flow.months, period, link)
    closed = stats.table_closed_by_outcome(flow.outcomes, period, link)
    durations = stats.table_durations(flow.durations, period, link)
    open_by_state = stats.table_open_by_state(snap, link)
    overdue_by_rule = stats.table_overdue_by_rule(snap, link)
    return {
        "key_figures": [
            ("open", _("Open cases"), open_by_state.totals[0].cells[0]),
            ("overdue", _("Overdue cases"), overdue_by_rule.rows[-1].cells[0]),
            ("new", _("New cases in the period"), monthly.totals[0].cells[0]),
            ("closed", _("Closed in the period"), closed.rows[-2].cells[0]),
            ("placement_rate", _("Placement rate"), closed.rows[-1].cells[0]),
        ],
        "mine": (
            figures(
                stats.table_open_by_state(snap, link, case_manager=mine),
                stats.table_overdue_by_rule(snap, link, case_manager=mine),
            )
            if mine
            else []
        ),
        "open": figures(open_by_state) + [Figure(stats.table_open_by_region_theme(snap, labels, link), None)],
        "flow": figures(monthly, closed, durations),
        "overdue": figures(
            overdue_by_rule,
            stats.table_overdue_by_region(snap, labels, link),
            stats.table_overdue_by_cm(snap, labels, link),
            stats.table_overdue_by_institution(snap, labels, link),
        ),
        "caseload": figures(stats.table_caseload(snap, labels, link)),
        # The open disputes between institutions, for who follows them.
        "disputes": [Figure(stats.table_open_disputes(counts.disputes, labels), None)] if disputes else [],
    }


@require_GET
def statistics(request: HttpRequest) -> HttpResponse:
    """The steering view (COPIL / CDC): aggregates of every case, one year, small counts hidden."""
    if refusal := denied(request, "view_statistics"):
        return refusal
    today = timezone.localdate()
    form = YearForm(request.GET or None, today=today)
    year = form.chosen_year
    labels = cached.remember("labels", (), stats.Labels.load)
    snap, year_counts = cached.remember(
        "steering",
        (today, year),
        lambda: (stats.Snapshot(Case.objects.all(), today), stats.YearCounts.of(Case.objects.all(), year)),
    )
    snapshot_tables = [
        stats.table_open_by_state(snap, suppressed=True),
        stats.table_open_by_region(snap, labels, suppressed=True),
        stats.table_open_by_theme(snap, labels, suppressed=True),
        stats.table_overdue_by_rule(snap, suppressed=True),
        stats.table_overdue_by_region(snap, labels, suppressed=True),
    ]
    context = {
        "form": form,
        "year": str(year),  # not a number to format: no thousands separator
        "today": today,
        "snapshot": figures(*snapshot_tables),
        "year_figures": figures(*stats.activity_report_tables(year_counts, labels, suppressed=True)),
        "full_export": policy.permits(request.user, "see_all_figures"),
        "small": stats.SMALL,
    }
    return render(request, "dashboards/statistics.html", context)


# --- Exports --------------------------------------------------------------------------------


def _export_value(cell: stats.Cell):
    """Numbers as numbers; hidden counts and missing values as their text."""
    if cell.hidden or cell.value is None:
        return cell.text if cell.hidden else ""
    if cell.text.endswith("%"):
        return cell.text
    return cell.value


def table_sheet(table: stats.Table) -> Sheet:
    rows = [[row.label] + [_export_value(cell) for cell in row.cells] for row in table.rows]
    if table.note:
        rows.append([table.note])
    return Sheet(table.title, [table.row_header] + table.columns, rows, heading=table.title)


@require_GET
def activity_report(request: HttpRequest, fmt: str) -> HttpResponse:
    """The year's statistics for the activity report (``?year=``). The officer and the
    secretariat get the exact figures (``&suppressed=1``: the version for the steering
    boards); the steering boards always get small counts hidden."""
    user = request.user
    if refusal := denied(request, "view_statistics"):
        return refusal
    today = timezone.localdate()
    form = YearForm(request.GET or None, today=today)
    if form.is_bound and not form.is_valid():
        return HttpResponseBadRequest(" ".join(str(error) for errors in form.errors.values() for error in errors))
    full = policy.permits(user, "see_all_figures") and request.GET.get("suppressed") != "1"
    tables = stats.activity_report(Case.objects.all(), form.chosen_year, suppressed=not full)
    title = _("IIZ activity report %(year)s") % {"year": form.chosen_year}
    note = _("Small counts (1 to 4) are shown as “< 5”; “×” hides a further count so that they cannot be recomputed.")
    cover = Sheet(
        title,
        [title],
        [
            [_("Year: %(year)s") % {"year": form.chosen_year}],
            [_("Created on %(date)s") % {"date": date_format(today, "SHORT_DATE_FORMAT")}],
            [_("Exact figures") if full else note],
        ],
    )
    filename = f"iiz-activity-report-{form.chosen_year}" + ("" if full else "-steering")
    return spreadsheet_response(fmt, filename, [cover] + [table_sheet(table) for table in tables])
