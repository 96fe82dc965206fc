"""Context for every page."""

from django.conf import settings


def session(request):
    """The idle timeout, for the warning before it ends (templates/_session_warning.html)."""
    return {"session_idle_seconds": settings.IIZ_SESSION_IDLE_SECONDS}
