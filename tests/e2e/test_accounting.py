"""The secretariat's accounting in the browser: a cost recorded, a draft invoice made from it,
found in My tasks, sent (it can no longer be edited), on a laptop and on a 390 px phone."""

import datetime
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import login

pytestmark = pytest.mark.e2e


def test_from_a_cost_to_a_sent_invoice(page, demo):
    from cases.accounting import actions
    from roles.models import Institution, User

    officer = User.objects.get(username="officer")
    ai = Institution.objects.get(code="ai")
    actions.set_cost_shares(
        by=officer, valid_from=datetime.date(2026, 1, 1), shares={ai: Decimal("40"), Institution.objects.get(code="rav"): 60}
    )

    login(page, demo, "secretariat")
    page.locator(".user-menu").click()  # the accounting is in the user menu
    page.get_by_role("link", name="Buchhaltung").click()
    page.locator(".accounting-nav").get_by_role("link", name="Kosten", exact=True).click()
    form = page.locator("form.record-cost")
    form.locator("select[name='kind']").select_option("measure")
    form.locator("#id_incurred_on").fill("2026-03-12")
    form.locator("#id_description").fill("Job-Coaching Frau Imboden")
    form.locator("#id_amount").fill("1234.56")
    form.locator("button[type=submit]").click()
    expect(page.locator(".alert-success")).to_contain_text("Die Kosten wurden erfasst.")
    expect(page.locator("table.cost-list")).to_contain_text("1'234.56")

    page.locator(".accounting-nav").get_by_role("link", name="Rechnungen").click()
    make = page.locator("form.make-invoice")
    make.locator("select[name='new-institution']").select_option(str(ai.pk))
    make.locator("#id_new-period_start").fill("2026-03-01")
    make.locator("#id_new-period_end").fill("2026-03-31")
    make.locator("button[type=submit]").click()
    expect(page.locator(".alert-success")).to_contain_text("als Entwurf erstellt")
    expect(page.locator(".invoice-total")).to_have_text("493.80")  # 40 % of 1234.56 = 493.824
    number = page.locator("h1").inner_text().split()[-1]

    page.goto(f"{demo.url}/cases/tasks/")
    task = page.locator("#tasks-invoices_to_send").get_by_role("link", name=f"Rechnung {number} an IV: prüfen und versenden")
    task.click()

    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    expect(page.get_by_role("button", name="Entfernen")).to_be_visible()
    page.get_by_role("button", name="Rechnung versenden").click()
    expect(page.locator(".alert-success")).to_contain_text("kann nicht mehr geändert werden")
    expect(page.locator(".invoice-state")).to_have_text("Versandt")
    expect(page.get_by_role("button", name="Entfernen")).to_have_count(0)
    expect(page.get_by_role("button", name="Als bezahlt markieren")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    with page.expect_download() as download:
        page.get_by_role("link", name="PDF mit QR-Rechnung").click()
    assert download.value.suggested_filename.endswith(f"{number}.pdf")

    page.set_viewport_size({"width": 1280, "height": 900})
    page.locator(".accounting-nav").get_by_role("link", name="Offene Posten").click()
    expect(page.locator("table.open-items")).to_contain_text(number)

    page.set_viewport_size({"width": 390, "height": 844})
    for path in ("invoices/", "costs/", "shares/", "open-items/"):
        page.goto(f"{demo.url}/cases/accounting/{path}")
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), path
    page.goto(f"{demo.url}/cases/conferences/")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
