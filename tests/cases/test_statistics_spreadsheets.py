"""Spreadsheets (cases/statistics/spreadsheets.py, served by cases/views/lists.py and
cases/views/dashboards.py): the case list as CSV / XLSX (scoped, filtered, in the access
log, safe against formula injection) and the activity report of a year (exact or with small
counts hidden)."""

import csv
import io

import openpyxl
import pytest
from django.urls import reverse

from cases.models import AccessKind, AccessLog, Case, Person
from cases.statistics.spreadsheets import safe_text

pytestmark = pytest.mark.django_db


def export(client, user, fmt, name="cases:list_export", **params):
    client.force_login(user)
    return client.get(reverse(name, kwargs={"fmt": fmt}), params)


def csv_rows(response) -> list[list[str]]:
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:]), delimiter=";"))


def xlsx_rows(response, sheet=None) -> list[list]:
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    ws = book[sheet] if sheet else book.worksheets[0]
    return [list(row) for row in ws.iter_rows(values_only=True)]


# --- Case lists -----------------------------------------------------------------------------


def test_the_filtered_list_as_csv_with_one_access_log_row_per_case(client, officer, network, on_today):
    response = export(client, officer, "csv", state="closed")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"] == 'attachment; filename="iiz-cases-2026-06-15.csv"'
    header, *rows = csv_rows(response)
    assert header[:3] == ["Referenz", "Name", "Vorname"]
    closed = {network[name].reference for name in ("CL1", "CL2", "CL3", "CL4")}
    assert {row[0] for row in rows} == closed
    cl1 = next(row for row in rows if row[0] == network["CL1"].reference)
    assert cl1[9:15] == [
        "2025-10-01",
        "2025-10-21",
        "2025-12-20",
        "2026-03-20",
        "2026-03-30",
        "Im ersten Arbeitsmarkt eingegliedert",
    ]
    logged = AccessLog.objects.filter(user=officer, kind=AccessKind.EXPORT)
    assert {entry.case.reference for entry in logged} == closed
    assert all("csv" in entry.detail and "state=closed" in entry.detail for entry in logged)


def test_the_list_as_xlsx(client, officer, network, on_today):
    response = export(client, officer, "xlsx", outcome="placed")
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    header, *rows = xlsx_rows(response)
    assert header[0] == "Referenz"
    assert sorted(row[0] for row in rows) == sorted([network["CL1"].reference, network["CL4"].reference])
    assert AccessLog.objects.filter(user=officer, kind=AccessKind.EXPORT).count() == 2


def test_a_coordinator_exports_only_the_cases_of_the_region(client, coordinator, network, on_today):
    _header, *rows = csv_rows(export(client, coordinator, "csv"))
    assert {row[0] for row in rows} == {c.reference for c in Case.objects.visible_to(coordinator)}
    assert {row[0] for row in rows} == {network[name].reference for name in ("R1", "IMP2", "CL1", "CL4", "NCM")}


def test_cells_that_would_run_as_formulas_are_quoted(client, officer, network, on_today):
    Person.objects.filter(pk=network["R1"].person_id).update(
        last_name='=HYPERLINK("http://evil.example","x")', first_name="+41 27"
    )
    _header, *rows = csv_rows(export(client, officer, "csv", state="reported"))
    assert rows[0][1:3] == ['\'=HYPERLINK("http://evil.example","x")', "'+41 27"]
    _header, *rows = xlsx_rows(export(client, officer, "xlsx", state="reported"))
    assert rows[0][1:3] == ['\'=HYPERLINK("http://evil.example","x")', "'+41 27"]


@pytest.mark.parametrize(
    "value, expected",
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("Brig", "Brig"),
        (5, 5),
        (None, None),
    ],
)
def test_safe_text(value, expected):
    assert safe_text(value) == expected


def test_roles_without_case_access_cannot_export_lists(client, steering, legal, network):
    assert export(client, steering, "csv").status_code == 403
    assert export(client, legal, "xlsx").status_code == 403
    assert not AccessLog.objects.filter(kind=AccessKind.EXPORT).exists()


def test_invalid_filters_are_refused_rather_than_exporting_everything(client, officer, network):
    response = export(client, officer, "csv", state="nonsense")
    assert response.status_code == 400
    assert not AccessLog.objects.filter(kind=AccessKind.EXPORT).exists()


def test_the_case_list_links_to_its_exports_with_the_filters(client, officer, network):
    client.force_login(officer)
    content = client.get(reverse("cases:list"), {"state": "closed"}).content.decode()
    assert f'href="{reverse("cases:list_export", kwargs={"fmt": "csv"})}?state=closed"' in content


# --- Activity report ------------------------------------------------------------------------


def test_the_officer_exports_the_exact_activity_report_as_xlsx(client, officer, network, on_today):
    response = export(client, officer, "xlsx", name="cases:activity_report", year=2026)
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="iiz-activity-report-2026.xlsx"'
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert book.sheetnames[0] == "IIZ-Tätigkeitsbericht 2026"
    months = [list(r) for r in book["Neue Fälle pro Monat"].iter_rows(values_only=True)]
    assert months[0] == ["Neue Fälle pro Monat", None]
    assert months[1] == ["Monat", "Neue Fälle"]
    assert [row[1] for row in months[2:14]] == [3, 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0]
    assert months[14] == ["Total", 7]
    closed = book.worksheets[6]
    assert closed.title == "Abgeschlossene Fälle nach Ergeb"  # at most 31 characters
    assert closed["A1"].value == "Abgeschlossene Fälle nach Ergebnis"
    outcomes = {row[0]: row[1] for row in closed.iter_rows(values_only=True)}
    assert outcomes["Im ersten Arbeitsmarkt eingegliedert"] == 2 and outcomes["Eingliederungsquote"] == "50 %"
    regions = {row[0]: row[1] for row in book["Neue Fälle nach Region"].iter_rows(values_only=True)}
    assert regions["Mittelwallis"] == 1


def test_the_steering_boards_get_the_activity_report_with_small_counts_hidden(client, steering, network, on_today):
    response = export(client, steering, "csv", name="cases:activity_report", year=2026)
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="iiz-activity-report-2026-steering.csv"'
    rows = csv_rows(response)
    regions = rows[rows.index(["Neue Fälle nach Region"]) + 2 :][:4]
    assert regions == [["Mittelwallis", "< 5"], ["Oberwallis", "5"], ["Unterwallis", "< 5"], ["Total", "7"]]
    flat = [cell for row in rows for cell in row]
    assert not any(cell in {"1", "2", "3", "4"} for cell in flat)


def test_the_officer_can_download_the_steering_version(client, officer, network, on_today):
    response = export(client, officer, "csv", name="cases:activity_report", year=2026, suppressed=1)
    assert "< 5" in response.content.decode()


def test_a_bad_year_is_a_clear_error(client, officer):
    response = export(client, officer, "csv", name="cases:activity_report", year="twenty")
    assert response.status_code == 400
    assert "Zahl" in response.content.decode()
    assert export(client, officer, "csv", name="cases:activity_report", year=1999).status_code == 400


def test_coordinators_do_not_export_the_activity_report(client, coordinator):
    assert export(client, coordinator, "xlsx", name="cases:activity_report").status_code == 403
