"""Uploaded files: the one check every upload passes (signed scans, attachments, the
letterhead's logo), and the forms that take files.

A file is accepted by its content, never by its name or the content type the browser
sends: the first bytes must be those of a PDF (``%PDF-``), a JPEG (``FF D8 FF``) or a PNG
(``89 50 4E 47 0D 0A 1A 0A``). A renamed program ("MZ...", named ``scan.pdf``) or a GIF is
refused, and so are empty files and files above the limit (``IIZ_UPLOAD_MAX_BYTES``,
20 MB by default; the logo at most 1 MB). The name the user gave is kept only for display
and for the name of the download, cleaned of paths and control characters; files are
stored under a random name (cases/models/files.py). Then the file is opened as what it
claims to be and scanned for viruses where a scanner is configured
(cases/documents/inspection.py): no active content in PDFs, no decompression bombs.
"""

from __future__ import annotations

import posixpath
import re
import unicodedata

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from cases.documents.inspection import check_image, check_pdf, scan_for_viruses
from cases.forms import date_input
from cases.models import PowerOfAttorney
from cases.models.files import ATTACHMENT_CATEGORIES, EXTENSIONS
from iiz.forms import SafeForm, SafeModelForm

# The first bytes of each accepted kind of file.
MAGIC_BYTES = {
    "application/pdf": b"%PDF-",
    "image/jpeg": b"\xff\xd8\xff",
    "image/png": b"\x89PNG\r\n\x1a\n",
}
# The file name endings that fit each type (others get the type's own ending appended).
SUFFIXES = {"application/pdf": (".pdf",), "image/jpeg": (".jpg", ".jpeg"), "image/png": (".png",)}
TYPE_NAMES = {"application/pdf": "PDF", "image/jpeg": "JPEG", "image/png": "PNG"}
DOCUMENT_TYPES = ("application/pdf", "image/jpeg", "image/png")
IMAGE_TYPES = ("image/png", "image/jpeg")

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
LOGO_MAX_BYTES = 1024 * 1024


def max_upload_bytes() -> int:
    """The largest scan or attachment accepted (setting IIZ_UPLOAD_MAX_BYTES)."""
    return int(getattr(settings, "IIZ_UPLOAD_MAX_BYTES", DEFAULT_MAX_BYTES))


def sniff(file) -> str | None:
    """The content type the first bytes of ``file`` show, or None; the file is read from
    its start and left at its start."""
    file.seek(0)
    head = file.read(16)
    file.seek(0)
    for content_type, magic in MAGIC_BYTES.items():
        if head.startswith(magic):
            return content_type
    return None


def check_file(file, *, types: tuple[str, ...] = DOCUMENT_TYPES, max_bytes: int | None = None) -> str:
    """The content type of an uploaded ``file``, read from its content; ValidationError
    (translated, with the code ``empty``, ``too_large`` or ``wrong_type``) when it is
    empty, too large or not one of ``types``."""
    limit = max_upload_bytes() if max_bytes is None else max_bytes
    size = getattr(file, "size", None) or 0
    if size == 0:
        raise ValidationError(_("The file is empty."), code="empty")
    if size > limit:
        raise ValidationError(
            _("The file is too large (%(size)s): at most %(limit)s are accepted."),
            code="too_large",
            params={"size": filesizeformat(size), "limit": filesizeformat(limit)},
        )
    content_type = sniff(file)
    if content_type not in types:
        raise ValidationError(
            _("This file is not a %(types)s file (checked by its content, whatever its name says)."),
            code="wrong_type",
            params={"types": " / ".join(TYPE_NAMES[t] for t in types)},
        )
    if content_type == "application/pdf":
        check_pdf(file)
    else:
        check_image(file)
    scan_for_viruses(file)
    return content_type


