"""The officer opens the dashboard, follows one number, and finds the same number of cases
in the case list."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import login

pytestmark = pytest.mark.e2e


def build_cases():
    """Four cases of Oberwallis along CII101 with the demo users: two in implementation,
    one waiting for the first meeting, one just reported."""
    from cases import actions
    from cases.demo.walk import Cast, walk
    from roles.models import Institution, Region, User
    from tests.factories import PersonFactory

    users = {u.username: u for u in User.objects.all()}
    cast = Cast(coordinator=users["coordinator-ow"], case_manager=users["casemanager-ow"], officer=users["officer"])
    rav, social = Institution.objects.get(code="rav"), Institution.objects.get(code="social")
    for state in ("implementation", "implementation", "cm_designated", "reported"):
        case = actions.report_case(
            by=users["frontline-rav-ow"],
            person=PersonFactory.build(),
            reporting_institution=rav,
            institutions=[rav, social],
            region=Region.objects.get(code="ow"),
            theme=None,
            reason="Dashboard",
        )
        walk(case, state, cast)


def test_the_officer_follows_a_number_to_the_cases_it_counts(page, demo):
    build_cases()
    login(page, demo, "officer")
    page.locator("a.nav-link[href='/cases/dashboard/']").click()
    expect(page).to_have_url(f"{demo.url}/cases/dashboard/")

    # Open cases by state: the number of cases in implementation, a link to the case list.
    implementation = page.locator("#figure-open_by_state").locator("xpath=..").locator("a[href*='state=implementation']")
    expect(implementation).to_have_text("2")
    implementation.click()

    expect(page).to_have_url(re.compile(r"/cases/\?state=implementation$"))
    expect(page.locator(".case-count")).to_contain_text("2")
    expect(page.locator("table.case-table tbody tr")).to_have_count(2)
    expect(page.locator("select[name='state']")).to_have_value("implementation")
