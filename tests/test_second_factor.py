"""The second factor (issue 18, point 2): who must use one, enrolment with a TOTP app and backup
codes, verification after the password, the officer's reset, and no way around it through a
password reset.

The suite runs with nobody required (tests/conftest.py); these tests turn the production
default back on with the ``required`` fixture.
"""

import datetime
import re

import pytest
import time_machine
from django.contrib.admin.models import LogEntry
from django.core import checks, mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

import iiz.settings
from cases.demo.users import DEMO_PASSWORD, seed_users
from iiz.config import load
from roles.apps import check_second_factor_roles
from roles.models import User

PASSWORD = "correct-horse-battery"
PRODUCTION_DEFAULT = ["officer", "secretariat", "staff"]


@pytest.fixture
def required(settings):
    settings.IIZ_OTP_REQUIRED_ROLES = PRODUCTION_DEFAULT
    return settings


@pytest.fixture
def now():
    """A fixed clock, moved on by hand: TOTP codes depend on it, and a code is accepted only
    once per 30-second step."""
    with time_machine.travel(datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC), tick=False) as traveller:
        yield traveller


def with_password(user):
    user.set_password(PASSWORD)
    user.save()
    return user


def log_in(client, user, password=PASSWORD, next_url=""):
    return client.post(reverse("login"), {"username": user.username, "password": password, "next": next_url})


def code_of(device):
    device.refresh_from_db()
    return f"{TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token():06d}"


def enrol(client, user, now):
    """The user (signed in with the password) sets up the app; returns the device and the codes."""
    client.get(reverse("second_factor_setup"))
    device = TOTPDevice.objects.get(user=user)
    response = client.post(reverse("second_factor_setup"), {"code": code_of(device)})
    assert response.status_code == 200
    codes = re.findall(r'<li class="col py-1">(\w+)</li>', response.content.decode())
    now.shift(datetime.timedelta(seconds=30))
    return device, codes


def says(response, user, msgid, count=None, plural=None):
    """Whether the page shows ``msgid`` in the user's language (a plural with ``count``)."""
    user.refresh_from_db()
    with translation.override(user.language or "de"):
        text = translation.ngettext(msgid, plural, count) % {"count": count} if plural else translation.gettext(msgid)
    return text in response.content.decode()


WRONG_APP_CODE = "This code is not valid. Enter the current code of your app, or a backup code."


def verify_redirect(path):
    return f"{reverse('second_factor_verify')}?next={path.replace('/', '%2F')}"


# --- who must ----------------------------------------------------------------------------


def test_the_production_default_requires_the_officer_the_secretariat_and_the_admins():
    assert iiz.settings.IIZ_OTP_REQUIRED_ROLES == PRODUCTION_DEFAULT
    assert list(load({}).otp_required_roles) == PRODUCTION_DEFAULT
    assert load({"IIZ_OTP_REQUIRED_ROLES": "officer, legal"}).otp_required_roles == ("officer", "legal")
    assert load({"IIZ_OTP_REQUIRED_ROLES": ""}).otp_required_roles == ()


def test_an_unknown_role_in_the_setting_is_a_configuration_error(settings):
    settings.IIZ_OTP_REQUIRED_ROLES = ["officer", "oficer"]
    errors = check_second_factor_roles()
    assert [error.id for error in errors] == ["iiz.E201"] and "oficer" in errors[0].msg
    assert isinstance(errors[0], checks.Error)
    settings.IIZ_OTP_REQUIRED_ROLES = PRODUCTION_DEFAULT
    assert check_second_factor_roles() == []


def test_a_required_user_is_sent_to_the_enrolment_and_reaches_no_case_before(client, required, secretariat, make_case, now):
    case = make_case()
    with_password(secretariat)
    case_url = reverse("cases:detail", args=[case.pk])
    response = log_in(client, secretariat, next_url=case_url)
    assert response.headers["Location"] == case_url
    response = client.get(case_url)
    assert response.status_code == 302 and response.headers["Location"] == verify_redirect(case_url)
    response = client.get(response.headers["Location"])
    assert response.status_code == 302 and response.headers["Location"].startswith(reverse("second_factor_setup"))
    assert client.get(reverse("cases:list")).status_code == 302
    assert client.get(reverse("preferences")).status_code == 302
    assert client.get(reverse("admin:index")).status_code == 302

    page = client.get(response.headers["Location"])
    assert page.status_code == 200
    html = page.content.decode()
    assert 'src="data:image/svg+xml' in html  # the QR code
    device = TOTPDevice.objects.get(user=secretariat, confirmed=False)
    secret = re.search(r"<p[^>]*data-secret>([A-Z2-7 ]+)</p>", html).group(1).replace(" ", "")
    assert re.search(r"secret=" + secret, device.config_url)


