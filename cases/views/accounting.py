"""The accounting pages (cases/accounting/): the cost shares (the officer), the costs, the
invoices with their filter and pages, an invoice with its steps and PDF, the open items and
the export for the canton's accounting. Each asks the policy first (403 for other roles),
then calls one action and redirects."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cases.accounting import actions, exports, figures
from cases.accounting.forms import CancelInvoiceForm, CostForm, CostSharesForm, InvoiceFilterForm, MakeInvoiceForm, PaidForm
from cases.actions import ActionRefused
from cases.documents import rendering
from cases.flow import policy
from cases.models import Case, Invoice
from cases.views import denied, forbidden
from cases.views.documents import pdf_response
from cases.views.paging import page_of

PAGE_SIZE = 25


def _refused(request: HttpRequest, error: ActionRefused, form=None) -> HttpResponse | None:
    """403 for the role; otherwise the reasons on the form (or as messages)."""
    if error.forbidden:
        return forbidden(request, error.reasons)
    for reason in error.reasons:
        if form is not None:
            form.add_error(None, reason)
        else:
            messages.error(request, reason)
    return None


@require_http_methods(["GET", "POST"])
def cost_shares(request: HttpRequest) -> HttpResponse:
    """The tables of shares (everyone of the accounting reads them; the officer sets them)."""
    if refusal := denied(request, "view_accounting"):
        return refusal
    may_set = policy.permits(request.user, "manage_cost_shares")
    form = CostSharesForm(request.POST or None) if may_set else None
    if request.method == "POST":
        if refusal := denied(request, "manage_cost_shares"):
            return refusal
        if form.is_valid():
            try:
                actions.set_cost_shares(by=request.user, valid_from=form.cleaned_data["valid_from"], shares=form.shares())
            except ActionRefused as error:
                if answer := _refused(request, error, form):
                    return answer
            else:
                messages.success(request, _("The cost shares were saved."))
                return redirect("cases:cost_shares")
    return render(request, "accounting/cost_shares.html", {"tables": figures.share_tables(), "form": form})


@require_http_methods(["GET", "POST"])
def costs(request: HttpRequest) -> HttpResponse:
    if refusal := denied(request, "view_accounting"):
        return refusal
    may_record = policy.permits(request.user, "record_costs")
    form = CostForm(request.POST or None) if may_record else None
    if request.method == "POST":
        if refusal := denied(request, "record_costs"):
            return refusal
        if form.is_valid():
            data = dict(form.cleaned_data)
            reference = data.pop("case_reference").strip()
            case = Case.objects.filter(reference=reference).first() if reference else None
            if reference and case is None:
                form.add_error("case_reference", _("No case has this reference."))
            else:
                try:
                    actions.record_cost(by=request.user, case=case, **data)
                except ActionRefused as error:
                    if answer := _refused(request, error, form):
                        return answer
                else:
                    messages.success(request, _("The cost was recorded."))
                    return redirect("cases:costs")
    page = page_of(request, figures.costs_list(), PAGE_SIZE)
    return render(request, "accounting/costs.html", {"page": page, "form": form})


@require_http_methods(["GET", "POST"])
def invoices(request: HttpRequest) -> HttpResponse:
    """The invoices, filtered by state, institution and year, paged; and the form that makes one."""
    if refusal := denied(request, "view_accounting"):
        return refusal
    may_make = policy.permits(request.user, "make_invoice")
    make_form = MakeInvoiceForm(request.POST or None, prefix="new") if may_make else None
    if request.method == "POST":
        if refusal := denied(request, "make_invoice"):
            return refusal
        if make_form.is_valid():
            try:
                invoice = actions.make_invoice(by=request.user, **make_form.cleaned_data)
            except ActionRefused as error:
                if answer := _refused(request, error, make_form):
                    return answer
            else:
                messages.success(request, _("Invoice %(number)s was made as a draft.") % {"number": invoice.number})
                return redirect("cases:invoice", pk=invoice.pk)
    filters = InvoiceFilterForm(request.GET or None)
    chosen = filters.cleaned_data if filters.is_bound and filters.is_valid() else {}
    rows = figures.invoices(
        state=chosen.get("state") or "",
        institution_id=chosen["institution"].pk if chosen.get("institution") else None,
        year=chosen.get("year"),
    )
    page = page_of(request, rows, PAGE_SIZE)
    return render(request, "accounting/invoices.html", {"page": page, "filters": filters, "make_form": make_form})


def _invoice(pk: int) -> Invoice:
    return get_object_or_404(Invoice.objects.select_related("institution", "created_by"), pk=pk)


@require_GET
def invoice(request: HttpRequest, pk: int) -> HttpResponse:
    if refusal := denied(request, "view_accounting"):
        return refusal
    invoice = _invoice(pk)
    context = {
        "invoice": invoice,
        "lines": list(invoice.lines.select_related("cost__case").order_by("cost__incurred_on", "cost_id")),
        "credit_note": getattr(invoice, "credit_note", None) if invoice.state == "cancelled" else None,
        "log": [(entry, actions.describe(entry)) for entry in invoice.log.select_related("user").order_by("at", "pk")],
        "may": {
            name: policy.permits(request.user, name)
            for name in ("send_invoice", "mark_invoice_paid", "cancel_invoice", "make_invoice")
        },
        "cancel_form": CancelInvoiceForm(),
        "paid_form": PaidForm(),
    }
    return render(request, "accounting/invoice.html", context)


@require_GET
def invoice_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    if refusal := denied(request, "view_accounting"):
        return refusal
    invoice = _invoice(pk)
    return pdf_response(rendering.render_invoice(invoice), f"{_('invoice')}-{invoice.number}.pdf")


STEPS = {
    "send": ("send_invoice", _("The invoice was sent: it can no longer be edited.")),
    "paid": ("mark_invoice_paid", _("The payment was recorded.")),
    "cancel": ("cancel_invoice", _("The invoice was cancelled.")),
    "remove_line": ("make_invoice", _("The position was taken off the invoice.")),
}


@require_POST
def invoice_step(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    """Send, mark paid, cancel, or take a position off a draft."""
    if step not in STEPS:
        raise Http404
    name, done = STEPS[step]
    if refusal := denied(request, name):
        return refusal
    invoice = _invoice(pk)
    try:
        if step == "send":
            actions.send_invoice(invoice, by=request.user)
        elif step == "paid":
            form = PaidForm(request.POST)
            actions.mark_invoice_paid(
                invoice, by=request.user, paid_on=form.cleaned_data["paid_on"] if form.is_valid() else timezone.localdate()
            )
        elif step == "cancel":
            form = CancelInvoiceForm(request.POST)
            actions.cancel_invoice(
                invoice,
                by=request.user,
                reason=form.data.get("reason", "") if not form.is_valid() else form.cleaned_data["reason"],
            )
        else:
            line_id = request.POST.get("line", "")
            actions.remove_invoice_line(invoice, by=request.user, line_id=int(line_id) if line_id.isdigit() else 0)
    except ActionRefused as error:
        if answer := _refused(request, error):
            return answer
    else:
        messages.success(request, str(done))
    return redirect("cases:invoice", pk=invoice.pk)


@require_GET
def open_items(request: HttpRequest) -> HttpResponse:
    if refusal := denied(request, "view_accounting"):
        return refusal
    today = timezone.localdate()
    items = list(figures.open_items(today))
    return render(request, "accounting/open_items.html", {"items": items, "total": figures.open_total(items), "today": today})


@require_GET
def accounting_export(request: HttpRequest, fmt: str) -> HttpResponse:
    if refusal := denied(request, "view_accounting"):
        return refusal
    year = request.GET.get("year", "")
    return exports.export(fmt, int(year) if year.isdigit() and len(year) == 4 else None)
