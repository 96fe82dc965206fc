"""One case from intake to closure in the browser, each step done by the demo user of the
right role (CII101): front-line worker, coordinator, case manager, officer."""

import datetime
from pathlib import Path

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


# --- every branch of CII101, in German and in French -----------------------------------------

SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots" / "flow"


def shot(page, language: str, number: int, name: str) -> None:
    folder = SCREENSHOTS / language
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{number:02d}-{name}.png"), full_page=True)


def in_state(page, state: str):
    return expect(page.locator(f".case-head .state-badge.state-{state}"))


def save_form(page):
    page.locator("main form button[type=submit]:not([name])").last.click()


@pytest.mark.parametrize("language", ["de", "fr"])
def test_every_branch_of_cii101_by_the_demo_users_in_each_language(page, demo, language):
    """Round table, then assessment, then designation; the plan sent back once, then
    validated; a review with the power of attorney renewed; a network meeting that changes
    the plan, validated again; the end of the plan, the exit report and the closure. Each
    step by the demo user of its role, every user's interface in ``language``."""
    from cases.models import Case, PowerOfAttorney
    from roles.models import Institution, User

    User.objects.update(language=language)
    today = datetime.date.today().isoformat()
    page.on("dialog", lambda dialog: dialog.accept())
    rav, social = Institution.objects.get(code="rav"), Institution.objects.get(code="social")
    cm = User.objects.get(username="casemanager-ow")
    n = iter(range(1, 100))

    def case():
        return Case.objects.get(pk=case_pk)

    # The front-line worker reports the case.
    login(page, demo, "frontline-rav-ow")
    page.goto(f"{demo.url}/cases/new/")
    page.fill("#id_person-first_name", "Céline")
    page.fill("#id_person-last_name", "Zufferey")
    page.fill("#id_person-birth_date", "1984-07-03")
    page.fill("#id_person-ahv_number", "756.9217.0769.85")
    choose(page, "person-sex", "f")
    choose(page, "person-language", language)
    page.fill("#id_person-city", "Siders")
    page.check(f"input[name='report-institutions'][value='{social.pk}']")
    page.locator("#id_report-region").select_option(label="Oberwallis" if language == "de" else "Haut-Valais")
    page.fill("#id_report-reason", "Arbeitslos, Schulden, Sozialhilfe.")
    page.locator("form.intake-form button[type=submit]").click()
    in_state(page, "reported").to_be_visible()
    case_url = page.url
    case_pk = int(case_url.rstrip("/").split("/")[-1])
    shot(page, language, next(n), "reported")
    logout(page)

    # The coordinator holds a round table, which asks for an assessment; records the
    # assessment and designates the case manager.
    login(page, demo, "coordinator-ow")
    page.goto(case_url)
    take_step(page, "plan_round_table")
    in_state(page, "round_table").to_be_visible()
    page.locator("a[href*='/meetings/']").first.click()
    page.fill("#id_held_on", today)
    page.fill("#id_result", "Die Situation ist unklar: Assessment nötig.")
    choose(page, "decision", "assessment")
    save_form(page)
    take_step(page, "plan_assessment")
    in_state(page, "assessment").to_be_visible()
    page.locator("a[href*='/meetings/']").first.click()
    page.fill("#id_held_on", today)
    page.fill("#id_result", "Arbeitsfähig zu 60 %.")
    choose(page, "decision", "case_management")
    choose(page, "designated_cm", cm.pk)
    save_form(page)
    take_step(page, "designate_case_manager")
    in_state(page, "cm_designated").to_be_visible()
    shot(page, language, next(n), "cm_designated")
    logout(page)

    def write_plan(goal: str):
        page.locator("a[href$='/plan/']").first.click()
        page.fill("#id_goals-0-text", goal)
        if not page.locator("#id_measures-0-title").input_value():
            page.fill("#id_measures-0-title", "Bewerbungscoaching")
            page.locator("#id_measures-0-responsible_institution").select_option(str(rav.pk))
            page.fill("#id_measures-0-starts_on", today)
        page.fill("#id_signature_place", "Siders")
        page.fill("#id_signed_by_person_on", today)
        page.fill("#id_signed_by_cm_on", today)
        save_form(page)
        expect(page.locator(".alert-success")).to_be_visible()
        take_step(page, "submit_plan")
        in_state(page, "plan_validation").to_be_visible()

    # The case manager meets the person and submits the plan.
    login(page, demo, "casemanager-ow")
    page.goto(case_url)
    page.locator("a[href$='/first-meeting/']").click()
    page.fill("#id_first_meeting_on", today)
    save_form(page)
    write_plan("Stelle zu 60 %")
    shot(page, language, next(n), "plan_submitted")
    logout(page)

    # The coordinator sends it back once.
    login(page, demo, "coordinator-ow")
    page.goto(case_url)
    page.locator("a[href$='/plan/send-back/']").click()
    page.fill("#id_reasons", "Die Schulden fehlen im Plan.")
    page.fill("#id_options", "Eine Schuldenberatung aufnehmen.")
    save_form(page)
    in_state(page, "plan_preparation").to_be_visible()
    shot(page, language, next(n), "plan_sent_back")
    logout(page)

    # The case manager reworks and submits it again; the coordinator validates it.
    login(page, demo, "casemanager-ow")
    page.goto(case_url)
    write_plan("Stelle zu 60 % und Schuldensanierung")
    logout(page)
    login(page, demo, "coordinator-ow")
    page.goto(case_url)
    take_step(page, "validate_plan", text="Einverstanden.")
    in_state(page, "implementation").to_be_visible()
    shot(page, language, next(n), "plan_validated")
    logout(page)

    # The case manager reviews with the person, who signs a new power of attorney, and asks
    # for a network meeting.
    login(page, demo, "casemanager-ow")
    page.goto(case_url)
    page.locator("a[href$='/reviews/new/']").click()
    choose(page, "kind", "with_person")
    page.fill("#id_held_on", today)
    page.fill("#id_summary", "Coaching läuft, Schuldenberatung begonnen.")
    choose(page, "poa_check", "renewed")
    page.fill("#id_poa_signed_on", today)
    choose(page, "progress-0-status", "running")
    choose(page, "decision", "continue")
    save_form(page)
    in_state(page, "implementation").to_be_visible()
    assert PowerOfAttorney.objects.filter(case=case()).count() == 1
    shot(page, language, next(n), "review_poa_renewed")
    page.locator("a[href$='/network/']").first.click()
    choose(page, "kind", "network")
    page.fill("#id_reason", "Neue gesundheitliche Einschränkung.")
    save_form(page)
    in_state(page, "network").to_be_visible()
    logout(page)

    # The coordinator records the network meeting, which changes the plan.
    login(page, demo, "coordinator-ow")
    page.goto(case_url)
    page.locator("a[href*='/meetings/']").first.click()
    page.fill("#id_held_on", today)
    page.fill("#id_result", "Der Plan wird angepasst: Teilzeit.")
    choose(page, "decision", "change_plan")
    save_form(page)
    shot(page, language, next(n), "network_meeting")
    logout(page)

    # The case manager changes the plan; the coordinator validates version 2.
    login(page, demo, "casemanager-ow")
    page.goto(case_url)
    take_step(page, "change_plan", text="Teilzeit nach der Netzwerksitzung.")
    in_state(page, "plan_preparation").to_be_visible()
    write_plan("Stelle zu 40 %")
    logout(page)
    login(page, demo, "coordinator-ow")
    page.goto(case_url)
    take_step(page, "validate_plan", text="Einverstanden.")
    in_state(page, "implementation").to_be_visible()
    assert case().plans.count() >= 2
    shot(page, language, next(n), "plan_changed_validated")
    logout(page)

    # The case manager ends the plan and writes the exit report; the officer closes the case.
    login(page, demo, "casemanager-ow")
    page.goto(case_url)
    page.locator("a[href$='/reviews/new/']").click()
    choose(page, "kind", "with_person")
    page.fill("#id_held_on", today)
    page.fill("#id_summary", "Stelle gefunden.")
    choose(page, "poa_check", "valid")
    choose(page, "progress-0-status", "done")
    choose(page, "decision", "finish_plan")
    save_form(page)
    in_state(page, "exit_report").to_be_visible()
    page.locator("a[href$='/exit-report/']").first.click()
    choose(page, "outcome", "placed")
    page.fill("#id_employer", "Hotel Arnold, Siders")
    page.fill("#id_job_title", "Rezeptionistin")
    page.fill("#id_job_start_on", today)
    page.fill("#id_workload_percent", "40")
    page.fill("#id_summary", "Eingliederung in Teilzeit.")
    choose(page, "power_of_attorney", PowerOfAttorney.objects.filter(case=case()).latest("signed_on").pk)
    save_form(page)
    take_step(page, "submit_exit_report")
    in_state(page, "awaiting_closure").to_be_visible()
    shot(page, language, next(n), "awaiting_closure")
    logout(page)

    login(page, demo, "officer")
    page.goto(case_url)
    page.locator("a[href$='/close/']").click()
    page.locator("main form button[type=submit]").last.click()
    in_state(page, "closed").to_be_visible()
    assert page.locator("html").get_attribute("lang") == language
    shot(page, language, next(n), "closed")

    states = list(case().journal.filter(kind="transition").order_by("at", "pk").values_list("author__username", flat=True))
    assert states[0] == "frontline-rav-ow" and states[-1] == "officer"
    assert case().state == "closed"
