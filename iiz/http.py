"""Helpers for requests and responses used by the views of every app."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme


def safe_next_url(request: HttpRequest, fallback: str | None) -> str | None:
    """The ``next`` parameter (POST, then GET) when it is a path of this site, else ``fallback``.

    Only an absolute local path is taken ("/cases/…"): no other host or scheme, and no relative
    name either ("x"), which a redirect would try to resolve as a URL name.
    """
    target = request.POST.get("next") or request.GET.get("next") or ""
    if (
        target.startswith("/")
        and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure())
        and not target.startswith(("//", "/\\"))
    ):
        return target
    return fallback
