"""Every PDF the application produces, rendered in one place with WeasyPrint.

A document is a Django template under ``templates/pdf/`` that extends ``pdf/base.html``
(A4 page, the letterhead, the document date, page numbers "Seite 1 von 3" / "page 1 de 3"
in the footer). :func:`render_pdf` renders it in the language asked for (the person's
language for letters, the officer's interface language for internal documents) and
returns the bytes; each kind of document has its own small ``render_*`` function below
that prepares the context.

Output is the same on every machine: the font is shipped with the project
(``static/fonts``, DejaVu Sans, declared with ``@font-face`` in ``static/pdf/pdf.css``),
and the only resources a document can load are the project's own static files. The
:class:`StaticFilesFetcher` resolves them through the staticfiles finders and refuses
everything else (http, https, ftp, file paths, ...): rendering never opens a network
connection and never reads a file outside the static folders, whatever a template or a
stylesheet names.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import io
import logging
import mimetypes
import posixpath
import re
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.template.loader import render_to_string
from django.utils import formats, timezone, translation
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, gettext_lazy, pgettext_lazy
from pypdf import PdfWriter
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

logger = logging.getLogger(__name__)

# The default letterhead of every document, until the cantonal officer sets one in the
# application (cases.models.Letterhead). A value is either one text for both languages or
# a dict {"de": ..., "fr": ...}. The Django setting IIZ_LETTERHEAD (a dict) overrides any
# of these keys.
LETTERHEAD: dict[str, Any] = {
    "name": "Kanton Wallis / Canton du Valais — IIZ / CII",
    "office": {
        "de": "Kantonale Stelle für interinstitutionelle Zusammenarbeit (IIZ)",
        "fr": "Office cantonal de la collaboration interinstitutionnelle (CII)",
    },
    "address": ["Postfach / Case postale", "1950 Sitten / Sion"],
    "place": {"de": "Sitten", "fr": "Sion"},
    "phone": "",
    "email": "",
    "web": "www.vs.ch",
    "logo": "img/logo.svg",
}

# Where relative and "/static/..." URLs of a document point to. The host is under the
# reserved ".invalid" domain (RFC 6761), which no resolver answers; the fetcher maps these
# URLs to the static files itself and never opens a connection.
STATIC_ORIGIN = "https://static.iiz.invalid"


class ResourceRefused(ValueError):
    """A document asked for something that is not one of the project's static files."""


def static_base_url() -> str:
    """The base URL of every document: relative URLs resolve against the static files."""
    return STATIC_ORIGIN + _static_prefix()


def _static_prefix() -> str:
    """The path part of STATIC_URL, with slashes around it ("/static/")."""
    path = urlsplit(settings.STATIC_URL).path or "/"
    return "/" + path.strip("/") + "/" if path.strip("/") else "/"


def static_name(url: str) -> str | None:
    """The static file name ("img/logo.svg") a document URL stands for, or None when the
    URL points anywhere else. Accepted: URLs under the documents' base URL, under
    STATIC_URL (also when it is absolute, as ``{% static %}`` writes it), and the path
    "/static/..." itself."""
    candidates = [static_base_url(), _static_prefix()]
    if "://" in settings.STATIC_URL:
        candidates.append(settings.STATIC_URL.rstrip("/") + "/")
    for prefix in candidates:
        if url.startswith(prefix):
            rest = urlsplit(url[len(prefix) :]).path  # without query and fragment
            name = posixpath.normpath(unquote(rest))
            if name in ("", ".") or name.startswith(("../", "/")) or name == "..":
                return None
            return name
    return None


def find_static_file(name: str) -> Path | None:
    """The file of a static name: from the finders (the source folders), else from the
    collected files (hashed names written by ``{% static %}`` in production)."""
    try:
        found = finders.find(name)
    except SuspiciousFileOperation:
        return None
    if found:
        return Path(found)
    try:
        if staticfiles_storage.exists(name):
            return Path(staticfiles_storage.path(name))
    except (SuspiciousFileOperation, NotImplementedError, OSError):
        return None
    return None


