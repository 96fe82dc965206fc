"""The secretariat's paper work in the browser: the print queue, a plan printed for
signature, its signed scan filed, the closure letter marked as sent."""

import pypdf
import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import login

pytestmark = pytest.mark.e2e


@pytest.fixture
def cases(demo, settings, tmp_path):
    """A case in implementation (its validated plan waits for the signed scan) and a closed
    case (its letter waits to be sent), built with the real actions by the demo users."""
    settings.MEDIA_ROOT = tmp_path / "media"
    from cases import actions
    from cases.demo.walk import Cast, walk
    from roles.models import Institution, Region, User
    from tests.factories import PersonFactory

    users = {u.username: u for u in User.objects.all()}
    rav, social = Institution.objects.get(code="rav"), Institution.objects.get(code="social")
    cast = Cast(coordinator=users["coordinator-ow"], case_manager=users["casemanager-ow"], officer=users["officer"])

    def make(state, person):
        case = actions.report_case(
            by=users["frontline-rav-ow"],
            person=person,
            reporting_institution=rav,
            institutions=[rav, social],
            region=Region.objects.get(code="ow"),
            theme=None,
            reason="Langzeitarbeitslos.",
        )
        return walk(case, state, cast)

    working = make("implementation", PersonFactory.build(first_name="Jonas", last_name="Zumoberhaus", language="de"))
    closed = make("closed", PersonFactory.build(first_name="Hélène", last_name="Crettenand", language="fr"))
    return working, closed


def test_the_secretariat_prints_files_the_scan_and_sends_the_letter(page, demo, cases, tmp_path):
    from cases.models import ActionPlan, CaseFile, PrintMark

    working, closed = cases
    plan = ActionPlan.objects.get(case=working)
    login(page, demo, "secretariat")
    page.get_by_role("link", name="Druckliste").first.click()
    expect(page.get_by_role("heading", name="Druckliste", exact=True)).to_be_visible()
    plan_row = page.locator(f"tr[data-item='plan-{plan.pk}']")
    letter_row = page.locator(f"tr[data-item='closure_letter-{closed.pk}']")
    expect(plan_row).to_contain_text(working.reference)
    expect(letter_row).to_contain_text(closed.reference)

    # Each section's header box selects or clears all of its documents.
    select_plans = page.get_by_role("checkbox", name="Alle auswählen: Aktionspläne zur Unterschrift drucken")
    select_plans.check()
    expect(plan_row.locator("input[name='item']")).to_be_checked()
    expect(letter_row.locator("input[name='item']")).not_to_be_checked()
    plan_row.locator("input[name='item']").uncheck()
    expect(select_plans).not_to_be_checked()

    # The plan, printed for signature: a PDF in the person's language.
    with page.expect_download() as download:
        plan_row.get_by_role("link", name="PDF").click()
    pdf = tmp_path / "plan.pdf"
    download.value.save_as(pdf)
    assert download.value.suggested_filename == f"{working.reference}-aktionsplan-v1.pdf"
    assert "Zielvereinbarung" in pypdf.PdfReader(pdf).pages[0].extract_text()

    # The signed scan comes back: filed from the queue, which then no longer lists the plan.
    plan_row.get_by_role("link", name="Unterschriebenen Scan ablegen").click()
    page.fill("#id_signature_place", "Brig")
    page.locator("#id_file").set_input_files(
        {"name": "Aktionsplan unterschrieben.pdf", "mimeType": "application/pdf", "buffer": pdf.read_bytes()}
    )
    page.get_by_role("button", name="Hochladen").click()
    expect(page.locator(".alert-success")).to_contain_text("Unterschriebener Aktionsplan v1 abgelegt.")
    expect(page.get_by_role("heading", name="Druckliste", exact=True)).to_be_visible()
    expect(page.locator(f"tr[data-item='plan-{plan.pk}']")).to_have_count(0)
    scan = CaseFile.objects.get(case=working, category="signed_plan")
    assert scan.original_name == "Aktionsplan unterschrieben.pdf" and scan.plan_id == plan.pk
    plan.refresh_from_db()
    assert plan.signature_place == "Brig"

    # The closure letter is sent.
    letter_row.locator("input[name='item']").check()
    page.get_by_role("button", name="Als versandt markieren").click()
    expect(page.locator(".alert-success")).to_contain_text("1 Dokument als versandt markiert.")
    expect(page.locator(f"tr[data-item='closure_letter-{closed.pk}']")).to_have_count(0)
    assert PrintMark.objects.filter(case=closed, document="closure_letter", mark="sent").count() == 1
