"""From the coordinator's request to the invitations and the result, in the browser: the
coordinator asks for an assessment, the secretariat schedules it from My tasks (the network,
an external doctor and the person invited), ticks the checklist, and records the result."""

import datetime

import pytest
from django.core import mail
from icalendar import Calendar
from playwright.sync_api import expect

from tests.e2e.conftest import choose, login, logout, take_step

pytestmark = pytest.mark.e2e


def test_an_assessment_from_the_request_to_the_invitation_and_the_result(page, demo, task_runs_here):
    from cases import actions
    from roles.models import Institution, Region, User
    from tests.factories import PersonFactory

    users = {u.username: u for u in User.objects.all()}
    rav, social = Institution.objects.get(code="rav"), Institution.objects.get(code="social")
    case = actions.report_case(
        by=users["frontline-rav-ow"],
        person=PersonFactory.build(first_name="Jonas", last_name="Zumoberhaus", language="de"),
        reporting_institution=rav,
        institutions=[rav, social],
        region=Region.objects.get(code="ow"),
        theme=None,
        reason="Langzeitarbeitslos, Rückenleiden.",
    )
    case_url = f"{demo.url}{case.get_absolute_url()}"

    # The coordinator asks for an assessment.
    login(page, demo, "coordinator-ow")
    page.goto(case_url)
    take_step(page, "plan_assessment")
    expect(page.locator(".case-head .state-badge")).to_have_text("Assessment")
    logout(page)

    # The secretariat finds it in My tasks and schedules it.
    login(page, demo, "secretariat")
    page.get_by_role("link", name="Meine Aufgaben").first.click()
    page.locator(f"tr[data-case='{case.reference}'] a[href$='/schedule/']").click()
    day = datetime.date.today() + datetime.timedelta(days=7)
    page.fill("#id_starts_at", f"{day.isoformat()}T09:00")
    page.fill("#id_ends_at", f"{day.isoformat()}T11:00")
    page.fill("#id_place", "IIZ-Büro, Brig")
    page.locator("#id_users").select_option([str(users["coordinator-ow"].pk), str(users["contact-rav-ow"].pk)])
    page.fill("#id_externals", "Dr. Anne Favre; anne.favre@example.org; fr")
    page.get_by_role("button", name="Ansetzen und einladen").click()
    expect(page.locator(".alert-success")).to_contain_text("Sitzung angesetzt")
    expect(page.locator(".checklist-warning")).to_be_visible()

    # The invitations went out, each in its reader's language, with the calendar file.
    invitations = [m for m in mail.outbox if m.attachments]  # the others: notifications of the step
    addresses = sorted(m.to[0] for m in invitations)
    assert addresses == sorted([users["coordinator-ow"].email, users["contact-rav-ow"].email, "anne.favre@example.org"])
    french = next(m for m in invitations if m.to == ["anne.favre@example.org"])
    assert "Vous êtes invité" in french.body
    assert Calendar.from_ical(french.attachments[0][1])["METHOD"] == "REQUEST"

    # The checklist: ticked item by item, then the warning is gone.
    for _ in range(3):
        page.locator(".checklist button[type=submit]").first.click()
        expect(page.locator(".alert-success")).to_be_visible()
    expect(page.locator(".checklist-warning")).to_have_count(0)

    # A reply, then the result recorded on the assessment's record.
    page.locator(".participant-list li").first.get_by_role("button", name="nimmt teil").click()
    expect(page.locator(".participant-reply").first).to_have_text("nimmt teil")
    page.get_by_role("link", name="Ergebnis erfassen").click()
    page.fill("#id_held_on", datetime.date.today().isoformat())
    page.fill("#id_result", "Arbeitsfähig zu 50 % in leichter Tätigkeit.")
    choose(page, "decision", "case_management")
    choose(page, "designated_cm", users["casemanager-ow"].pk)
    page.locator("main form button[type=submit]:not([name])").last.click()
    expect(page.locator(".alert-success")).to_be_visible()
    expect(page.locator(".scheduled-meeting").first).to_contain_text("angesetzt")

    # On a phone: the meeting page and the calendar scroll no sideways.
    meeting_url = page.locator(".scheduled-meeting a").first.get_attribute("href")
    page.set_viewport_size({"width": 390, "height": 844})
    for path in (meeting_url, "/cases/calendar/"):
        page.goto(f"{demo.url}{path}")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, path
