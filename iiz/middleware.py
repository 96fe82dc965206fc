"""Site-wide middleware: the idle timeout of a session and no caching of signed-in pages."""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control
from django.utils.translation import ngettext

SEEN_KEY = "iiz_last_seen"
# The last request is written to the session at most once a minute, so that a page does not
# pay a session write for every request; the timeout is exact to within that minute.
RENEW_AFTER_SECONDS = 60


def touch(request: HttpRequest) -> None:
    """The user is active now (a request, the login, the "stay signed in" button)."""
    request.session[SEEN_KEY] = int(time.time())


@receiver(user_logged_in)
def _seen_at_login(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        touch(request)


class IdleTimeoutMiddleware:
    """Signs out a user who made no request for ``IIZ_SESSION_IDLE_SECONDS`` (sliding: each
    request renews it). The next page is then the login page, which says why. The page warns
    a minute before and offers to stay signed in (static/js/session.js, iiz.views.keep_alive)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            seen = request.session.get(SEEN_KEY)
            now = int(time.time())
            idle = settings.IIZ_SESSION_IDLE_SECONDS
            if seen is not None and now - seen > idle:
                logout(request)
                minutes = idle // 60
                messages.info(
                    request,
                    ngettext(
                        "You were signed out after %(minutes)s minute without activity.",
                        "You were signed out after %(minutes)s minutes without activity.",
                        minutes,
                    )
                    % {"minutes": minutes},
                )
            elif seen is None or now - seen >= RENEW_AFTER_SECONDS:
                touch(request)
        return self.get_response(request)


class NoStoreForSignedInMiddleware:
    """Nothing a signed-in user sees is kept by the browser or a proxy: every response to a
    signed-in user (case pages, exports, PDFs, files) gets ``no-store, private`` added to its
    ``Cache-Control`` (a view's own directives are kept; ``public`` gives way to ``private``)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            patch_cache_control(response, no_store=True, private=True)
        return response
