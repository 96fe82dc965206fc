"""Browser tests: Playwright driving Debian's Chromium against pytest-django's live server."""

import pytest
from django.core.management import call_command

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
    """The demo cast on a live server. A transactional test starts from an empty database
    (the flush removes the migration's reference rows), so they are loaded again."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    load_reference_data(Region, Theme, Institution)
    call_command("seed_demo", quiet_logins=True)
    return live_server


def login(page, live_server, username, password="iiz-demo-2026"):
    page.goto(f"{live_server.url}/accounts/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(password)
    page.locator("form[action='/accounts/login/'] button[type=submit]").click()
