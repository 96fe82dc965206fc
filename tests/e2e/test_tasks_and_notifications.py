"""My tasks and the notifications of each role, in the browser: the cases walked along CII101
by the demo users leave work and notifications for the people of each role; each opens My
tasks from the navigation and the notifications from the bell (issue 19, point 6)."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import SCREENSHOTS, login, logout
from tests.e2e.test_accessibility import build_cases

pytestmark = pytest.mark.e2e

ROLES = ["frontline-rav-ow", "coordinator-ow", "casemanager-ow", "contact-rav-ow", "officer", "secretariat"]


def test_each_role_finds_its_tasks_and_notifications(page, demo):
    from cases.models import Notification
    from cases.views.notifications import PAGE_SIZE
    from roles.models import User

    build_cases()
    folder = SCREENSHOTS / "tasks-and-notifications"
    folder.mkdir(parents=True, exist_ok=True)
    seen = {}
    for username in ROLES:
        user = User.objects.get(username=username)
        login(page, demo, username)
        page.locator("a.nav-link[href='/cases/tasks/']").click()
        expect(page).to_have_url(f"{demo.url}/cases/tasks/")
        page.screenshot(path=str(folder / f"{username}-tasks.png"), full_page=True)
        tasks = page.locator("table.my-tasks tbody tr").count()
        page.locator("a.notification-bell").click()
        expect(page).to_have_url(f"{demo.url}/cases/notifications/")
        items = page.locator(".notification-list > a")
        expect(items).to_have_count(min(Notification.objects.filter(recipient=user).count(), PAGE_SIZE))
        page.screenshot(path=str(folder / f"{username}-notifications.png"), full_page=True)
        seen[username] = (tasks, items.count())
        logout(page)
    # The coordinator validates the submitted plan; the case manager has reviews and reports due.
    assert seen["coordinator-ow"][0] >= 1, seen
    assert seen["casemanager-ow"][0] >= 1, seen
    # Designated to several cases, the case manager was told each time.
    assert seen["casemanager-ow"][1] >= 1, seen
