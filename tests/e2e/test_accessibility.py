"""Accessibility (WCAG 2.1 AA) and small screens, page by page, for every demo role in
German and in French (issue 19, points 1 and 3).

For each role, the crawl of tests/e2e/crawl.py follows the links from the home page and,
on every page it reaches, runs axe-core (vendored for the tests only in tests/e2e/vendor,
never served) and fails on a serious or critical violation; checks a label on every field,
errors tied to their field, no positive tabindex, aria-live on the regions htmx updates, a
text alternative for charts, the skip link and a visible focus with the keyboard; and
checks that the page does not scroll sideways at 1280×800, 768×1024 and 390×844.
"""

import os
from pathlib import Path

import pytest

from tests.e2e import crawl
from tests.e2e.conftest import login

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots" / "accessibility"

ROLES = list(crawl.DEMO_ROLES)


# To look at a few roles while fixing a page: IIZ_CRAWL_ROLES=officer,legal (see docs/accessibility.md).
if os.environ.get("IIZ_CRAWL_ROLES"):
    ROLES = [role for role in os.environ["IIZ_CRAWL_ROLES"].split(",") if role]


@pytest.fixture
def browser_context_args(browser_context_args):
    # axe is injected as a script: the application's content security policy would refuse it.
    return {**browser_context_args, "bypass_csp": True, "viewport": {"width": 1280, "height": 800}}


def build_cases():
    """Cases of Oberwallis in the states whose pages differ, walked by the demo users along
    CII101 (with their plans, meetings, reviews, documents and notifications), and one of
    the youth theme."""
    from cases import actions
    from cases.demo.walk import Cast, walk
    from roles.models import Institution, Region, Theme, User
    from tests.factories import PersonFactory

    users = {u.username: u for u in User.objects.all()}
    cast = Cast(coordinator=users["coordinator-ow"], case_manager=users["casemanager-ow"], officer=users["officer"])
    rav, social = Institution.objects.get(code="rav"), Institution.objects.get(code="social")
    ow = Region.objects.get(code="ow")
    for state, theme in [
        ("reported", None),
        ("assessment", None),
        ("plan_preparation", None),
        ("plan_validation", None),
        ("implementation", None),
        ("awaiting_closure", None),
        ("closed", None),
        ("implementation", "youth"),
    ]:
        case = actions.report_case(
            by=users["frontline-rav-ow"],
            person=PersonFactory.build(),
            reporting_institution=rav,
            institutions=[rav, social],
            region=ow,
            theme=Theme.objects.get(code=theme) if theme else None,
            reason="Langzeitarbeitslos, Rückenleiden, Sozialhilfe.",
        )
        if theme:
            walk(case, state, Cast(coordinator=users["coordinator-youth"], case_manager=cast.case_manager, officer=cast.officer))
        else:
            walk(case, state, cast)


def crawl_as(page, live_server, username: str, language: str, checked: set[str]) -> crawl.Crawl:
    """Crawl as ``username``; the checks run on each page whose pattern no other role's crawl
    checked yet in this language (``checked``): the crawl still follows every link of each
    role, and a page only one role reaches is checked for that role."""
    from roles.models import User

    User.objects.filter(username=username).update(language=language)
    login(page, live_server, username)
    page.wait_for_url(f"{live_server.url}/")
    run = crawl.Crawl(base=live_server.url, user=username, language=language)
    for path in run.pages(page):
        before = len(run.findings)
        assert page.locator("html").get_attribute("lang") == language, path
        pattern = crawl.pattern_of(path)
        if pattern in checked:
            continue
        checked.add(pattern)
        crawl.check_structure(run, page, path)
        crawl.check_axe(run, page, path)
        crawl.check_keyboard(run, page, path)
        crawl.check_widths(run, page, path)
        if len(run.findings) > before:
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            name = f"{language}-{username}-{crawl.pattern_of(path).strip('/').replace('/', '_') or 'home'}.png"
            page.screenshot(path=str(SCREENSHOTS / name), full_page=True)
    page.context.clear_cookies()
    return run


@pytest.mark.parametrize("language", ["de", "fr"])
def test_every_page_of_every_role_is_accessible_and_fits_a_phone(page, demo, language):
    build_cases()
    findings, visited, checked, hinted = [], {}, set(), set()
    for username in ROLES:
        run = crawl_as(page, demo, username, language, checked)
        findings += run.findings
        visited[username] = run.visited
        hinted |= run.hinted
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    (SCREENSHOTS / f"crawl-{language}.txt").write_text(
        "".join(f"{user}\n" + "".join(f"  {path}\n" for path in paths) for user, paths in visited.items())
        + "\n".join(map(str, findings))
    )
    # The crawl reached the pages of each role (not only the home page).
    if "casemanager-ow" in visited:
        assert len(visited["casemanager-ow"]) >= 15, visited["casemanager-ow"]
        # The measures table of a case page scrolls in its own box on a phone, with the hint.
        assert any(path.startswith("/cases/") and path[7:-1].isdigit() for path in hinted), hinted
        assert any(path.endswith("/plan/") for path in visited["casemanager-ow"])
    if "officer" in visited:
        assert len(visited["officer"]) >= 10, visited["officer"]
    if "secretariat" in visited:
        assert "/cases/print-queue/" in visited["secretariat"]
    assert not findings, "\n".join(map(str, findings))
