"""The employer of a measure chosen in the browser: the case manager searches the partners'
employer contacts from a measure row of the plan form (htmx), also in a row just added, and
the case page shows the employers saved."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import login

pytestmark = pytest.mark.e2e


@pytest.fixture
def case(demo):
    """A case of Oberwallis whose action plan the demo case manager is writing."""
    from cases import actions
    from cases.demo.reference import load_case_reference_data
    from cases.demo.walk import Cast, walk
    from cases.models import CatalogueMeasure, EmployerContact
    from roles.models import Institution, Region, User
    from tests.factories import PersonFactory

    load_case_reference_data(CatalogueMeasure, EmployerContact, Institution)  # flushed by a transactional test
    users = {u.username: u for u in User.objects.all()}
    rav, social = Institution.objects.get(code="rav"), Institution.objects.get(code="social")
    cast = Cast(coordinator=users["coordinator-ow"], case_manager=users["casemanager-ow"], officer=users["officer"])
    case = actions.report_case(
        by=users["frontline-rav-ow"],
        person=PersonFactory.build(first_name="Jonas", last_name="Zumoberhaus", language="de"),
        reporting_institution=rav,
        institutions=[rav, social],
        region=Region.objects.get(code="ow"),
        theme=None,
        reason="Langzeitarbeitslos.",
    )
    return walk(case, "plan_preparation", cast)


def test_the_case_manager_picks_employers_for_two_measures(page, demo, case):
    from roles.models import Institution

    ai = Institution.objects.get(code="ai")
    login(page, demo, "casemanager-ow")
    page.goto(f"{demo.url}/cases/{case.pk}/plan/")
    page.fill("#id_goals-0-text", "Stelle in der Produktion")
    page.fill("#id_measures-0-title", "Arbeitsversuch")
    page.locator("#id_measures-0-responsible_institution").select_option(str(ai.pk))

    search = page.locator("#measures-0-employer-search")
    expect(search).to_be_visible()  # shown by the script
    search.press_sequentially("Visp")
    search.press("Enter")  # searches; does not send the plan
    match = page.locator("#measures-0-employer-picks [data-employer-pick]", has_text="Lonza AG")
    expect(match).to_be_visible()
    match.click()
    expect(page.locator("#id_measures-0-employer_contact option:checked")).to_have_text("Lonza AG (Visp) · Chemie und Pharma")
    expect(page.locator("#measures-0-employer-picks [data-employer-pick]")).to_have_count(0)

    page.locator("[data-formset-add='measures']").click()
    page.fill("#id_measures-1-title", "Praktikum Hotellerie")
    page.locator("#id_measures-1-responsible_institution").select_option(str(ai.pk))
    page.locator("#measures-1-employer-search").press_sequentially("Hotel")
    page.locator("#measures-1-employer-picks [data-employer-pick]", has_text="Hotel Bergsonne").click()
    expect(page.locator("#id_measures-1-employer_contact option:checked")).to_have_text("Hotel Bergsonne (Zermatt) · Hotellerie")

    page.locator("main form button[type=submit]:not([name])").last.click()
    expect(page.locator(".alert-success")).to_be_visible()
    employers = page.locator(".measure-table .measure-employer")
    expect(employers).to_have_count(2)
    expect(employers.first).to_contain_text("Lonza AG (Visp)")
    expect(employers.last).to_contain_text("Hotel Bergsonne (Zermatt)")
