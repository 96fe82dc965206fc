"""Browser tests: Playwright driving Debian's Chromium against pytest-django's live server."""

import contextlib
import re
from pathlib import Path

import pytest

from roles.models import Institution, Region, Theme
from roles.reference import load_reference_data

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    }


@pytest.fixture
def demo(live_server, settings):
    """The demo users on a live server. A transactional test starts from an empty database
    (the flush removes the migrations' reference rows), so they are loaded again."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    from cases.demo.users import seed_users

    load_reference_data(Region, Theme, Institution)
    seed_users()  # the demo cast only: each test builds the cases it needs
    return live_server


def login(page, live_server, username, password="iiz-demo-2026"):
    page.goto(f"{live_server.url}/accounts/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(password)
    page.locator("form[action='/accounts/login/'] button[type=submit]").click()


def logout(page):
    page.locator(".user-menu").click()
    page.locator("form[action='/accounts/logout/'] button").click()


def choose(page, name, value):
    """Pick ``value`` for field ``name``, whether it is a select or radio buttons."""
    select = page.locator(f"select[name='{name}']")
    if select.count():
        select.select_option(str(value))
    else:
        page.locator(f"input[name='{name}'][value='{value}']").check()


def take_step(page, name, text=None):
    """Press the button of step ``name`` on the case page (with its text, if any)."""
    form = page.locator(f"form[action$='/step/{name}/']")
    if text is not None:
        details = page.locator(f"[data-step='{name}'] details")
        if details.count():
            details.locator("summary").click()
        form.locator("textarea[name='text']").fill(text)
    form.locator("button[type=submit]").click()


SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


@pytest.fixture(autouse=True)
def _last_screen(request, page):
    """After each browser test, its last page as a screenshot under test-artifacts/screenshots/
    (git ignores the folder; CI keeps it as the run's artefacts)."""
    yield
    if page.is_closed():
        return
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
    with contextlib.suppress(Exception):  # a page that cannot be captured fails no test
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