class StaticFilesFetcher(URLFetcher):
    """WeasyPrint's URL fetcher for our documents: serves the project's static files and
    ``data:`` URLs; refuses everything else by raising :class:`ResourceRefused`."""

    def __init__(self) -> None:
        # data: is decoded by the parent class; it may open no other protocol.
        super().__init__(allowed_protocols={"data"}, allow_redirects=False)

    def fetch(self, url: str, headers=None) -> URLFetcherResponse:
        if url.startswith("data:"):
            return super().fetch(url, headers)
        name = static_name(url)
        if name is None:
            logger.warning("PDF resource refused (not a static file): %s", url[:200])
            raise ResourceRefused(f"Only the project's static files may be loaded, not {url[:200]!r}")
        path = find_static_file(name)
        if path is None or not path.is_file():
            logger.warning("PDF resource not found among the static files: %s", name)
            raise ResourceRefused(f"No static file {name!r}")
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, body=path.read_bytes(), headers={"Content-Type": content_type})


def letterhead(language: str) -> dict[str, Any]:
    """The letterhead values in ``language``: those the officer set (Letterhead) when there
    are any, else the defaults above overridden by IIZ_LETTERHEAD. ``logo_src`` is the
    logo's URL for the document: a static file, or the uploaded logo as a data: URL (read
    through the storage, so rendering never fetches anything)."""
    from cases.models import Letterhead

    values = {**LETTERHEAD, **getattr(settings, "IIZ_LETTERHEAD", {})}

    def pick(value):
        if isinstance(value, dict):
            return value.get(language) or value.get(settings.LANGUAGE_CODE) or next(iter(value.values()), "")
        return value

    picked = {key: pick(value) for key, value in values.items()}
    picked["logo_src"] = static_base_url() + picked["logo"] if picked.get("logo") else ""
    row = Letterhead.objects.first()
    if row is not None:
        return letterhead_of(row, language, default_logo_src=picked["logo_src"])
    return picked


def letterhead_of(row, language: str, *, default_logo_src: str = "") -> dict[str, Any]:
    """The values of the officer's letterhead ``row`` in ``language`` (without an uploaded
    logo, the default one)."""
    suffix = "fr" if language == "fr" else "de"

    def text(name: str) -> str:
        return getattr(row, f"{name}_{suffix}") or getattr(row, f"{name}_de")

    return {
        "name": text("name"),
        "office": text("office"),
        "address": [line.strip() for line in text("address").splitlines() if line.strip()],
        "place": text("place"),
        "phone": row.phone,
        "email": row.email,
        "web": row.web,
        "logo": row.logo.name if row.logo else "",
        "logo_src": _logo_data_url(row) or default_logo_src,
    }


def _logo_data_url(row) -> str:
    """The uploaded logo as a ``data:`` URL (empty when there is none or it cannot be read)."""
    if not row.logo or row.logo_type not in ("image/png", "image/jpeg"):
        return ""
    try:
        with row.logo.open("rb") as file:
            data = file.read()
    except (OSError, ValueError):
        logger.warning("The letterhead's logo %s cannot be read; documents are printed without it.", row.logo.name)
        return ""
    return f"data:{row.logo_type};base64,{base64.b64encode(data).decode('ascii')}"


def _css_string(text: str) -> str:
    """A CSS string literal (quotes and backslashes escaped, no line breaks)."""
    cleaned = re.sub(r"\s+", " ", text).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{cleaned}"'


def page_counter_content() -> SafeString:
    """The CSS ``content`` value of the footer's page numbers in the active language, e.g.
    ``"Seite " counter(page) " von " counter(pages)``."""
    text = gettext("Page %(page)s of %(pages)s")
    marked = text % {"page": "\x00page\x00", "pages": "\x00pages\x00"}
    parts = []
    for piece in marked.split("\x00"):
        if piece in ("page", "pages"):
            parts.append(f"counter({piece})")
        elif piece:
            parts.append(_css_string(piece))
    return mark_safe(" ".join(parts))


# A run of text without a break opportunity: characters (an HTML entity counts as one) that are
# not spaces and not markup.
_UNBROKEN_RUN = re.compile(r"(?:&#?\w+;|[^\s<>&\u200b]){40,}")
_TEXT_BETWEEN_TAGS = re.compile(r"(<style\b.*?</style>)|>([^<]+)<", re.DOTALL)


def breakable(html: str, every: int = 40) -> str:
    """``html`` with a zero-width space after every ``every`` characters of a long run without
    spaces in its text (never in tags or the style sheet).

    WeasyPrint's layout time grows steeply with the length of an unbreakable word (84 s for a
    note of 20,000 characters without a space); the style sheet's ``overflow-wrap: anywhere``
    makes it wrap but does not make it fast. With break opportunities every few characters
    the line breaking stays linear, and the text reads the same."""
    token = re.compile(r"&#?\w+;|.", re.DOTALL)

    def cut(run: re.Match) -> str:
        tokens = token.findall(run.group(0))
        return "\u200b".join("".join(tokens[i : i + every]) for i in range(0, len(tokens), every))

    def text(match: re.Match) -> str:
        if match.group(1):
            return match.group(1)
        return ">" + _UNBROKEN_RUN.sub(cut, match.group(2)) + "<"

    return _TEXT_BETWEEN_TAGS.sub(text, html)


