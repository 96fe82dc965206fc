"""The second factor (django-otp): who must use one, enrolment, verification, backup codes, reset.

A user signs in with the password, then with a code: from an authenticator app (TOTP, RFC
6238) or one of ten single-use backup codes (django-otp's static device), or with a passkey
where the browser offers one (django-otp-webauthn: registered in My settings, verified on the
code page; it counts as a second factor like the app). Until the code is
given, the session is "half signed in": roles/middleware.py lets it reach only the pages of
this module and the public ones. Who must set up a second factor is one setting,
``IIZ_OTP_REQUIRED_ROLES`` (role names, and ``staff`` for everyone with the admin); anyone
else may set one up in "My settings", and is then asked for a code at each login too.

A password reset only sets the password: it signs nobody in (Django's reset view without
``post_reset_login``), so the next login asks for the code as always. Wrong codes slow down
the next tries (django-otp's throttling: 1, 2, 4, 8 ... seconds).
"""

from __future__ import annotations

import logging
from base64 import b32encode

import django_otp
import segno
from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.http import HttpRequest
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from roles.models import User

logger = logging.getLogger("iiz.security")

BACKUP_CODE_COUNT = 10
STAFF = "staff"  # in IIZ_OTP_REQUIRED_ROLES: everyone with the admin (is_staff)
# Set at login when the user has a confirmed device (or must set one up): the session must
# give a code before anything else. Kept in the session so that pages need no extra query.
PENDING_KEY = "iiz_second_factor_pending"


def is_required(user: User) -> bool:
    """Whether ``user`` must use a second factor (``IIZ_OTP_REQUIRED_ROLES``)."""
    required = settings.IIZ_OTP_REQUIRED_ROLES
    if not required:
        return False
    if STAFF in required and (user.is_staff or user.is_superuser):
        return True
    return user.has_role(*required)


def confirmed_device(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def has_passkey(user: User) -> bool:
    return WebAuthnCredential.objects.filter(user=user, confirmed=True).exists()


def passkey_count(user: User) -> int:
    return WebAuthnCredential.objects.filter(user=user, confirmed=True).count()


def has_second_factor(user: User) -> bool:
    """An authenticator app or a passkey (the backup codes only stand in for them)."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists() or has_passkey(user)


def has_second_factor_expression() -> Exists:
    """``has_second_factor`` as an annotation of a user queryset (the admin's list)."""
    return Exists(TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)) | Exists(
        WebAuthnCredential.objects.filter(user=OuterRef("pk"), confirmed=True)
    )


def is_verified(request: HttpRequest) -> bool:
    return bool(getattr(request.user, "is_verified", lambda: False)())


def start_enrolment(user: User) -> TOTPDevice:
    """The user's device being set up (not confirmed yet): the same secret across page loads,
    until a first code confirms it."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Authenticator", confirmed=False)
    return device


@transaction.atomic
def confirm_enrolment(request: HttpRequest, device: TOTPDevice, token: str) -> list[str] | None:
    """Confirms ``device`` with its first ``token`` and signs the session in with it; returns the
    new backup codes (shown once), or None when the code is wrong."""
    if not device.verify_token(token.strip().replace(" ", "")):
        return None
    TOTPDevice.objects.filter(user=device.user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = new_backup_codes(device.user)
    django_otp.login(request, device)
    request.session.pop(PENDING_KEY, None)
    logger.info("second factor set up by %s", device.user.get_username())
    return codes


@transaction.atomic
def new_backup_codes(user: User) -> list[str]:
    """Ten new single-use backup codes; the earlier ones stop working."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name="Backup codes", confirmed=True)
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def backup_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def verify(request: HttpRequest, token: str) -> tuple[TOTPDevice | StaticDevice | None, int]:
    """Checks ``token`` for the signed-in user: six digits against the app, anything else
    against the backup codes (a code used stops working). On success the session is verified.
    Returns the device that took it (or None) and, when wrong codes were given just before,
    the seconds to wait before a code is checked at all."""
    token = token.strip().replace(" ", "").lower()
    user = request.user
    model = TOTPDevice if token.isdigit() and len(token) <= 8 else StaticDevice
    device = model.objects.filter(user=user, confirmed=True).first()
    if device is None:
        return None, 0
    allowed, data = device.verify_is_allowed()
    if not allowed:
        locked_until = (data or {}).get("locked_until")
        wait = int((locked_until - timezone.now()).total_seconds()) + 1 if locked_until else 1
        return None, max(1, wait)
    if device.verify_token(token):
        django_otp.login(request, device)
        request.session.pop(PENDING_KEY, None)
        return device, 0
    logger.warning("wrong second-factor code for %s", user.get_username())
    return None, 0


@transaction.atomic
def reset(user: User) -> bool:
    """Removes every device and backup code of ``user`` (the officer's reset: a lost phone).
    The user sets up a new one at the next page if required. Returns whether there was one."""
    removed = (
        TOTPDevice.objects.filter(user=user).delete()[0]
        + StaticDevice.objects.filter(user=user).delete()[0]
        + WebAuthnCredential.objects.filter(user=user).delete()[0]
    )
    return bool(removed)


def secret_for_manual_entry(device: TOTPDevice) -> str:
    """The base32 secret in groups of four, as authenticator apps take it by hand."""
    secret = b32encode(device.bin_key).decode()
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def qr_code_data_uri(device: TOTPDevice) -> str:
    """The otpauth:// URI of ``device`` as an SVG QR code in a data: URI (the CSP allows data:
    images, and the secret never leaves the page)."""
    return segno.make(device.config_url, error="m").svg_data_uri(scale=5, border=2)
