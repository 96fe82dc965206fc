"""One case from intake to closure with the keyboard alone (issue 19, point 2): Tab,
Shift+Tab, Enter, Space and the arrows, through page.keyboard only; every control is
reached by tabbing to it (never clicked, never filled by a locator)."""

import datetime

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

TODAY = datetime.date.today()


def focused_matches(page, selector: str) -> bool:
    try:
        return page.evaluate("s => !!document.activeElement && document.activeElement.matches(s)", selector)
    except PlaywrightError:  # the page is being replaced (Enter on a link or a button)
        page.wait_for_load_state()
        return False


def tab_to(page, selector: str, *, backwards: bool = False, limit: int = 400) -> None:
    """Press Tab (or Shift+Tab) until the focus is on ``selector``."""
    key = "Shift+Tab" if backwards else "Tab"
    for _ in range(limit):
        page.keyboard.press(key)
        if focused_matches(page, selector):
            return
    raise AssertionError(f"{key} never reached {selector} on {page.url}")


def type_into(page, selector: str, text: str) -> None:
    tab_to(page, selector)
    page.keyboard.type(text)


def type_date(page, selector: str, day: datetime.date) -> None:
    """A date field: its segments in the browser's order (en-US: month, day, year)."""
    tab_to(page, selector)
    page.keyboard.type(day.strftime("%m%d%Y"))


def pick(page, name: str, value) -> None:
    """Choose ``value`` in the select or the radio buttons ``name`` with the arrow keys."""
    value = str(value)
    select = f"select[name='{name}']"
    if page.locator(select).count():
        tab_to(page, select)
        values = page.eval_on_selector(select, "s => [...s.options].map(o => o.value)")
        steps = values.index(value) - page.eval_on_selector(select, "s => s.selectedIndex")
        for _ in range(abs(steps)):
            page.keyboard.press("ArrowDown" if steps > 0 else "ArrowUp")
        page.keyboard.press("Enter")
        expect(page.locator(select)).to_have_value(value)
        return
    radios = f"input[type=radio][name='{name}']"
    tab_to(page, radios)
    values = page.eval_on_selector_all(radios, "rs => rs.map(r => r.value)")
    current = values.index(page.evaluate("() => document.activeElement.value"))
    steps = values.index(value) - current
    for _ in range(abs(steps)):
        page.keyboard.press("ArrowDown" if steps > 0 else "ArrowUp")
    if not steps:
        page.keyboard.press("Space")
    expect(page.locator(f"{radios}[value='{value}']")).to_be_checked()


def check_box(page, selector: str) -> None:
    tab_to(page, selector)
    page.keyboard.press("Space")
    expect(page.locator(selector)).to_be_checked()


def press(page, selector: str, *, navigates: bool = True) -> None:
    """Tab to a link or a button and press Enter (and wait for the page it opens)."""
    tab_to(page, selector)
    if navigates:
        with page.expect_navigation():
            page.keyboard.press("Enter")
    else:
        page.keyboard.press("Enter")


def sign_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")  # the address typed into the browser
    type_into(page, "#id_username", username)
    type_into(page, "#id_password", "iiz-demo-2026")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/")


def sign_out(page) -> None:
    press(page, "button.user-menu", navigates=False)
    press(page, "form[action='/accounts/logout/'] button")
    page.wait_for_url("**/accounts/login/")


def open_case(page, reference: str, case_path: str) -> None:
    press(page, "a.nav-link[href='/cases/']")
    page.wait_for_url("**/cases/")
    press(page, f"a[href='{case_path}']")
    expect(page.locator(".case-head h1")).to_contain_text(reference)


def step(page, name: str, text: str | None = None) -> None:
    """The button of step ``name`` on the case page (opening its text box first, if any)."""
    if text is not None:
        if page.locator(f"[data-step='{name}'] details").count():  # a required text: opened first
            press(page, f"[data-step='{name}'] details summary", navigates=False)
        type_into(page, f"form[action$='/step/{name}/'] textarea[name='text']", text)
    press(page, f"form[action$='/step/{name}/'] button[type=submit]")


def save(page) -> None:
    press(page, "main form button[type=submit]:not([name])")


def badge(page):
    return page.locator(".case-head .state-badge")


