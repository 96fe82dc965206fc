"""The user's own settings: interface language, how reminders and notifications arrive by e-mail,
and in which format."""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods, require_POST
from django_otp.plugins.otp_static.models import StaticDevice

from iiz.forms import SafeForm, SafeModelForm
from iiz.http import safe_next_url
from roles import second_factor
from roles.models import User


class PreferencesForm(SafeModelForm):
    class Meta:
        model = User
        fields = ["language", "reminder_delivery", "notification_delivery", "email_format"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["language"].required = True
        self.fields["language"].help_text = gettext_lazy("Language of the interface and of your e-mails.")
        self.fields["language"].choices = [choice for choice in self.fields["language"].choices if choice[0]]


@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    """Every logged-in user may change their own settings, and only their own."""
    form = PreferencesForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        translation.activate(request.user.language)
        messages.success(request, _("Your settings were saved."))
        return HttpResponseRedirect(reverse("preferences"))
    context = {
        "form": form,
        "has_second_factor": second_factor.has_second_factor(request.user),
        "second_factor_required": second_factor.is_required(request.user),
        "passkeys": second_factor.passkey_count(request.user),
    }
    return render(request, "roles/preferences.html", context)


# --- The second factor (roles/second_factor.py) --------------------------------------------------


class CodeForm(SafeForm):
    code = forms.CharField(
        label=gettext_lazy("Code"),
        max_length=32,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True, "spellcheck": "false"}),
    )


def _with_next(name: str, next_url: str | None) -> str:
    url = reverse(name)
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


@require_http_methods(["GET", "POST"])
def second_factor_verify(request: HttpRequest) -> HttpResponse:
    """After the password: the code of the authenticator app or a backup code (which then no
    longer works). The only page, with the enrolment, that a half-signed-in session reaches."""
    user = request.user
    next_url = safe_next_url(request, fallback=None)
    if second_factor.is_verified(request):
        return HttpResponseRedirect(next_url or reverse("home"))
    if not second_factor.has_second_factor(user):
        if second_factor.is_required(user):
            return HttpResponseRedirect(_with_next("second_factor_setup", next_url))
        request.session.pop(second_factor.PENDING_KEY, None)
        return HttpResponseRedirect(next_url or reverse("home"))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device, wait = second_factor.verify(request, form.cleaned_data["code"])
        if device is not None:
            if isinstance(device, StaticDevice):
                left = second_factor.backup_codes_left(user)
                messages.warning(
                    request,
                    ngettext(
                        "You signed in with a backup code; %(count)s backup code is left. You can make new ones in My settings.",
                        "You signed in with a backup code; %(count)s backup codes are left. You can make new ones in My settings.",
                        left,
                    )
                    % {"count": left},
                )
            return HttpResponseRedirect(next_url or reverse("home"))
        if wait:
            form.add_error(
                "code",
                ngettext(
                    "Too many wrong codes: try again in %(seconds)s second.",
                    "Too many wrong codes: try again in %(seconds)s seconds.",
                    wait,
                )
                % {"seconds": wait},
            )
        else:
            form.add_error("code", _("This code is not valid. Enter the current code of your app, or a backup code."))
    context = {"form": form, "next": next_url or "", "has_passkey": second_factor.has_passkey(user)}
    return render(request, "registration/second_factor_verify.html", context)


second_factor_verify.second_factor_exempt = True


@require_http_methods(["GET", "POST"])
def second_factor_setup(request: HttpRequest) -> HttpResponse:
    """Setting up the authenticator app: the secret as a QR code (and as text for entry by
    hand), confirmed by a first code; then the backup codes, shown this once."""
    user = request.user
    next_url = safe_next_url(request, fallback=None)
    if second_factor.has_second_factor(user) and not second_factor.is_verified(request):
        # A device exists: the code first (a new device replaces it only once signed in with it).
        return HttpResponseRedirect(_with_next("second_factor_verify", next_url))
    device = second_factor.start_enrolment(user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = second_factor.confirm_enrolment(request, device, form.cleaned_data["code"])
        if codes is not None:
            return render(
                request,
                "registration/second_factor_codes.html",
                {"codes": codes, "next": next_url or reverse("home"), "first": True},
            )
        form.add_error(
            "code", _("This code is not valid. Check that the time of your phone is right and enter the current code.")
        )
    context = {
        "form": form,
        "next": next_url or "",
        "qr_code": second_factor.qr_code_data_uri(device),
        "secret": second_factor.secret_for_manual_entry(device),
        "required": second_factor.is_required(user),
        "replacing": second_factor.has_second_factor(user),
    }
    return render(request, "registration/second_factor_setup.html", context)


second_factor_setup.second_factor_exempt = True


@require_POST
def second_factor_new_codes(request: HttpRequest) -> HttpResponse:
    """New backup codes from My settings (the earlier ones stop working), shown this once."""
    if not second_factor.has_second_factor(request.user):
        return HttpResponseRedirect(reverse("preferences"))
    codes = second_factor.new_backup_codes(request.user)
    return render(request, "registration/second_factor_codes.html", {"codes": codes, "next": reverse("preferences")})


@require_POST
def second_factor_remove(request: HttpRequest) -> HttpResponse:
    """A user who need not have a second factor may remove theirs; one who must cannot."""
    if second_factor.is_required(request.user):
        messages.error(request, _("Your role requires a second factor: it cannot be removed."))
    elif second_factor.reset(request.user):
        messages.success(request, _("The second factor was removed. You sign in with your password alone."))
    return HttpResponseRedirect(reverse("preferences"))
