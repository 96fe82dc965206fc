"""The accounting pages: who may open them, the steps of an invoice through its page, the
filters and pages of the list, the export, and a fixed number of queries at two data sizes."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases.accounting import actions
from cases.models import Invoice, InvoiceState
from tests.factories import institution
from tests.helpers import messages_of

pytestmark = pytest.mark.django_db

PAGES = ["cases:invoices", "cases:costs", "cases:cost_shares", "cases:open_items"]


@pytest.mark.parametrize("name", PAGES)
@pytest.mark.parametrize("role", ["coordinator", "contact_person", "frontline", "legal", "steering", "outsider"])
def test_other_roles_get_403(client, request, name, role):
    client.force_login(request.getfixturevalue(role))
    assert client.get(reverse(name)).status_code == 403


@pytest.mark.parametrize("name", PAGES)
def test_anonymous_users_go_to_the_login(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302 and reverse("login") in response["Location"]


@pytest.mark.parametrize("role", ["secretariat", "officer"])
def test_the_accounting_opens_for_the_secretariat_and_the_officer(client, request, role, invoice):
    client.force_login(request.getfixturevalue(role))
    for name in PAGES:
        assert client.get(reverse(name)).status_code == 200, name
    page = client.get(reverse("cases:invoice", args=[invoice.pk])).content.decode()
    assert invoice.number in page and "533.35" in page


def test_only_the_officer_sees_the_form_of_the_shares(client, secretariat, officer, shares):
    client.force_login(secretariat)
    page = client.get(reverse("cases:cost_shares")).content.decode()
    assert "cost-shares-form" not in page and "40 %" in page
    assert client.post(reverse("cases:cost_shares"), {"valid_from": "2027-01-01", "share_ai": "100"}).status_code == 403
    client.force_login(officer)
    response = client.post(reverse("cases:cost_shares"), {"valid_from": "2027-01-01", "share_ai": "60", "share_rav": "30"})
    assert response.status_code == 200 and "ergeben 90" in response.content.decode()
    response = client.post(reverse("cases:cost_shares"), {"valid_from": "2027-01-01", "share_ai": "70", "share_rav": "30"})
    assert response.status_code == 302


def test_the_secretariat_records_a_cost_of_a_case(client, secretariat, make_case):
    case = make_case("implementation")
    client.force_login(secretariat)
    data = {"kind": "measure", "incurred_on": "2026-03-04", "description": "Coaching", "amount": "450.00"}
    response = client.post(reverse("cases:costs"), {**data, "case_reference": "IIZ-0000-99999"})
    assert response.status_code == 200 and "Kein Fall hat diese Nummer" in response.content.decode()
    response = client.post(reverse("cases:costs"), {**data, "case_reference": case.reference})
    assert response.status_code == 302
    assert case.costs.get().amount == Decimal("450.00")


def test_an_invoice_goes_from_draft_to_paid_through_its_page(client, secretariat, shares, make_cost):
    make_cost("300")
    client.force_login(secretariat)
    form = {"new-institution": institution("ai").pk, "new-period_start": "2026-03-01", "new-period_end": "2026-03-31"}
    response = client.post(reverse("cases:invoices"), form)
    invoice = Invoice.objects.get()
    assert response["Location"] == reverse("cases:invoice", args=[invoice.pk])
    assert invoice.total == Decimal("75.00")
    response = client.post(reverse("cases:invoices"), form)
    assert "nichts zu verrechnen" in response.content.decode()
    assert client.get(reverse("cases:invoice_step", args=[invoice.pk, "send"])).status_code == 405
    client.post(reverse("cases:invoice_step", args=[invoice.pk, "send"]))
    invoice.refresh_from_db()
    assert invoice.state == InvoiceState.SENT
    response = client.post(reverse("cases:invoice_step", args=[invoice.pk, "remove_line"]), {"line": invoice.lines.get().pk})
    assert "nie mehr geändert" in " ".join(messages_of(client.get(response["Location"])))
    client.post(reverse("cases:invoice_step", args=[invoice.pk, "paid"]), {"paid_on": datetime.date.today().isoformat()})
    invoice.refresh_from_db()
    assert invoice.state == InvoiceState.PAID
    assert client.post(reverse("cases:invoice_step", args=[invoice.pk, "nonsense"])).status_code == 404


def test_a_sent_invoice_is_cancelled_with_a_credit_note_through_its_page(client, secretariat, invoice):
    actions.send_invoice(invoice, by=secretariat)
    client.force_login(secretariat)
    client.post(reverse("cases:invoice_step", args=[invoice.pk, "cancel"]), {"reason": ""})
    invoice.refresh_from_db()
    assert invoice.state == InvoiceState.SENT
    client.post(reverse("cases:invoice_step", args=[invoice.pk, "cancel"]), {"reason": "Doppelt verrechnet"})
    page = client.get(reverse("cases:invoice", args=[invoice.pk])).content.decode()
    assert "CN-" in page and "Doppelt verrechnet" in page


def test_the_steps_are_refused_to_other_roles(client, coordinator, invoice):
    client.force_login(coordinator)
    for step in ("send", "paid", "cancel", "remove_line"):
        assert client.post(reverse("cases:invoice_step", args=[invoice.pk, step])).status_code == 403
    assert client.get(reverse("cases:invoice_pdf", args=[invoice.pk])).status_code == 403
    assert Invoice.objects.get().state == InvoiceState.DRAFT


def test_the_invoice_pdf_downloads(client, secretariat, invoice):
    client.force_login(secretariat)
    response = client.get(reverse("cases:invoice_pdf", args=[invoice.pk]))
    assert response["Content-Type"] == "application/pdf" and response.content.startswith(b"%PDF")


def test_the_list_filters_by_state_and_institution(client, secretariat, invoice, make_cost):
    other = actions.make_invoice(
        by=secretariat,
        institution=institution("ai"),
        period_start=datetime.date(2026, 3, 1),
        period_end=datetime.date(2026, 3, 31),
    )
    actions.send_invoice(other, by=secretariat)
    client.force_login(secretariat)
    page = client.get(reverse("cases:invoices"), {"state": "sent"}).content.decode()
    assert other.number in page and f'data-invoice="{invoice.number}"' not in page
    page = client.get(reverse("cases:invoices"), {"institution": institution("rav").pk}).content.decode()
    assert f'data-invoice="{invoice.number}"' in page and f'data-invoice="{other.number}"' not in page


def test_the_open_items_list_the_sent_invoices_with_their_total(client, secretariat, invoice):
    actions.send_invoice(invoice, by=secretariat, issued_on=datetime.date(2020, 1, 1))
    client.force_login(secretariat)
    page = client.get(reverse("cases:open_items")).content.decode()
    assert invoice.number in page and 'text-bg-danger">überfällig<' in page and "533.35" in page


def test_the_export_for_the_cantons_accounting(client, secretariat, invoice):
    actions.send_invoice(invoice, by=secretariat)
    actions.cancel_invoice(invoice, by=secretariat, reason="=HYPERLINK(1)")
    client.force_login(secretariat)
    response = client.get(reverse("cases:accounting_export", kwargs={"fmt": "csv"}))
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][0] == "Nummer" and rows[1][0] == invoice.number and rows[1][-1] == "533.35"
    note = next(row for row in rows if row and row[0].startswith("CN-"))
    assert note[4] == "-533.35" and note[5] == "'=HYPERLINK(1)"  # a formula is neutralised
    assert any(row[:1] == [invoice.number] and "Job coaching" in row for row in rows)
    response = client.get(reverse("cases:accounting_export", kwargs={"fmt": "xlsx"}))
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["Rechnungen", "Gutschriften", "Positionen"]
    assert book["Rechnungen"]["A2"].value == invoice.number


def grow(secretariat, make_cost, n):
    for i in range(n):
        make_cost("100", description=f"Cost {i}", day=datetime.date(2026, 3, 1 + i % 28))
        invoice = actions.make_invoice(
            by=secretariat,
            institution=institution("rav"),
            period_start=datetime.date(2026, 3, 1),
            period_end=datetime.date(2026, 3, 31),
        )
        actions.send_invoice(invoice, by=secretariat)
    return invoice


@pytest.mark.parametrize("n", [1, 8])
def test_the_accounting_pages_run_a_fixed_number_of_queries(client, secretariat, shares, make_cost, n, django_assert_num_queries):
    invoice = grow(secretariat, make_cost, n)
    client.force_login(secretariat)
    # The session comes through the cache (cached_db): no query for it.
    # "My tasks (n)": counted on the first page, then from the figures' cache (cases/cached.py).
    expected = {"cases:invoices": 7, "cases:costs": 4, "cases:cost_shares": 3, "cases:open_items": 3}
    counted = {}
    for name in expected:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse(name)).status_code == 200
        counted[name] = len(queries)
    assert counted == expected
    with django_assert_num_queries(5):
        assert client.get(reverse("cases:invoice", args=[invoice.pk])).status_code == 200


def test_my_tasks_list_the_invoices_to_send_and_the_overdue_ones(client, secretariat, invoice, make_cost):
    client.force_login(secretariat)
    page = client.get(reverse("cases:my_tasks")).content.decode()
    assert f"Rechnung {invoice.number} an RAV: prüfen und versenden" in page
    actions.send_invoice(invoice, by=secretariat, issued_on=datetime.date(2020, 1, 1))
    page = client.get(reverse("cases:my_tasks")).content.decode()
    assert "prüfen und versenden" not in page
    assert f"Rechnung {invoice.number} an RAV, fällig am 31.01.2020, ist nicht bezahlt" in page
    actions.mark_invoice_paid(invoice, by=secretariat)
    assert "ist nicht bezahlt" not in client.get(reverse("cases:my_tasks")).content.decode()