def render_pdf(template_name: str, context: dict[str, Any], *, language: str) -> bytes:
    """Render the template ``template_name`` (extending ``pdf/base.html``) as a PDF in
    ``language``. The context gets ``letterhead`` and ``document_date`` (today) unless given,
    ``language`` and ``page_counter``."""
    return _write_pdf(_document_html(template_name, context, language=language))


def _document_html(template_name: str, context: dict[str, Any], *, language: str) -> str:
    """The HTML that :func:`render_pdf` lays out: everything the PDF shows is in it."""
    with translation.override(language):
        full_context = {
            "document_date": timezone.localdate(),
            **context,
            "language": language,
            "page_counter": page_counter_content(),
        }
        if "letterhead" not in full_context:  # a letter brings it with its frame
            full_context["letterhead"] = letterhead(language)
        return breakable(render_to_string(template_name, full_context))


def _write_pdf(html: str) -> bytes:
    """Lay the document out (WeasyPrint): the costly part, some hundred milliseconds a page."""
    document = HTML(string=html, base_url=static_base_url(), url_fetcher=StaticFilesFetcher())
    return document.write_pdf()


# --- the documents ----------------------------------------------------------------------------


def render_subject_access(data: dict[str, Any], *, language: str, document_date: datetime.date | None = None) -> bytes:
    """The right-of-access export of one person (art. 25 revised FADP) as a PDF: the
    dict of :func:`cases.documents.subject_access.collect`, read by the officer (in the officer's
    interface language) before it is handed to the person."""
    context: dict[str, Any] = {
        "title": gettext_lazy("Right of access: personal data recorded"),
        "data": data,
        "person": data["person"],
        "cases": data["cases"],
    }
    if document_date is not None:
        context["document_date"] = document_date
    return render_pdf("pdf/subject_access.html", context, language=language)


# --- documents of a case, in the person's correspondence language -------------------------------

# How a letter greets the person, by correspondence language and sex (cases.Sex): the
# conventions of each language, not translations of one another.
SALUTATIONS: dict[str, dict[str, str]] = {
    "de": {"f": "Sehr geehrte Frau {last_name}", "m": "Sehr geehrter Herr {last_name}", "x": "Guten Tag {full_name}"},
    "fr": {"f": "Madame,", "m": "Monsieur,", "x": "Madame, Monsieur,"},
}


def person_language(case) -> str:
    """The correspondence language of the case's person (German when unknown): the language
    of every document of the case, and so of the catalogue names it shows (measures,
    institutions, the letterhead), which the models give in the active language."""
    language = case.person.language
    return language if language in SALUTATIONS else "de"


def salutation(person, language: str) -> str:
    """The salutation of a letter to ``person`` in ``language``."""
    forms = SALUTATIONS.get(language, SALUTATIONS["de"])
    return forms.get(person.sex, forms["x"]).format(last_name=person.last_name, full_name=person.full_name)


def _case_context(case) -> dict[str, Any]:
    return {"case": case, "person": case.person, "institutions": list(case.institutions.all())}


def render_action_plan(plan) -> bytes:
    """One version of the action plan (Zielvereinbarung / plan d'action), for the person and
    the case manager to sign: goals, measures (a catalogue measure under the catalogue's name
    in the person's language, with its employer), the person's resources data sheet (as it
    stands now), who submitted it and who validated or sent it back (CII101 step 5), and the
    signature blocks."""
    return _write_pdf(_action_plan_html(plan))


def _action_plan_html(plan) -> str:
    case = plan.case
    context = {
        **_case_context(case),
        "title": pgettext_lazy("document title", "Action plan"),
        "plan": plan,
        "goals": list(plan.goals.all()),
        "measures": list(plan.measures.select_related("responsible_institution", "catalogue_measure", "employer_contact")),
        "resources_sheet": case.records.resources_sheet,
    }
    return _document_html("pdf/action_plan.html", context, language=person_language(case))


