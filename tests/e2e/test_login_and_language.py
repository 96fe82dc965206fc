"""A person logs in, switches the language, and sees the page change."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import login

pytestmark = pytest.mark.e2e


def test_log_in_switch_language_and_log_out(page, demo):
    page.goto(f"{demo.url}/")
    expect(page).to_have_url(f"{demo.url}/accounts/login/?next=/")
    expect(page.locator("h1")).to_have_text("Anmelden")

    # Switch the login page to French before logging in.
    page.get_by_role("button", name="Français").click()
    expect(page.locator("h1")).to_have_text("Se connecter")

    login(page, demo, "coordinator-ow")  # saved language: German
    expect(page.locator("h1")).to_contain_text("Willkommen, Stefan")
    expect(page.locator(".role-bar")).to_contain_text("Regionaler Koordinator")
    expect(page.locator("html")).to_have_attribute("lang", "de")

    page.get_by_role("button", name="Français").click()
    expect(page.locator("h1")).to_contain_text("Bienvenue, Stefan")
    expect(page.locator(".role-bar")).to_contain_text("Coordinateur régional")
    expect(page.locator(".role-bar")).to_contain_text("Haut-Valais")
    expect(page.locator("html")).to_have_attribute("lang", "fr")

    # The choice is saved on the user: it survives a new login.
    page.locator(".user-menu").click()
    page.get_by_role("button", name="Se déconnecter").click()
    expect(page.locator("h1")).to_have_text("Se connecter")
    login(page, demo, "coordinator-ow")
    expect(page.locator("h1")).to_contain_text("Bienvenue, Stefan")


def test_a_wrong_password_shows_a_clear_message(page, demo):
    login(page, demo, "officer", password="not-the-password")
    expect(page.locator(".alert-danger")).to_be_visible()
    expect(page).to_have_url(f"{demo.url}/accounts/login/")
