"""The secretariat's print queue (cases/documents/printqueue.py) and the letterhead of the documents.

- ``print_queue``: the documents of every case waiting to be printed, signed or sent; the
  ones selected are downloaded as one PDF (each written to the access log of its case) or
  marked "printed" / "sent" (the journal of each case says so). Each kind of document is
  paged on its own (two queries each: its count and its page). Secretariat and cantonal
  officer; 403 for the other roles.
- ``letterhead``: the cantonal officer edits the letterhead of every PDF, with a preview
  in German and in French; 403 for the other roles.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods

from cases import actions
from cases.actions import ActionRefused
from cases.audit.access import log_access
from cases.documents import printqueue, rendering
from cases.documents.uploads import LetterheadForm
from cases.flow import policy
from cases.models import AccessKind, Letterhead, PrintDocument, PrintMarkKind
from cases.views import denied, forbidden
from cases.views.documents import pdf_response
from cases.views.paging import page_of

# Documents per page, in each section (query parameter: the kind of document).
QUEUE_PAGE_SIZE = 50

SECTION_TITLES = {
    PrintDocument.PLAN: gettext_lazy("Action plans to print for signature"),
    PrintDocument.CLOSURE_LETTER: gettext_lazy("Closure letters to send"),
    PrintDocument.POA_FORM: gettext_lazy("Power of attorney forms (missing or ending soon)"),
}


@require_http_methods(["GET", "POST"])
def print_queue(request: HttpRequest) -> HttpResponse:
    if refusal := denied(request, "use_print_queue"):
        return refusal
    if request.method == "POST":
        return _act_on_selection(request)
    sections = []
    for kind, rows in printqueue.waiting(request.user).items():
        page = page_of(request, rows, QUEUE_PAGE_SIZE, kind)
        items = [printqueue.ITEM[kind](row) for row in page.object_list]
        sections.append((kind, SECTION_TITLES[kind], items, page))
    return render(
        request,
        "cases/print_queue.html",
        {
            "sections": sections,
            "total": sum(page.paginator.count for *_rest, page in sections),
            "max_selection": printqueue.MAX_SELECTION,
            "may_edit_letterhead": policy.permits(request.user, "edit_letterhead"),
        },
    )


def _act_on_selection(request: HttpRequest) -> HttpResponse:
    """Download the selection as one PDF, or mark it printed or sent."""
    items = printqueue.selected(request.user, request.POST.getlist("item"))
    what = request.POST.get("do", "")
    if not items:
        messages.error(request, _("Select at least one document."))
        return redirect("cases:print_queue")
    if what == "pdf":
        if len(items) > printqueue.MAX_SELECTION:
            messages.error(request, _("Select at most %(count)s documents for one PDF.") % {"count": printqueue.MAX_SELECTION})
            return redirect("cases:print_queue")
        pdf = printqueue.merged_pdf(items)
        for item in items:
            log_access(request, item.case, AccessKind.DOWNLOAD, item.download_detail)
        name = _("print-queue")
        return pdf_response(pdf, f"{name}-{timezone.localdate():%Y-%m-%d}.pdf")
    if what not in PrintMarkKind.values:
        messages.error(request, _("Choose what to do with the documents selected."))
        return redirect("cases:print_queue")
    try:
        actions.mark_documents(items, by=request.user, mark=what)
    except ActionRefused as error:
        return forbidden(request, error.reasons)
    messages.success(
        request,
        ngettext(
            "%(count)s document marked as %(mark)s.",
            "%(count)s documents marked as %(mark)s.",
            len(items),
        )
        % {"count": len(items), "mark": PrintMarkKind(what).label},
    )
    return redirect("cases:print_queue")


def _default_letterhead() -> Letterhead:
    """The letterhead the documents use until the officer saves one (defaults and setting)."""
    de, fr = rendering.letterhead("de"), rendering.letterhead("fr")
    return Letterhead(
        name_de=de["name"],
        name_fr=fr["name"],
        office_de=de.get("office", ""),
        office_fr=fr.get("office", ""),
        address_de="\n".join(de.get("address", [])),
        address_fr="\n".join(fr.get("address", [])),
        place_de=de.get("place", ""),
        place_fr=fr.get("place", ""),
        phone=de.get("phone", ""),
        email=de.get("email", ""),
        web=de.get("web", ""),
    )


@require_http_methods(["GET", "POST"])
def letterhead(request: HttpRequest) -> HttpResponse:
    """The cantonal officer's letterhead page; ``?preview=de`` or ``fr``: a sample page."""
    if refusal := denied(request, "edit_letterhead"):
        return refusal
    preview = request.GET.get("preview")
    if request.method == "GET" and preview in ("de", "fr"):
        return pdf_response(rendering.render_letterhead_preview(language=preview), f"letterhead-{preview}.pdf")
    row = Letterhead.objects.first()
    saved = row is not None
    form = LetterheadForm(request.POST or None, request.FILES or None, instance=row or _default_letterhead())
    reasons: list[str] = []
    if request.method == "POST" and form.is_valid():
        try:
            actions.save_letterhead(
                form.instance, by=request.user, logo=form.cleaned_data["new_logo"], remove_logo=form.cleaned_data["remove_logo"]
            )
        except ActionRefused as error:
            if error.forbidden:
                return forbidden(request, error.reasons)
            reasons = error.reasons
        else:
            messages.success(request, _("The letterhead was saved: every document printed from now on uses it."))
            return redirect("cases:letterhead")
    return render(
        request,
        "cases/letterhead.html",
        {
            "form": form,
            "reasons": reasons,
            "saved": saved,
            "letterhead": form.instance,
            "invalid": request.method == "POST" and not form.is_valid(),
        },
    )