def action_plan_pdf(plan) -> bytes:
    """The PDF of :func:`render_action_plan`, laid out once for a version that is no longer
    edited and kept in the storage (``plan.pdf``); a draft is laid out each time.

    The stored PDF is served while the document it was laid out from is the same: its
    HTML's digest is kept with it (``plan.pdf_digest``). The HTML holds everything the PDF
    shows (the version, its status, the resources data sheet as it stands now, the person,
    the letterhead, the document's date, the person's language, which is the document's
    whatever the reader's), so a change to any of these lays it out again, and a reader in
    another language gets the same file. Anonymisation (cases/retention) erases both fields
    and deletes the file."""
    html = _action_plan_html(plan)
    if plan.is_editable:
        return _write_pdf(html)
    digest = hashlib.sha256(html.encode()).hexdigest()
    if plan.pdf and plan.pdf_digest == digest:
        try:
            with plan.pdf.open("rb") as file:
                return file.read()
        except OSError:
            logger.warning("The stored PDF %s of plan %s cannot be read; it is laid out again.", plan.pdf.name, plan.pk)
    pdf = _write_pdf(html)
    _keep_plan_pdf(plan, pdf, digest)
    return pdf


def _keep_plan_pdf(plan, pdf: bytes, digest: str) -> None:
    """Store ``pdf`` as the plan's PDF in place of the one it had, unless another request
    stored one meanwhile (then this one is deleted): the row never names a file that is not
    kept, and no kept file is left without a row. A copy of what the version shows, not a
    change to it: no change history, no journal, and the figures' cache stays valid
    (``QuerySet.update`` sends no signal)."""
    from cases.models import ActionPlan
    from cases.models.plans import plan_pdf_name

    before = plan.pdf.name or ""
    name = default_storage.save(plan_pdf_name(plan, ""), ContentFile(pdf))
    stored = ActionPlan.objects.filter(pk=plan.pk, pdf=before).update(pdf=name, pdf_digest=digest)
    if not stored:
        default_storage.delete(name)
        return
    if before:
        default_storage.delete(before)
    plan.pdf.name, plan.pdf_digest = name, digest


def render_exit_report(report) -> bytes:
    """The exit report (Austrittsbilanz / bilan de sortie): the outcome and the support's summary."""
    case = report.case
    context = {**_case_context(case), "title": gettext_lazy("Exit report"), "report": report}
    return render_pdf("pdf/exit_report.html", context, language=person_language(case))


# --- letters: a frame around a body ---------------------------------------------------------------
#
# A letter is assembled from two parts that never repeat each other. The frame is printed
# by the letter's template: the letterhead, the sender line and the recipient's address in
# the envelope window, place and date, the subject and our reference, the salutation, the
# closing formula and the signature (the signing user and the office of the letterhead).
# The body is the paragraphs in between, and only those: it is what the user edits, and
# its pre-filled text holds no part of the frame.


def closure_letter_frame(case, *, signer, date: datetime.date) -> dict[str, Any]:
    """The frame of the closure letter to the case's person, in the person's language,
    signed by ``signer`` on ``date``."""
    language = person_language(case)
    with translation.override(language):
        head = letterhead(language)
        day = formats.date_format(date, "DATE_FORMAT")
        frame = {
            "language": language,
            "letterhead": head,
            "date": date,
            "recipient": case.person.address_lines,
            "date_line": f"{head['place']}, {day}" if head["place"] else day,
            "subject": gettext("Closure of your IIZ support"),
            "reference": gettext("Our reference: %(reference)s") % {"reference": case.reference},
            "salutation": salutation(case.person, language),
            "closing": gettext("Kind regards"),
            "signature": [line for line in (str(signer), head["office"]) if line],
        }
    # What a body could repeat on a line of its own, and must not (cases.forms.CloseCaseForm).
    frame["parts"] = [frame["date_line"], frame["subject"], frame["salutation"], frame["closing"], str(signer)]
    return frame


def closure_letter_body(case, report) -> str:
    """The standard body of the closure letter, in the person's language: the paragraphs
    only (the frame is printed around them), for the cantonal officer to check and adapt."""
    with translation.override(person_language(case)):
        context = {"case": case, "person": case.person, "report": report}
        paragraphs = render_to_string("pdf/closure_letter_body.txt", context).split("\n\n")
    return "\n\n".join(" ".join(p.split()) for p in paragraphs if p.strip()) + "\n"