def display_name(name: str, content_type: str) -> str:
    """The user's file name, safe to show and to offer as the download's name: without
    folders and control characters, at most 120 characters, ending in the extension of
    the type found in the content (``Arztbericht.pdf``; ``scan`` → ``scan.pdf``)."""
    base = posixpath.basename((name or "").replace("\\", "/"))
    base = "".join(ch for ch in unicodedata.normalize("NFC", base) if unicodedata.category(ch)[0] != "C")
    base = re.sub(r'["<>|:*?/]+', "_", base).strip(" .") or "document"
    lowered = base.lower()
    suffix = next((s for s in SUFFIXES.get(content_type, ()) if lowered.endswith(s) and len(base) > len(s)), None)
    if suffix:
        stem, ending = base[: -len(suffix)], base[-len(suffix) :]
    else:
        stem, ending = base, EXTENSIONS.get(content_type, "")
    return stem[: 120 - len(ending)] + ending


class UploadField(forms.FileField):
    """A file checked by :func:`check_file`; ``cleaned_data`` holds the file, its
    detected type in ``file.checked_type``."""

    widget = forms.FileInput

    def __init__(self, *, types: tuple[str, ...] = DOCUMENT_TYPES, max_bytes: int | None = None, **kwargs):
        self.types = types
        self.max_bytes = max_bytes
        kwargs.setdefault("allow_empty_file", True)  # check_file says it in our words
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("accept", ",".join(sorted({*types, *(EXTENSIONS[t] for t in types)})))

    def clean(self, data, initial=None):
        file = super().clean(data, initial)
        if file and file is not initial:
            file.checked_type = check_file(file, types=self.types, max_bytes=self.max_bytes)
        return file


def scan_help() -> str:
    return _("PDF, JPEG or PNG, at most %(limit)s.") % {"limit": filesizeformat(max_upload_bytes())}


class SignedPlanForm(SafeForm):
    """The scan of the signed plan and the signatures it shows (CII101 step 4)."""

    file = UploadField(label=_("Scan of the signed action plan"))
    signature_place = forms.CharField(label=_("Place of signature"), max_length=100)
    signed_by_person_on = forms.DateField(label=_("Signed by the person on"), widget=date_input())
    signed_by_cm_on = forms.DateField(label=_("Signed by the case manager on"), widget=date_input())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = scan_help()


class SignedPowerOfAttorneyForm(SafeForm):
    power_of_attorney = forms.ModelChoiceField(
        label=_("Power of attorney"), queryset=PowerOfAttorney.objects.none(), empty_label=None
    )
    file = UploadField(label=_("Scan of the signed power of attorney"))

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["power_of_attorney"].queryset = case.powers_of_attorney.order_by("-signed_on", "-pk")
        self.fields["power_of_attorney"].label_from_instance = lambda poa: (
            _("Signed on %(signed)s, valid until %(until)s")
            % {"signed": poa.signed_on.strftime("%d.%m.%Y"), "until": poa.valid_until.strftime("%d.%m.%Y")}
        )
        self.fields["file"].help_text = scan_help()


class ClosureCopyForm(SafeForm):
    file = UploadField(label=_("Copy of the closure letter as sent"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = scan_help()


class AttachmentForm(SafeForm):
    category = forms.ChoiceField(label=_("Category"), choices=ATTACHMENT_CATEGORIES)
    description = forms.CharField(label=_("Description"), max_length=200, required=False)
    file = UploadField(label=_("File"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = scan_help()


class WithdrawForm(SafeForm):
    reason = forms.CharField(label=_("Why is the file withdrawn?"), max_length=200)


class LetterheadForm(SafeModelForm):
    """The letterhead's texts; the logo is a PNG or JPEG of at most 1 MB."""

    new_logo = UploadField(
        label=_("New logo"),
        required=False,
        types=IMAGE_TYPES,
        max_bytes=LOGO_MAX_BYTES,
        help_text=_("PNG or JPEG, at most 1 MB; printed 15 mm high at the top left."),
    )
    remove_logo = forms.BooleanField(label=_("Print the default logo again"), required=False)

    class Meta:
        from cases.models import Letterhead

        model = Letterhead
        fields = [
            "name_de",
            "name_fr",
            "office_de",
            "office_fr",
            "address_de",
            "address_fr",
            "place_de",
            "place_fr",
            "phone",
            "email",
            "web",
        ]
        widgets = {"address_de": forms.Textarea(attrs={"rows": 3}), "address_fr": forms.Textarea(attrs={"rows": 3})}
