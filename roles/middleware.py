"""Interface language from the user's saved choice; the second factor before any page."""

from urllib.parse import urlencode

from django.http import HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import translation


class UserLanguageMiddleware:
    """Activate the signed-in user's saved language (runs after authentication).

    Anonymous users get what LocaleMiddleware chose: the language cookie, else the browser.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.language:
            translation.activate(user.language)
            request.LANGUAGE_CODE = user.language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", translation.get_language())
        return response


class SecondFactorMiddleware:
    """After the password, the code: a signed-in session that still owes a second factor
    (roles/second_factor.py) reaches only the verification and enrolment pages, logout and
    the public pages; every other request goes to the verification page, which sends a user
    without a device who must have one on to the enrolment."""

    # Views a half-signed-in session may use besides the public ones (login_not_required) and
    # the verification and enrolment (marked ``second_factor_exempt``).
    # The passkey's verification (django-otp-webauthn) signs the session in with the passkey.
    ALLOWED = {
        "logout",
        "admin:logout",
        "otp_webauthn:credential-authentication-begin",
        "otp_webauthn:credential-authentication-complete",
        "otp_webauthn:js-i18n-catalog",
    }

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        from roles import second_factor

        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not getattr(view_func, "login_required", True):
            return None
        if getattr(view_func, "second_factor_exempt", False):
            return None
        if request.resolver_match is not None and request.resolver_match.view_name in self.ALLOWED:
            return None
        if second_factor.is_verified(request):
            return None
        if not (request.session.get(second_factor.PENDING_KEY) or second_factor.is_required(user)):
            return None
        target = f"{reverse('second_factor_verify')}?{urlencode({'next': request.get_full_path()})}"
        if getattr(request, "htmx", False):
            return HttpResponse(status=204, headers={"HX-Redirect": target})
        return HttpResponseRedirect(target)
