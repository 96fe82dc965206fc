"""A case that follows reality, in the browser: the coordinator corrects the person's data
and designates another case manager, who then finds the case theirs (cases/views/corrections.py)."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import choose, login, logout

pytestmark = pytest.mark.e2e


def test_the_coordinator_corrects_the_person_and_replaces_the_case_manager(page, demo):
    from cases import actions
    from cases.demo.walk import Cast, walk
    from roles.models import Institution, Region, User
    from tests.factories import PersonFactory

    users = {u.username: u for u in User.objects.all()}
    rav, social = Institution.objects.get(code="rav"), Institution.objects.get(code="social")
    case = actions.report_case(
        by=users["frontline-rav-ow"],
        person=PersonFactory.build(first_name="Lea", last_name="Imstepf", city="Visp", phone=""),
        reporting_institution=rav,
        institutions=[rav, social],
        region=Region.objects.get(code="ow"),
        theme=None,
        reason="Lange arbeitslos, Schulden.",
    )
    walk(case, "implementation", Cast(users["coordinator-ow"], users["casemanager-ow"], users["officer"]))
    new_cm = users["contact-rav-ow"]

    login(page, demo, "coordinator-ow")
    page.goto(f"{demo.url}/cases/{case.pk}/")
    page.locator("#person").get_by_role("link", name="Korrigieren").click()
    page.fill("#id_phone", "027 946 12 34")
    page.fill("#id_city", "Brig-Glis")
    page.locator("form.record-form button.btn-primary[type=submit]").click()
    expect(page.locator("#person")).to_contain_text("027 946 12 34")
    expect(page.locator("#person")).to_contain_text("Brig-Glis")

    page.get_by_role("link", name="Anderen Case Manager bezeichnen").click()
    choose(page, "case_manager", new_cm.pk)
    page.fill("#id_reason", "Die Person wohnt jetzt in Brig, näher bei der RAV-Ansprechperson.")
    page.locator("form.record-form button.btn-primary[type=submit]").click()
    expect(page.locator("#facts")).to_contain_text(str(new_cm))
    expect(page.locator(".alert-success")).to_contain_text("Case Manager")
    logout(page)

    login(page, demo, "contact-rav-ow")
    page.goto(f"{demo.url}/cases/{case.pk}/")
    expect(page.get_by_role("link", name="Standortbestimmung erfassen")).to_be_visible()
