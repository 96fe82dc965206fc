"""Site-wide views: home page, language switch, health check."""

import redis
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.utils import translation
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from iiz.http import safe_next_url
from iiz.middleware import touch


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "home.html", {"memberships": request.user.active_memberships})


@require_POST
def keep_alive(request: HttpRequest) -> HttpResponse:
    """ "Stay signed in" (static/js/session.js): the request itself renews the session."""
    touch(request)
    return HttpResponse(status=204)


@login_not_required
@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Switch the interface language; saved on the user, and in a cookie for the login page."""
    language = request.POST.get("language", "")
    next_url = safe_next_url(request, fallback="/")
    response = HttpResponseRedirect(next_url)
    if language not in dict(settings.LANGUAGES):
        return response
    if request.user.is_authenticated and request.user.language != language:
        request.user.language = language
        request.user.save(update_fields=["language"])
    translation.activate(language)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        secure=getattr(settings, "LANGUAGE_COOKIE_SECURE", False),
        httponly=True,
    )
    return response


def database_answers() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return False
    return True


def redis_answers(url: str) -> bool:
    try:
        client = redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)
        try:
            return bool(client.ping())
        finally:
            client.close()
    except redis.RedisError:
        return False


@login_not_required
@never_cache
@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    """The database and Redis, each "up" or "down" (Redis "not configured" without REDIS_URL).

    - ``ok`` (200): everything configured answers;
    - ``degraded`` (200): Redis is missing; the pages work (cache misses, tasks wait in no
      queue) but reminders and e-mails are not sent until it is back;
    - ``unavailable`` (503): the database is missing, no page works.
    docker-compose checks the web service through it: only a missing database marks it unhealthy.
    """
    body = {"database": "up" if database_answers() else "down"}
    if settings.IIZ_REDIS_URL:
        body["redis"] = "up" if redis_answers(settings.IIZ_REDIS_URL) else "down"
    else:
        body["redis"] = "not configured"
    if body["database"] == "down":
        return JsonResponse({"status": "unavailable", **body}, status=503)
    return JsonResponse({"status": "degraded" if body["redis"] == "down" else "ok", **body})