def test_the_enrolment_refuses_a_wrong_code_and_accepts_the_right_one_then_shows_ten_backup_codes(
    client, required, secretariat, make_case, now
):
    case_url = reverse("cases:detail", args=[make_case().pk])
    log_in(client, with_password(secretariat))
    client.get(reverse("second_factor_setup"))
    device = TOTPDevice.objects.get(user=secretariat)
    wrong = f"{(int(code_of(device)) + 1) % 1_000_000:06d}"

    response = client.post(reverse("second_factor_setup"), {"code": wrong, "next": case_url})
    assert response.status_code == 200
    assert says(
        response, secretariat, "This code is not valid. Check that the time of your phone is right and enter the current code."
    )
    device.refresh_from_db()
    assert not device.confirmed
    assert client.get(case_url).status_code == 302

    now.shift(datetime.timedelta(seconds=5))  # past the delay after a wrong code
    response = client.post(reverse("second_factor_setup"), {"code": code_of(device), "next": case_url})
    assert response.status_code == 200
    device.refresh_from_db()
    assert device.confirmed
    codes = re.findall(r'<li class="col py-1">(\w+)</li>', response.content.decode())
    assert len(codes) == 10 == len(set(codes))
    assert sorted(StaticToken.objects.filter(device__user=secretariat).values_list("token", flat=True)) == sorted(codes)
    assert f'href="{case_url}"' in response.content.decode()
    assert client.get(case_url).status_code == 200


def test_after_the_password_a_user_with_a_device_gives_the_app_code(client, required, secretariat, make_case, now):
    case_url = reverse("cases:detail", args=[make_case().pk])
    log_in(client, with_password(secretariat))
    device, _codes = enrol(client, secretariat, now)
    client.post(reverse("logout"))

    log_in(client, secretariat, next_url=case_url)
    assert client.get(case_url).headers["Location"] == verify_redirect(case_url)
    response = client.post(reverse("second_factor_verify"), {"code": "000000", "next": case_url})
    assert response.status_code == 200 and says(response, secretariat, WRONG_APP_CODE)
    assert client.get(case_url).status_code == 302
    now.shift(datetime.timedelta(seconds=5))
    response = client.post(reverse("second_factor_verify"), {"code": code_of(device), "next": case_url})
    assert response.status_code == 302 and response.headers["Location"] == case_url
    assert client.get(case_url).status_code == 200


def test_wrong_codes_slow_down_the_next_tries(client, required, secretariat, now):
    log_in(client, with_password(secretariat))
    device, _codes = enrol(client, secretariat, now)
    client.post(reverse("logout"))
    log_in(client, secretariat)
    for _ in range(3):
        client.post(reverse("second_factor_verify"), {"code": "000000"})
    response = client.post(reverse("second_factor_verify"), {"code": code_of(device)})
    assert response.status_code == 200
    assert not says(response, secretariat, WRONG_APP_CODE)
    assert re.search(r"Zu viele falsche Codes|Trop de codes erronés", response.content.decode())
    now.shift(datetime.timedelta(seconds=10))
    assert client.post(reverse("second_factor_verify"), {"code": code_of(device)}).status_code == 302