def test_a_newcomer_takes_a_case_from_intake_to_closure_with_the_keyboard_alone(page, demo):
    from roles.models import Institution, Region, User

    page.on("dialog", lambda dialog: dialog.accept())  # the confirmations before irreversible steps
    mouse_events = []
    page.expose_function("noteMouse", lambda kind: mouse_events.append(kind))
    page.add_init_script(
        "for (const kind of ['mousedown', 'mouseup', 'click'])"
        " addEventListener(kind, e => { if (e.isTrusted && e.detail > 0) noteMouse(kind); }, true);"
    )
    social = Institution.objects.get(code="social")
    cm = User.objects.get(username="casemanager-ow")
    base = demo.url

    # 1. The front-line worker reports the case.
    sign_in(page, base, "frontline-rav-ow")
    press(page, "a[href='/cases/new/']")
    type_into(page, "#id_person-last_name", "Zumoberhaus")
    tab_to(page, "#id_person-first_name", backwards=True)  # back up one field
    page.keyboard.type("Jonas")
    tab_to(page, "#id_person-last_name")
    type_date(page, "#id_person-birth_date", datetime.date(1979, 2, 14))
    type_into(page, "#id_person-ahv_number", "756.9217.0769.85")
    pick(page, "person-sex", "m")
    pick(page, "person-language", "de")
    type_into(page, "#id_person-street", "Kehrstrasse 12")
    type_into(page, "#id_person-postcode", "3904")
    type_into(page, "#id_person-city", "Naters")
    check_box(page, f"input[name='report-institutions'][value='{social.pk}']")
    pick(page, "report-region", Region.objects.get(code="ow").pk)
    type_into(page, "#id_report-reason", "Seit zwei Jahren arbeitslos, Rückenleiden.")
    press(page, "form.intake-form button[type=submit]")
    expect(badge(page)).to_have_text("Gemeldet")
    case_path = page.url.removeprefix(base)
    reference = page.locator(".case-head h1").inner_text().split(" ")[0]
    sign_out(page)

    # 2. The coordinator plans the assessment, records it and designates the case manager.
    sign_in(page, base, "coordinator-ow")
    open_case(page, reference, case_path)
    step(page, "plan_assessment")
    expect(badge(page)).to_have_text("Assessment")
    press(page, "a[href*='/meetings/']")
    type_date(page, "#id_held_on", TODAY)
    type_into(page, "#id_place", "Brig")
    type_into(page, "#id_work_capacity", "50")
    type_into(page, "#id_result", "Arbeitsfähig zu 50 % in leichter Tätigkeit.")
    type_into(page, "#id_action_options", "Arbeitstraining, Bewerbungscoaching.")
    pick(page, "decision", "case_management")
    pick(page, "designated_cm", cm.pk)
    save(page)
    expect(page.locator(".alert-success")).to_be_visible()
    step(page, "designate_case_manager")
    expect(badge(page)).to_have_text("Case Manager bezeichnet")
    sign_out(page)

    # 3. The case manager meets the person and writes the signed plan, then submits it.
    sign_in(page, base, "casemanager-ow")
    open_case(page, reference, case_path)
    press(page, "a[href$='/first-meeting/']")
    type_date(page, "#id_first_meeting_on", TODAY)
    save(page)
    expect(badge(page)).to_have_text("Aktionsplan in Erarbeitung")
    press(page, "a[href$='/plan/']")
    type_into(page, "#id_goals-0-text", "Stelle im ersten Arbeitsmarkt zu 80 %")
    type_into(page, "#id_measures-0-title", "Bewerbungscoaching")
    pick(page, "measures-0-responsible_institution", Institution.objects.get(code="rav").pk)
    type_date(page, "#id_measures-0-starts_on", TODAY)
    type_into(page, "#id_signature_place", "Brig")
    type_date(page, "#id_signed_by_person_on", TODAY)
    type_date(page, "#id_signed_by_cm_on", TODAY)
    save(page)
    expect(page.locator(".alert-success")).to_be_visible()
    step(page, "submit_plan")
    expect(badge(page)).to_have_text("Aktionsplan zur Validierung eingereicht")
    sign_out(page)

    # 4. The coordinator validates the plan.
    sign_in(page, base, "coordinator-ow")
    open_case(page, reference, case_path)
    step(page, "validate_plan", text="Einverstanden.")
    expect(badge(page)).to_have_text("Umsetzung")
    sign_out(page)

    # 5. The case manager reviews with the person (the power of attorney signed now), ends the
    #    plan and writes the exit report.
    sign_in(page, base, "casemanager-ow")
    open_case(page, reference, case_path)
    press(page, "a[href$='/reviews/new/']")
    pick(page, "kind", "with_person")
    type_date(page, "#id_held_on", TODAY)
    type_into(page, "#id_summary", "Stelle gefunden, Coaching abgeschlossen.")
    pick(page, "poa_check", "renewed")
    type_date(page, "#id_poa_signed_on", TODAY)
    pick(page, "progress-0-status", "done")
    pick(page, "decision", "finish_plan")
    save(page)
    expect(badge(page)).to_have_text("Austrittsbilanz")
    press(page, "a[href$='/exit-report/']")
    pick(page, "outcome", "placed")
    type_into(page, "#id_employer", "Hotel Alpenblick, Zermatt")
    type_into(page, "#id_job_title", "Koch")
    type_date(page, "#id_job_start_on", TODAY)
    type_into(page, "#id_workload_percent", "80")
    type_into(page, "#id_summary", "Erfolgreiche Eingliederung.")
    from cases.models import PowerOfAttorney

    pick(page, "power_of_attorney", PowerOfAttorney.objects.get(case__reference=reference).pk)
    save(page)
    step(page, "submit_exit_report")
    expect(badge(page)).to_have_text("Wartet auf Abschluss")
    sign_out(page)

    # 6. The cantonal officer closes the case (her interface is in French).
    sign_in(page, base, "officer")
    open_case(page, reference, case_path)
    press(page, "a[href$='/close/']")
    press(page, "main form button[type=submit]")
    expect(badge(page)).to_have_text("Clos")

    from cases.models import Case

    assert Case.objects.get(reference=reference).state == "closed"
    assert mouse_events == [], mouse_events  # not one mouse event on the way
