"""A dispute between institutions, in the browser: the coordinator records it from the case
page, records the coordination meeting that did not settle it and escalates it; the officer
finds it in My tasks and takes a position (in French, the demo officer's language), which settles it and goes on the case's timeline
(cases/views/disputes.py)."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.e2e.conftest import choose, login, logout

pytestmark = pytest.mark.e2e


def test_the_coordinator_escalates_a_dispute_and_the_officer_takes_a_position(page, demo):
    from cases import actions
    from cases.demo.walk import Cast, walk
    from roles.models import Institution, Region, User
    from tests.factories import PersonFactory

    users = {u.username: u for u in User.objects.all()}
    rav, social = Institution.objects.get(code="rav"), Institution.objects.get(code="social")
    case = actions.report_case(
        by=users["frontline-rav-ow"],
        person=PersonFactory.build(first_name="Noah", last_name="Zenklusen"),
        reporting_institution=rav,
        institutions=[rav, social],
        region=Region.objects.get(code="ow"),
        theme=None,
        reason="Lange arbeitslos, Sozialhilfe.",
    )
    walk(case, "implementation", Cast(users["coordinator-ow"], users["casemanager-ow"], users["officer"]))

    login(page, demo, "coordinator-ow")
    page.goto(f"{demo.url}/cases/{case.pk}/")
    page.locator("#disputes").get_by_role("link", name="Streitfall erfassen").click()
    expect(page.locator(f"input[name='institutions'][value='{rav.pk}']")).to_be_checked()
    expect(page.locator(f"input[name='institutions'][value='{social.pk}']")).to_be_checked()
    choose(page, "subject", "costs")
    page.fill("#id_description", "Wer bezahlt das Bewerbungscoaching?")
    page.fill("#id_proposal", "Die Kosten je zur Hälfte tragen.")
    page.locator("form.record-form button.btn-primary[type=submit]").click()
    expect(page.locator(".alert-success")).to_contain_text("Der Streitfall ist erfasst.")
    expect(page.locator(".dispute-state")).to_have_text("Offen")

    exchange = page.locator("form[data-step='record_dispute_exchange']")
    choose(exchange, "record_dispute_exchange-kind", "coordination_meeting")
    exchange.locator("input[type=date]").fill(timezone.localdate().isoformat())
    exchange.locator("textarea[name='record_dispute_exchange-participants']").fill("Bob Koordination, RAV, Sozialdienst")
    exchange.locator("textarea[name='record_dispute_exchange-outcome']").fill("Keine Einigung über die Kosten.")
    exchange.locator("button[type=submit]").click()
    expect(page.locator(".dispute-state")).to_have_text("Austausch durchgeführt")
    expect(page.locator(".dispute-steps")).to_contain_text("Keine Einigung über die Kosten.")

    escalate = page.locator("form[data-step='escalate_dispute']")
    escalate.locator("textarea").fill("Beide Stellen halten an ihrer Sicht fest.")
    escalate.locator("button[type=submit]").click()
    expect(page.locator(".dispute-state")).to_have_text("An den kantonalen IIZ-Beauftragten weitergeleitet")
    expect(page.locator("form[data-step]")).to_have_count(0)  # the officer decides now
    logout(page)

    login(page, demo, "officer")
    page.goto(f"{demo.url}/cases/tasks/")
    tasks = page.locator("#tasks-disputes_escalated")
    expect(tasks).to_contain_text(case.reference)
    # The demo officer reads French: the same steps, in the reader's language.
    tasks.get_by_role("link", name="Litige au sujet de Coûts transmis", exact=False).click()
    expect(page.locator("form[data-step]")).to_have_count(2)
    position = page.locator("form[data-step='take_dispute_position']")
    position.locator("textarea").fill("Das RAV übernimmt das Coaching als arbeitsmarktliche Massnahme.")
    position.locator("button[type=submit]").click()
    expect(page.locator(".alert-success")).to_contain_text("Votre prise de position est enregistrée")
    expect(page.locator(".dispute-state")).to_have_text("Réglé par la prise de position du chargé cantonal")

    # On a phone the dispute page does not scroll sideways.
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    page.goto(f"{demo.url}/cases/{case.pk}/")
    timeline = page.locator("#timeline")
    expect(timeline).to_contain_text("Litige transmis au chargé cantonal de CII : Beide Stellen halten an ihrer Sicht fest.")
    expect(timeline).to_contain_text("Litige réglé par la prise de position du chargé cantonal de CII")
    page.goto(f"{demo.url}/cases/tasks/")
    expect(page.locator("#tasks-disputes_escalated")).to_have_count(1)
    expect(page.locator("#tasks-disputes_escalated")).not_to_contain_text(case.reference)