def test_a_backup_code_works_once(client, required, secretariat, now):
    log_in(client, with_password(secretariat))
    _device, codes = enrol(client, secretariat, now)
    client.post(reverse("logout"))

    log_in(client, secretariat)
    response = client.post(reverse("second_factor_verify"), {"code": codes[0].upper()}, follow=True)
    assert response.status_code == 200
    assert says(
        response,
        secretariat,
        "You signed in with a backup code; %(count)s backup code is left. You can make new ones in My settings.",
        9,
        "You signed in with a backup code; %(count)s backup codes are left. You can make new ones in My settings.",
    )
    assert client.get(reverse("cases:list")).status_code == 200
    assert StaticToken.objects.filter(device__user=secretariat).count() == 9
    client.post(reverse("logout"))

    log_in(client, secretariat)
    response = client.post(reverse("second_factor_verify"), {"code": codes[0]})
    assert response.status_code == 200 and says(response, secretariat, WRONG_APP_CODE)
    assert client.get(reverse("cases:list")).status_code == 302


def test_a_user_who_need_not_is_not_forced_and_may_enrol_in_the_settings(client, required, coordinator, now):
    log_in(client, with_password(coordinator))
    assert client.get(reverse("cases:list")).status_code == 200
    settings_page = client.get(reverse("preferences")).content.decode()
    assert reverse("second_factor_setup") in settings_page
    assert not TOTPDevice.objects.filter(user=coordinator).exists()

    enrol(client, coordinator, now)
    client.post(reverse("logout"))
    log_in(client, coordinator)
    assert client.get(reverse("cases:list")).headers["Location"] == verify_redirect(reverse("cases:list"))


def test_a_user_who_need_not_may_remove_it_and_one_who_must_may_not(client, required, coordinator, secretariat, now):
    log_in(client, with_password(coordinator))
    enrol(client, coordinator, now)
    client.post(reverse("second_factor_remove"))
    assert not TOTPDevice.objects.filter(user=coordinator).exists()
    assert not StaticDevice.objects.filter(user=coordinator).exists()
    client.post(reverse("logout"))

    log_in(client, with_password(secretariat))
    enrol(client, secretariat, now)
    response = client.post(reverse("second_factor_remove"), follow=True)
    assert says(response, secretariat, "Your role requires a second factor: it cannot be removed.")
    assert TOTPDevice.objects.filter(user=secretariat, confirmed=True).exists()


def test_new_backup_codes_replace_the_old_ones(client, required, secretariat, now):
    log_in(client, with_password(secretariat))
    _device, old = enrol(client, secretariat, now)
    response = client.post(reverse("second_factor_new_codes"))
    new = re.findall(r'<li class="col py-1">(\w+)</li>', response.content.decode())
    assert len(new) == 10
    assert set(StaticToken.objects.filter(device__user=secretariat).values_list("token", flat=True)) == set(new)
    assert not set(old) & set(new)


def test_a_half_signed_in_session_may_log_out_and_reach_the_public_pages(client, required, secretariat):
    log_in(client, with_password(secretariat))
    assert client.get(reverse("healthz")).status_code == 200
    assert client.get(reverse("login")).status_code == 200
    assert client.post(reverse("logout")).status_code == 302
    assert "_auth_user_id" not in client.session


def test_an_htmx_request_of_a_half_signed_in_session_is_redirected_whole(client, required, secretariat):
    log_in(client, with_password(secretariat))
    response = client.get(reverse("cases:list"), headers={"HX-Request": "true"})
    assert response.headers["HX-Redirect"].startswith(reverse("second_factor_verify"))


def test_the_verification_page_lets_a_user_without_device_who_need_not_through(client, coordinator):
    client.force_login(coordinator)
    response = client.get(reverse("second_factor_verify") + "?next=/cases/")
    assert response.status_code == 302 and response.headers["Location"] == "/cases/"


# --- the officer's reset -----------------------------------------------------------------


