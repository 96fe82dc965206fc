"""The legal commission in the browser: the case manager asks for a pre-financing, the
officer schedules a sitting and puts the request on its agenda, a member of the commission
decides it on the pseudonymised request, and the case manager reads the decision."""

import datetime

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import login, logout

pytestmark = pytest.mark.e2e


@pytest.fixture
def case(demo, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    from cases import actions
    from cases.commission import actions as commission
    from cases.demo.walk import Cast, walk
    from roles.models import Institution, Region, User
    from tests.factories import PersonFactory

    users = {u.username: u for u in User.objects.all()}
    rav, social = Institution.objects.get(code="rav"), Institution.objects.get(code="social")
    cast = Cast(coordinator=users["coordinator-ow"], case_manager=users["casemanager-ow"], officer=users["officer"])
    reported = actions.report_case(
        by=users["frontline-rav-ow"],
        person=PersonFactory.build(first_name="Jonas", last_name="Zumoberhaus", language="de"),
        reporting_institution=rav,
        institutions=[rav, social],
        region=Region.objects.get(code="ow"),
        theme=None,
        reason="Langzeitarbeitslos.",
    )
    commission.set_budget(by=users["officer"], year=datetime.date.today().year, budget=50000)
    return walk(reported, "implementation", cast)


def test_from_the_request_to_the_decision(page, demo, case):
    from cases.models import Decision, FundingRequest

    login(page, demo, "casemanager-ow")
    page.goto(f"{demo.url}/cases/{case.pk}/funding/new/")
    page.locator("input[name='kind'][value='pre_financing']").check()
    page.locator("select[name='measure']").select_option(index=1)
    page.locator("input[name='amount']").fill("4800")
    page.locator("select[name='paying_institution']").select_option(label="Kantonale IV-Stelle Wallis")
    page.locator("textarea[name='justification']").fill("Die Massnahme beginnt vor dem Entscheid der IV.")
    page.locator("form.record-form button[type=submit]").click()
    request = FundingRequest.objects.get()
    expect(page.locator(".funding-state")).to_contain_text("eingereicht")
    logout(page)

    login(page, demo, "officer")
    page.goto(f"{demo.url}/cases/commission/sittings/new/")
    page.locator("input[name='held_on']").fill(datetime.date.today().isoformat())
    page.locator("input[name='place']").fill("Sion")
    page.locator("form.record-form button[type=submit]").click()
    page.goto(f"{demo.url}/cases/commission/requests/{request.pk}/")
    page.locator(f"form[action$='/requests/{request.pk}/agenda/'] button[type=submit]").click()
    expect(page.locator("#agenda")).to_contain_text(request.number)
    logout(page)

    login(page, demo, "legal")
    page.goto(f"{demo.url}/cases/tasks/")
    page.locator("#tasks-funding_to_decide a").first.click()
    expect(page.locator("body")).not_to_contain_text("Zumoberhaus")
    form = page.locator("form#decide")
    form.locator("input[name='outcome'][value='approved']").check()
    form.locator("input[name='amount']").fill("4500")
    form.locator("input[name='members_present']").first.check()
    form.locator("button[type=submit]").click()
    expect(page.locator("#decisions")).to_contain_text(request.number)
    assert Decision.objects.get().amount == 4500
    logout(page)

    login(page, demo, "casemanager-ow")
    page.goto(f"{demo.url}/cases/{case.pk}/funding/")
    expect(page.locator(".funding-table")).to_contain_text("bewilligt")
    logout(page)

    # On a 390 px phone the pages scroll down, never sideways (wide tables in their own box).
    page.set_viewport_size({"width": 390, "height": 800})
    login(page, demo, "officer")
    request.refresh_from_db()
    for path in (
        f"/cases/commission/requests/{request.pk}/",
        f"/cases/commission/sittings/{request.sitting_id}/",
        "/cases/commission/",
        "/cases/commission/fund/",
    ):
        assert page.goto(f"{demo.url}{path}").status == 200, path
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), path
