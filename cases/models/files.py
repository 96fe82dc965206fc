"""Files kept with a case, the print queue's marks, and the letterhead of the documents.

- CaseFile: a file of a case, either an attachment (medical report, decision, CV, ...) or
  a signed scan (the signed action plan of one version, the signed power of attorney, the
  copy of the closure letter as sent). Stored through Django's storage API under a random
  name in the case's folder, never under the name the user gave; downloaded only through
  the application, which checks the case's scope and writes the access log. A file is
  withdrawn, never deleted: the record and the file stay for the audit.
- PrintMark: "printed" or "sent", set by the secretariat on a document of the print queue.
- Letterhead: the one letterhead of every PDF, edited by the cantonal officer.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from cases.acting import history_user
from roles.models import User

# The file extension of each accepted content type (the type is read from the content).
EXTENSIONS = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}


def case_file_name(instance: CaseFile, filename: str) -> str:
    """``cases/<case id>/<random>.pdf``: the user's file name is never part of the path."""
    return f"cases/{instance.case_id}/{uuid.uuid4().hex}{EXTENSIONS.get(instance.content_type, '')}"


def logo_file_name(instance: Letterhead, filename: str) -> str:
    return f"letterhead/{uuid.uuid4().hex}{EXTENSIONS.get(instance.logo_type, '')}"


class FileCategory(models.TextChoices):
    MEDICAL_REPORT = "medical_report", _("Medical report")
    DECISION = "decision", _("Decision of an institution")
    CV = "cv", _("CV")
    CERTIFICATE = "certificate", _("Certificate or reference")
    CORRESPONDENCE = "correspondence", _("Correspondence")
    OTHER = "other", _("Other")
    SIGNED_PLAN = "signed_plan", _("Signed action plan")
    SIGNED_POA = "signed_poa", _("Signed power of attorney")
    CLOSURE_LETTER = "closure_letter", _("Copy of the closure letter")


# The signed scans: filed on their own pages, attached to their record.
SCAN_CATEGORIES = (FileCategory.SIGNED_PLAN, FileCategory.SIGNED_POA, FileCategory.CLOSURE_LETTER)
ATTACHMENT_CATEGORIES = [(value, label) for value, label in FileCategory.choices if value not in SCAN_CATEGORIES]


class CaseFileQuerySet(models.QuerySet):
    def in_force(self) -> CaseFileQuerySet:
        return self.filter(withdrawn_at__isnull=True)


