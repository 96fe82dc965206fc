"""One case from intake to closure in the browser, each step done by the demo user of the
right role (CII101): front-line worker, coordinator, case manager, officer."""

import datetime

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import choose, login, logout, take_step

pytestmark = pytest.mark.e2e


def state_badge(page):
    return page.locator(".case-head .state-badge")


def test_a_case_from_intake_to_closure(page, demo):
    today = datetime.date.today().isoformat()
    page.on("dialog", lambda dialog: dialog.accept())  # confirmations (interrupt, close)
    from roles.models import Institution, User

    rav, social = Institution.objects.get(code="rav"), Institution.objects.get(code="social")
    cm = User.objects.get(username="casemanager-ow")

    # 1. The front-line worker of the RAV reports the case.
    login(page, demo, "frontline-rav-ow")
    page.get_by_role("link", name="Fall melden").first.click()
    page.fill("#id_person-first_name", "Jonas")
    page.fill("#id_person-last_name", "Zumoberhaus")
    page.fill("#id_person-birth_date", "1979-02-14")
    page.fill("#id_person-ahv_number", "756.9217.0769.85")
    choose(page, "person-sex", "m")
    choose(page, "person-language", "de")
    page.fill("#id_person-street", "Kehrstrasse 12")
    page.fill("#id_person-postcode", "3904")
    page.fill("#id_person-city", "Naters")
    page.check(f"input[name='report-institutions'][value='{social.pk}']")
    page.locator("#id_report-region").select_option(label="Oberwallis")
    page.fill("#id_report-reason", "Seit zwei Jahren arbeitslos, Rückenleiden, Sozialhilfe seit 2025.")
    page.locator("form.intake-form button[type=submit]").click()
    expect(state_badge(page)).to_have_text("Gemeldet")
    case_url = page.url
    reference = page.locator(".case-head h1").inner_text().split(" ")[0]
    assert reference.startswith("IIZ-")
    logout(page)

    # 2. The coordinator asks for an assessment, records it and designates the case manager.
    login(page, demo, "coordinator-ow")
    page.goto(case_url)
    take_step(page, "plan_assessment")
    expect(state_badge(page)).to_have_text("Assessment")
    page.locator("a[href*='/meetings/']").first.click()
    page.fill("#id_held_on", today)
    page.fill("#id_place", "Brig")
    page.fill("#id_work_capacity", "50")
    page.fill("#id_result", "Arbeitsfähig zu 50 % in leichter Tätigkeit.")
    page.fill("#id_action_options", "Arbeitstraining, Bewerbungscoaching.")
    page.fill("#id_resources-languages", "Deutsch (Muttersprache), Italienisch A2")
    choose(page, "decision", "case_management")
    choose(page, "designated_cm", cm.pk)
    page.locator("main form button[type=submit]:not([name])").last.click()
    expect(page.locator(".alert-success")).to_be_visible()
    take_step(page, "designate_case_manager")
    expect(state_badge(page)).to_have_text("Case Manager bezeichnet")
    logout(page)

    # 3. The case manager meets the person and writes the signed plan.
    login(page, demo, "casemanager-ow")
    page.goto(case_url)
    page.locator("a[href$='/first-meeting/']").click()
    page.fill("#id_first_meeting_on", today)
    page.locator("main form button[type=submit]").last.click()
    expect(state_badge(page)).to_have_text("Aktionsplan in Erarbeitung")
    page.locator("a[href$='/plan/']").first.click()
    page.fill("#id_resources-education", "Lehre als Koch")
    page.locator("#id_resources-driving_licence").select_option("true")
    page.fill("#id_goals-0-text", "Stelle im ersten Arbeitsmarkt zu 80 %")
    page.fill("#id_measures-0-title", "Bewerbungscoaching")
    page.locator("#id_measures-0-responsible_institution").select_option(str(rav.pk))
    page.fill("#id_measures-0-starts_on", today)
    page.fill("#id_signature_place", "Brig")
    page.fill("#id_signed_by_person_on", today)
    page.fill("#id_signed_by_cm_on", today)
    page.locator("main form button[type=submit]:not([name])").last.click()
    expect(page.locator(".alert-success")).to_be_visible()
    expect(page.locator("#resources")).to_contain_text("Italienisch A2")  # recorded at the assessment
    expect(page.locator("#resources")).to_contain_text("Lehre als Koch")  # added with the plan
    take_step(page, "submit_plan")
    expect(state_badge(page)).to_have_text("Aktionsplan zur Validierung eingereicht")
    logout(page)

    # 4. The coordinator validates the plan.
    login(page, demo, "coordinator-ow")
    page.goto(case_url)
    take_step(page, "validate_plan", text="Einverstanden.")
    expect(state_badge(page)).to_have_text("Umsetzung")
    logout(page)

    # 5. The case manager reviews with the person, finishes the plan, writes the exit report.
    login(page, demo, "casemanager-ow")
    page.goto(case_url)
    page.locator("a[href$='/reviews/new/']").click()
    choose(page, "kind", "with_person")
    page.fill("#id_held_on", today)
    page.fill("#id_summary", "Stelle gefunden, Coaching abgeschlossen.")
    choose(page, "poa_check", "renewed")  # no power of attorney yet: the person signs one now
    expect(page.locator("#id_poa_signed_on")).to_be_visible()
    page.fill("#id_poa_signed_on", today)  # the case's institutions are preselected
    choose(page, "progress-0-status", "done")
    choose(page, "decision", "finish_plan")
    page.locator("main form button[type=submit]:not([name])").last.click()
    expect(state_badge(page)).to_have_text("Austrittsbilanz")
    page.locator("a[href$='/exit-report/']").first.click()
    choose(page, "outcome", "placed")
    page.fill("#id_employer", "Hotel Alpenblick, Zermatt")
    page.fill("#id_job_title", "Koch")
    page.fill("#id_job_start_on", today)
    page.fill("#id_workload_percent", "80")
    page.fill("#id_summary", "Erfolgreiche Eingliederung nach sechs Monaten.")
    from cases.models import PowerOfAttorney

    renewed = PowerOfAttorney.objects.get(case__reference=reference)  # recorded with the review
    choose(page, "power_of_attorney", renewed.pk)
    page.locator("main form button[type=submit]:not([name])").last.click()
    take_step(page, "submit_exit_report")
    expect(state_badge(page)).to_have_text("Wartet auf Abschluss")
    logout(page)

    # 6. The cantonal officer closes the dossier (her interface is in French).
    login(page, demo, "officer")
    page.goto(case_url)
    page.locator("a[href$='/close/']").click()
    page.locator("main form button[type=submit]").last.click()
    expect(state_badge(page)).to_have_text("Clos")
    expect(page.locator("#step")).to_contain_text("Ce cas est clos")

    from cases.models import Case

    case = Case.objects.get(reference=reference)
    assert case.state == "closed"
    assert list(case.journal.filter(kind="transition").order_by("at", "pk").values_list("author__username", flat=True)) == [
        "frontline-rav-ow",
        "coordinator-ow",
        "coordinator-ow",
        "casemanager-ow",
        "casemanager-ow",
        "coordinator-ow",
        "casemanager-ow",
        "casemanager-ow",
        "officer",
    ]