def test_the_officer_resets_a_device_the_reset_is_logged_and_the_user_enrols_again(client, db, settings, now):
    seed_users()
    officer = User.objects.get(username="officer")
    secretariat = User.objects.get(username="secretariat")
    settings.IIZ_OTP_REQUIRED_ROLES = PRODUCTION_DEFAULT
    # The secretariat sets up the app, in its own browser.
    from django.test import Client

    own = Client()
    log_in(own, secretariat, password=DEMO_PASSWORD)
    enrol(own, secretariat, now)
    assert own.get(reverse("cases:list")).status_code == 200

    # The officer (with the second factor too) resets it in the user admin.
    log_in(client, officer, password=DEMO_PASSWORD)
    enrol(client, officer, now)
    response = client.post(
        reverse("admin:roles_user_changelist"),
        {"action": "reset_second_factor", "_selected_action": [secretariat.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert says(
        response, officer, "The second factor of %(count)s user was reset.", 1, "The second factor of %(count)s users was reset."
    )
    assert not TOTPDevice.objects.filter(user=secretariat).exists()
    assert not StaticDevice.objects.filter(user=secretariat).exists()
    assert TOTPDevice.objects.filter(user=officer, confirmed=True).exists()
    entry = LogEntry.objects.get(object_id=str(secretariat.pk), user=officer)
    assert "Second factor reset" in entry.change_message
    history = client.get(reverse("admin:roles_user_history", args=[secretariat.pk]))
    with translation.override(officer.language):
        assert entry.get_change_message() in history.content.decode()
        assert translation.gettext("Second factor reset") in entry.get_change_message()

    # The secretariat's session no longer counts as verified: next page, a new enrolment.
    response = own.get(reverse("cases:list"))
    assert response.headers["Location"] == verify_redirect(reverse("cases:list"))
    assert own.get(response.headers["Location"]).headers["Location"].startswith(reverse("second_factor_setup"))


def test_the_officer_cannot_reset_a_superusers_device(client, db):
    seed_users()
    officer = User.objects.get(username="officer")
    root = User.objects.create_superuser("root", "root@example.org", PASSWORD)
    TOTPDevice.objects.create(user=root, confirmed=True)
    client.force_login(officer)
    client.post(reverse("admin:roles_user_changelist"), {"action": "reset_second_factor", "_selected_action": [root.pk]})
    assert TOTPDevice.objects.filter(user=root).exists()
    assert not LogEntry.objects.filter(object_id=str(root.pk)).exists()


# --- a password reset does not bypass it -------------------------------------------------


def test_a_password_reset_does_not_bypass_the_second_factor(client, required, secretariat, make_case, now):
    case_url = reverse("cases:detail", args=[make_case().pk])
    log_in(client, with_password(secretariat))
    enrol(client, secretariat, now)
    client.post(reverse("logout"))

    client.post(reverse("password_reset"), {"email": secretariat.email})
    link = re.search(r"https?://[^/]+(/accounts/reset/\S+/)", mail.outbox[-1].body).group(1)
    form_url = client.get(link).headers["Location"]
    response = client.post(form_url, {"new_password1": "a-new-long-passphrase", "new_password2": "a-new-long-passphrase"})
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session  # the reset signs nobody in
    assert client.get(case_url).status_code == 302

    log_in(client, secretariat, password="a-new-long-passphrase", next_url=case_url)
    response = client.get(case_url)
    assert response.status_code == 302 and response.headers["Location"] == verify_redirect(case_url)


def test_a_device_is_never_shown_again_once_confirmed(client, required, secretariat, now):
    """The setup page of a user with a device asks for the code first: a password alone
    never shows (or replaces) the secret."""
    log_in(client, with_password(secretariat))
    _device, _codes = enrol(client, secretariat, now)
    client.post(reverse("logout"))
    log_in(client, secretariat)
    response = client.get(reverse("second_factor_setup"))
    assert response.status_code == 302 and response.headers["Location"].startswith(reverse("second_factor_verify"))
    assert TOTPDevice.objects.filter(user=secretariat).count() == 1


def test_the_user_admin_shows_who_has_a_second_factor_in_one_query(client, db):
    seed_users()
    officer = User.objects.get(username="officer")
    TOTPDevice.objects.create(user=User.objects.get(username="secretariat"), confirmed=True)
    TOTPDevice.objects.create(user=User.objects.get(username="legal"), confirmed=False)
    client.force_login(officer)
    response = client.get(reverse("admin:roles_user_changelist"))
    flags = {user.username: user.has_second_factor for user in response.context["cl"].result_list}
    assert flags["secretariat"] is True and flags["legal"] is False and flags["officer"] is False

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("admin:roles_user_changelist")).status_code == 200
        return len(captured)

    before = queries()
    for n in range(5):
        TOTPDevice.objects.create(user=User.objects.create_user(f"extra-{n}"), confirmed=True)
    assert queries() == before


def test_the_admin_is_behind_the_second_factor_too(client, required, db):
    seed_users()
    officer = User.objects.get(username="officer")
    log_in(client, officer, password=DEMO_PASSWORD)
    response = client.get(reverse("admin:roles_user_changelist"))
    assert response.status_code == 302
    assert response.headers["Location"] == verify_redirect(reverse("admin:roles_user_changelist"))
    assert client.get(response.headers["Location"]).headers["Location"].startswith(reverse("second_factor_setup"))
    assert client.post(reverse("admin:logout")).headers["Location"] == reverse("login")
    assert "_auth_user_id" not in client.session


def test_staff_must_use_it_whatever_their_role(required, db):
    from roles import second_factor

    admin_without_role = User.objects.create_user("helpdesk", is_staff=True)
    assert second_factor.is_required(admin_without_role)
    assert not second_factor.is_required(User.objects.create_user("nobody"))
    required.IIZ_OTP_REQUIRED_ROLES = ["officer"]
    assert not second_factor.is_required(admin_without_role)


# --- passkeys (django-otp-webauthn) ---------------------------------------------------------------


def registered_passkey(user):
    """A passkey as django-otp-webauthn stores it once the browser registered one."""
    from django_otp_webauthn.models import WebAuthnCredential

    return WebAuthnCredential.objects.create(
        user=user,
        name="Laptop",
        confirmed=True,
        credential_id=b"credential-" + str(user.pk).encode(),
        public_key=b"public-key",
        credential_id_sha256="0" * 64,
        aaguid="00000000-0000-0000-0000-000000000000",
    )


def test_my_settings_offer_to_register_a_passkey(client, coordinator):
    client.force_login(coordinator)
    page = client.get(reverse("preferences")).content.decode()
    assert 'id="passkey-registration-placeholder"' in page
    assert 'id="passkey-register-button"' in page and 'id="passkey-registration-unavailable-template"' in page
    assert 'id="otp_webauthn_config"' in page and "django_otp_webauthn/otp_webauthn_register.js" in page
    assert "Sie haben 0 Passkeys registriert." in page
    registered_passkey(coordinator)
    assert "Sie haben 1 Passkey registriert." in client.get(reverse("preferences")).content.decode()


def test_a_registered_passkey_counts_as_the_second_factor_a_role_requires(client, required, secretariat):
    """The secretariat must use a second factor: with a passkey alone it is not sent to the
    app's enrolment but asked to confirm, and the page offers the passkey."""
    from roles import second_factor

    with_password(secretariat)
    log_in(client, secretariat)
    assert client.get(reverse("home")).headers["Location"].startswith(reverse("second_factor_verify"))
    assert client.get(reverse("second_factor_verify")).headers["Location"].startswith(reverse("second_factor_setup"))

    registered_passkey(secretariat)
    assert second_factor.has_second_factor(secretariat)
    assert User.objects.annotate(has=second_factor.has_second_factor_expression()).get(pk=secretariat.pk).has
    client.logout()
    log_in(client, secretariat)
    assert client.get(reverse("home")).headers["Location"].startswith(reverse("second_factor_verify"))
    page = client.get(reverse("second_factor_verify"))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="passkey-verification-button"' in html and "django_otp_webauthn/otp_webauthn_auth.js" in html
    # The half-signed-in session reaches the passkey's verification endpoint (not sent to the code page).
    begin = client.post(reverse("otp_webauthn:credential-authentication-begin"), content_type="application/json")
    assert begin.status_code == 200 and "challenge" in begin.json()


def test_the_officers_reset_removes_the_passkeys_too(secretariat):
    from django_otp_webauthn.models import WebAuthnCredential

    from roles import second_factor

    registered_passkey(secretariat)
    assert second_factor.reset(secretariat)
    assert not WebAuthnCredential.objects.filter(user=secretariat).exists()
    assert not second_factor.has_second_factor(secretariat)


def test_passkeys_never_replace_the_password(settings):
    assert settings.OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN is False
    assert "django_otp_webauthn.backends.WebAuthnBackend" not in settings.AUTHENTICATION_BACKENDS
