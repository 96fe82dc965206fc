"""German and French: the user's saved choice, the switch on every page, the browser's
language as the first default, Swiss formats, and complete catalogues."""

import datetime
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation

from tests.factories import UserFactory

ROOT = Path(__file__).resolve().parent.parent


def test_the_home_page_speaks_the_users_language(client, coordinator):
    coordinator.language = "fr"
    coordinator.save()
    client.force_login(coordinator)
    page = client.get(reverse("home")).content.decode()
    assert '<html lang="fr">' in page
    assert "Mes rôles" in page


def test_switching_language_saves_it_on_the_user(client, coordinator):
    client.force_login(coordinator)
    assert "Meine Rollen" in client.get(reverse("home")).content.decode()
    response = client.post(reverse("set_language"), {"language": "fr", "next": reverse("home")})
    assert response.status_code == 302
    assert response.headers["Location"] == reverse("home")
    coordinator.refresh_from_db()
    assert coordinator.language == "fr"
    assert "Mes rôles" in client.get(reverse("home")).content.decode()


def test_the_saved_language_wins_over_the_browser(client, coordinator):
    client.force_login(coordinator)  # saved: German
    page = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="fr-CH,fr;q=0.9").content.decode()
    assert "Meine Rollen" in page


def test_the_login_page_can_be_switched_before_logging_in(client):
    response = client.post(reverse("set_language"), {"language": "fr", "next": reverse("login")})
    assert response.cookies["iiz_language"].value == "fr"
    assert "Se connecter" in client.get(reverse("login")).content.decode()


def test_the_first_language_comes_from_the_browser(client, db):
    UserFactory(username="newcomer", language="", password="secret-password-1")
    client.post(
        reverse("login"),
        {"username": "newcomer", "password": "secret-password-1"},
        HTTP_ACCEPT_LANGUAGE="fr-CH,fr;q=0.9,de;q=0.5",
    )
    from roles.models import User

    assert User.objects.get(username="newcomer").language == "fr"


def test_an_unknown_language_or_foreign_next_url_is_ignored(client, coordinator):
    client.force_login(coordinator)
    response = client.post(reverse("set_language"), {"language": "xx", "next": "https://evil.example/"})
    assert response.headers["Location"] == "/"
    coordinator.refresh_from_db()
    assert coordinator.language == "de"


def test_the_language_switch_is_on_every_page(client, coordinator):
    client.force_login(coordinator)
    for url in (reverse("home"), reverse("password_change")):
        page = client.get(url).content.decode()
        assert f'action="{reverse("set_language")}"' in page
        assert 'value="fr"' in page and 'value="de"' in page


@pytest.mark.parametrize(
    "language, expected_date, expected_number",
    [("de", "31.12.2026", "12\xa0345,5"), ("fr", "31.12.2026", "12\xa0345,5")],
)
def test_swiss_date_and_number_formats(language, expected_date, expected_number):
    template = Template('{% load l10n %}{{ day|date:"SHORT_DATE_FORMAT" }}|{{ number }}')
    with translation.override(language):
        out = template.render(Context({"day": datetime.date(2026, 12, 31), "number": 12345.5}))
    day, number = out.split("|")
    assert day == expected_date
    assert number == expected_number


def test_catalogues_are_complete_for_every_shipped_string(tmp_path):
    """Extract the messages anew from a copy of the sources: every msgid must exist in
    locale/de and locale/fr, translated and not fuzzy."""
    for folder in ("iiz", "roles", "cases", "templates", "locale"):
        shutil.copytree(ROOT / folder, tmp_path / folder, ignore=shutil.ignore_patterns("*.mo", "__pycache__"))
    shutil.copy(ROOT / "manage.py", tmp_path / "manage.py")
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "de", "-l", "fr", "--no-obsolete", "--no-location", "-v", "0"],
        cwd=tmp_path,
        check=True,
        capture_output=True,
        timeout=120,
    )
    import polib

    problems = []
    for language in ("de", "fr"):
        catalogue = polib.pofile(str(tmp_path / "locale" / language / "LC_MESSAGES" / "django.po"))
        for entry in catalogue:
            if entry.obsolete:
                continue
            if "fuzzy" in entry.flags:
                problems.append(f"{language}: fuzzy: {entry.msgid!r}")
            elif entry.msgid_plural and not all(entry.msgstr_plural.values()):
                problems.append(f"{language}: untranslated plural: {entry.msgid!r}")
            elif not entry.msgid_plural and not entry.msgstr:
                problems.append(f"{language}: untranslated: {entry.msgid!r}")
    assert not problems, "\n".join(problems)