def render_closure_letter(closure) -> bytes:
    """The letter telling the person that the case is closed (Swiss business letter: the
    address in the right window of a C5/C6 envelope): the frame of
    :func:`closure_letter_frame` around the closure's letter text, on one page."""
    case = closure.case
    date = timezone.localdate(closure.closed_at) if closure.closed_at else timezone.localdate()
    frame = closure_letter_frame(case, signer=closure.closed_by, date=date)
    context = {
        "case": case,
        "person": case.person,
        "title": frame["subject"],
        "closure": closure,
        "frame": frame,
        "letterhead": frame["letterhead"],
        "document_date": date,
    }
    return render_pdf("pdf/closure_letter.html", context, language=frame["language"])


def render_meeting_letter(meeting, item) -> bytes:
    """The invitation (or, once cancelled, its cancellation) to the person of ``item``'s case
    for a scheduled meeting (cases/scheduling), in the person's correspondence language: the
    date, time and place or video link, signed by whoever organises it. The secretariat
    prints and posts it."""
    case = item.case
    language = person_language(case)
    start, end = timezone.localtime(meeting.starts_at), timezone.localtime(meeting.ends_at)
    with translation.override(language):
        head = letterhead(language)
        day = formats.date_format(timezone.localdate(), "DATE_FORMAT")
        cancelled = meeting.state == "cancelled"
        frame = {
            "language": language,
            "letterhead": head,
            "recipient": case.person.address_lines,
            "date_line": f"{head['place']}, {day}" if head["place"] else day,
            "subject": gettext("Cancellation of your meeting") if cancelled else gettext("Invitation to a meeting"),
            "reference": gettext("Our reference: %(reference)s") % {"reference": case.reference},
            "salutation": salutation(case.person, language),
            "closing": gettext("Kind regards"),
            "signature": [line for line in (str(meeting.organiser), head["office"]) if line],
        }
        context = {
            "case": case,
            "person": case.person,
            "title": frame["subject"],
            "frame": frame,
            "letterhead": head,
            "meeting": meeting,
            "cancelled": cancelled,
            "day": formats.date_format(start, "DATE_FORMAT"),
            "start": formats.time_format(start, "TIME_FORMAT"),
            "end": formats.time_format(end, "TIME_FORMAT"),
            "document_date": timezone.localdate(),
        }
    return render_pdf("pdf/meeting_letter.html", context, language=language)


def render_power_of_attorney_form(case) -> bytes:
    """The power of attorney (Vollmacht / procuration) for the person to sign, prefilled
    with the person's data and the institutions of the case; valid one year from signature."""
    context = {**_case_context(case), "title": pgettext_lazy("document title", "Power of attorney")}
    return render_pdf("pdf/power_of_attorney.html", context, language=person_language(case))


def render_review_minutes(review) -> bytes:
    """The minutes of a review (Protokoll der Standortbestimmung / procès-verbal du bilan,
    CII101 step 7): who held it and when, the progress of each measure, the power of
    attorney check and the decision, for the contact persons to record and the person to
    keep."""
    case = review.case
    context = {
        **_case_context(case),
        "title": gettext_lazy("Review minutes"),
        "review": review,
        "progress": list(
            review.progress.select_related(
                "measure__responsible_institution", "measure__catalogue_measure", "measure__employer_contact"
            ).order_by("measure__position", "measure_id")
        ),
        "document_date": review.held_on,
    }
    return render_pdf("pdf/review_minutes.html", context, language=person_language(case))


def merge_pdfs(pdfs: list[bytes]) -> bytes:
    """One PDF with the pages of every PDF of ``pdfs``, in order (the print queue)."""
    writer = PdfWriter()
    for pdf in pdfs:
        writer.append(io.BytesIO(pdf))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def render_letterhead_preview(*, language: str) -> bytes:
    """A sample page with the letterhead as it is now, for the officer who edits it."""
    return render_pdf("pdf/letterhead_preview.html", {"title": gettext_lazy("Letterhead preview")}, language=language)


def render_sitting_minutes(sitting, *, waiting: list, decided: list, language: str) -> bytes:
    """The minutes of a sitting of the legal commission (Protokoll / procès-verbal), in German
    or in French: when and where, the members present, each request by the case's reference
    only (pseudonymised), the decision with its amount, conditions, reasons and the members
    who recused themselves; the requests still waiting on the agenda."""
    context = {
        "title": gettext_lazy("Minutes of the legal commission"),
        "sitting": sitting,
        "present": list(sitting.members_present.order_by("last_name", "first_name")),
        "waiting": waiting,
        "decided": decided,
        "document_date": sitting.held_on,
    }
    return render_pdf("pdf/sitting_minutes.html", context, language=language)