class CaseFile(models.Model):
    """A file of a case: an attachment with its category, or a signed scan attached to the
    plan version, the power of attorney or the closure it belongs to."""

    case = models.ForeignKey("cases.Case", verbose_name=_("case"), on_delete=models.CASCADE, related_name="files")
    category = models.CharField(_("category"), max_length=20, choices=FileCategory.choices)
    description = models.CharField(_("description"), max_length=200, blank=True)
    file = models.FileField(_("file"), upload_to=case_file_name, max_length=200)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("type"), max_length=40)
    size = models.PositiveIntegerField(_("size (bytes)"))
    plan = models.ForeignKey(
        "cases.ActionPlan", verbose_name=_("action plan"), on_delete=models.PROTECT, null=True, blank=True, related_name="scans"
    )
    power_of_attorney = models.ForeignKey(
        "cases.PowerOfAttorney",
        verbose_name=_("power of attorney"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="scans",
    )
    closure = models.ForeignKey(
        "cases.Closure", verbose_name=_("closure"), on_delete=models.PROTECT, null=True, blank=True, related_name="scans"
    )
    funding_request = models.ForeignKey(
        "cases.FundingRequest",
        verbose_name=_("funding request"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="attachments",
    )
    uploaded_by = models.ForeignKey(User, verbose_name=_("uploaded by"), on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        User, verbose_name=_("withdrawn by"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    withdrawal_reason = models.CharField(_("reason for the withdrawal"), max_length=200, blank=True)

    objects = CaseFileQuerySet.as_manager()
    history = HistoricalRecords(get_user=history_user)

    class Meta:
        verbose_name = _("file")
        verbose_name_plural = _("files")
        ordering = ["case", "-uploaded_at", "-pk"]
        indexes = [models.Index(fields=["case", "category"])]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(category="signed_plan") | models.Q(plan__isnull=False), name="casefile_signed_plan_has_plan"
            ),
            models.CheckConstraint(
                condition=~models.Q(category="signed_poa") | models.Q(power_of_attorney__isnull=False),
                name="casefile_signed_poa_has_poa",
            ),
            models.CheckConstraint(
                condition=~models.Q(category="closure_letter") | models.Q(closure__isnull=False),
                name="casefile_closure_copy_has_closure",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_category_display()}: {self.original_name}"

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None

    @property
    def is_scan(self) -> bool:
        return self.category in SCAN_CATEGORIES


class PrintDocument(models.TextChoices):
    PLAN = "plan", _("Action plan for signature")
    CLOSURE_LETTER = "closure_letter", _("Closure letter")
    POA_FORM = "poa_form", _("Power of attorney form")


class PrintMarkKind(models.TextChoices):
    PRINTED = "printed", _("printed")
    SENT = "sent", _("sent")


class PrintMark(models.Model):
    """The secretariat printed or sent a document of the print queue (cases/documents/printqueue.py).
    Append-only: the queue reads the marks, the journal of the case tells the same."""

    case = models.ForeignKey("cases.Case", verbose_name=_("case"), on_delete=models.CASCADE, related_name="print_marks")
    document = models.CharField(_("document"), max_length=20, choices=PrintDocument.choices)
    plan = models.ForeignKey(
        "cases.ActionPlan", verbose_name=_("action plan"), on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    mark = models.CharField(_("mark"), max_length=10, choices=PrintMarkKind.choices)
    marked_by = models.ForeignKey(User, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+")
    marked_at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        verbose_name = _("print mark")
        verbose_name_plural = _("print marks")
        ordering = ["-marked_at", "-pk"]
        indexes = [models.Index(fields=["case", "document", "mark"])]

    def __str__(self) -> str:
        return f"{self.get_document_display()} {self.get_mark_display()}"


class Letterhead(models.Model):
    """The letterhead of every PDF (cases/documents/rendering.py), in German and French; one row,
    edited by the cantonal officer. Without it, the IIZ_LETTERHEAD setting applies."""

    name_de = models.CharField(_("name (German)"), max_length=150)
    name_fr = models.CharField(_("name (French)"), max_length=150)
    office_de = models.CharField(_("office (German)"), max_length=200, blank=True)
    office_fr = models.CharField(_("office (French)"), max_length=200, blank=True)
    address_de = models.TextField(_("address (German)"), help_text=_("One line per line of the address."))
    address_fr = models.TextField(_("address (French)"), help_text=_("One line per line of the address."))
    place_de = models.CharField(
        _("place of the letters (German)"), max_length=60, help_text=_("Written before the date, e.g. Sitten.")
    )
    place_fr = models.CharField(
        _("place of the letters (French)"), max_length=60, help_text=_("Written before the date, e.g. Sion.")
    )
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    web = models.CharField(_("web site"), max_length=100, blank=True)
    logo = models.FileField(_("logo"), upload_to=logo_file_name, max_length=200, blank=True)
    logo_type = models.CharField(_("type of the logo"), max_length=20, blank=True)
    updated_at = models.DateTimeField(_("changed at"), auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"], get_user=history_user)

    class Meta:
        verbose_name = _("letterhead")
        verbose_name_plural = _("letterhead")

    def __str__(self) -> str:
        return self.name_de

    def save(self, *args, **kwargs):
        self.pk = 1  # one letterhead
        super().save(*args, **kwargs)
