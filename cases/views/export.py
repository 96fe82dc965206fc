"""The right of access (art. 25 revised FADP / nDSG): the cantonal officer exports everything
recorded about one person, as JSON or as a PDF, to answer the person's request.

Every export is written to the access log of each of the person's cases.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone, translation
from django.utils.cache import patch_cache_control
from django.utils.http import content_disposition_header
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_GET

from cases.audit.access import log_access_many
from cases.documents import rendering, subject_access
from cases.flow import policy
from cases.models import AccessKind, Case, Person
from cases.views import forbidden

FORMATS = {"json": "application/json", "pdf": "application/pdf"}

# The "detail" of the access-log entries (stored in English, shown translated).
LOGGED_EXPORTS = {
    "json": gettext_noop("right of access export (json)"),
    "pdf": gettext_noop("right of access export (pdf)"),
}


def export_filename(person: Person, fmt: str) -> str:
    """e.g. "auskunft-zurcher-helene-2025-03-14.pdf" (ASCII, the date of today)."""
    prefix = _("right of access")
    stem = slugify(f"{prefix} {person.last_name} {person.first_name} {timezone.localdate().isoformat()}")
    return f"{stem}.{fmt}"


@require_GET
def person_export(request: HttpRequest, person_pk: int, fmt: str) -> HttpResponse:
    """Everything recorded about one person (the person, each case with all its records,
    the documents, the change history and the access log), as JSON or PDF, in the officer's
    interface language. Only the cantonal officer; anyone else who may see one of the
    person's cases gets 403, everyone else 404."""
    if fmt not in FORMATS:
        raise Http404
    person = get_object_or_404(Person, pk=person_pk)
    user = request.user
    decision = policy.may(user, "export_person")
    if not decision:
        if Case.objects.visible_to(user).filter(person=person).exists():
            return forbidden(request, list(decision.reasons))
        raise Http404
    language = translation.get_language()
    data = subject_access.collect(person)
    if fmt == "pdf":
        body = rendering.render_subject_access(data, language=language)
    else:
        body = subject_access.to_json(data)
    log_access_many(request, person.cases.all(), AccessKind.EXPORT, LOGGED_EXPORTS[fmt])
    response = HttpResponse(body, content_type=FORMATS[fmt])
    response.headers["Content-Disposition"] = content_disposition_header(True, export_filename(person, fmt))
    patch_cache_control(response, private=True, no_store=True)
    return response