# --- the IIZ accounting ---------------------------------------------------------------------------


def payment_reference(number: str, *, qr_iban: bool) -> str:
    """The payment reference of invoice ``number`` ("2026-0017"): with a QR-IBAN a QR
    reference (27 digits, the last one the check digit of the Swiss banks' modulo 10), else an
    RF creditor reference (ISO 11649); both carry the invoice number's digits, so a payment
    names its invoice."""
    from stdnum.ch import esr
    from stdnum.iso7064 import mod_97_10

    digits = re.sub(r"\D", "", number)
    if qr_iban:
        body = digits.rjust(26, "0")
        return body + esr.calc_check_digit(body)
    return "RF" + mod_97_10.calc_check_digits(digits + "RF") + digits


def _qr_lines(name: str, width: int = 36) -> str:
    """A long name broken into lines (``qrbill`` prints a newline as a line break and encodes
    a space in the QR code), so that it stays inside the payment part."""
    lines, line = [], ""
    for word in name.split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return "\n".join([*lines, line])


def qr_bill_svg(invoice, *, language: str) -> str:
    """The Swiss QR-bill payment part of ``invoice`` (receipt and payment part, 210 × 105 mm)
    as SVG, made with ``qrbill``: the IIZ secretariat (IIZ_INVOICE_CREDITOR, IIZ_INVOICE_IBAN)
    is paid by the institution (its address when it has one), the amount is the total."""
    from qrbill import QRBill
    from qrbill.bill import QR_IID
    from stdnum import iban

    account = iban.compact(settings.IIZ_INVOICE_IBAN)
    is_qr_iban = QR_IID["start"] <= int(account[4:9]) <= QR_IID["end"]
    institution = invoice.institution
    debtor = None
    if institution.postcode and institution.town:
        debtor = {
            "name": _qr_lines(institution.name_in(language)[:70]),
            "street": institution.street,
            "pcode": institution.postcode,
            "city": institution.town,
            "country": "CH",
        }
    with translation.override(language):
        information = gettext("Invoice %(number)s") % {"number": invoice.number}
    bill = QRBill(
        account=account,
        creditor=dict(settings.IIZ_INVOICE_CREDITOR),
        debtor=debtor,
        amount=invoice.total,
        currency="CHF",
        reference_number=payment_reference(invoice.number, qr_iban=is_qr_iban),
        additional_information=information,
        language=language,
    )
    out = io.StringIO()
    bill.as_svg(out)
    return out.getvalue()


def render_invoice(invoice) -> bytes:
    """An invoice to an institution in its language: the letterhead, the institution's
    address, the number, period and due date, the positions (each cost times the share in
    force at its date), the total, and the QR-bill payment part on its own last page (a
    cancelled invoice is marked so, and has no payment part)."""
    from cases.models import InvoiceState

    language = invoice.institution.language if invoice.institution.language in SALUTATIONS else "de"
    institution = invoice.institution
    qr = ""
    if invoice.state in (InvoiceState.DRAFT, InvoiceState.SENT):
        svg = qr_bill_svg(invoice, language=language)
        qr = "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")
    with translation.override(language):
        recipient = [institution.name_in(language), institution.street, f"{institution.postcode} {institution.town}".strip()]
        context = {
            "title": gettext("Invoice %(number)s") % {"number": invoice.number},
            "invoice": invoice,
            "recipient": [line for line in recipient if line],
            "lines": list(invoice.lines.select_related("cost__case").order_by("cost__incurred_on", "cost_id")),
            "qr_src": qr,
            "document_date": invoice.issued_on or timezone.localdate(),
        }
    return render_pdf("pdf/invoice.html", context, language=language)


def render_participants(conference, *, language: str) -> bytes:
    """The list of participants of a conference (name, institution, signature column), in
    the organiser's interface language."""
    registrations = list(
        conference.registrations.select_related("participant").prefetch_related("participant__memberships__institution")
    )
    rows = []
    with translation.override(language):
        for registration in registrations:
            user = registration.participant
            names = sorted({m.institution.short for m in user.memberships.all() if m.institution_id})
            rows.append({"name": str(user), "institutions": ", ".join(names)})
        context = {
            "title": gettext("Participants: %(title)s") % {"title": conference.title},
            "conference": conference,
            "rows": rows,
        }
    return render_pdf("pdf/participants.html", context, language=language)
