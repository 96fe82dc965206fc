from __future__ import annotations

import uuid

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from cases.acting import history_user
from cases.models.catalogue import CatalogueMeasure, EmployerContact
from roles.models import Institution, User


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    SUBMITTED = "submitted", _("submitted for validation")
    VALIDATED = "validated", _("validated")
    SENT_BACK = "sent_back", _("sent back")
    SUPERSEDED = "superseded", _("replaced by a newer version")


def plan_pdf_name(instance: ActionPlan, filename: str) -> str:
    """``plans/<case id>/<random>.pdf``: the stored PDF of one version (cases/documents/rendering.py)."""
    return f"plans/{instance.case_id}/{uuid.uuid4().hex}.pdf"


# The versions kept as they were decided: never edited, signed or printed for signature again.
FROZEN_STATUSES = (PlanStatus.SENT_BACK, PlanStatus.SUPERSEDED)


class ActionPlan(models.Model):
    """One version of the action plan (Aktionsplan / Zielvereinbarung, CII101 step 4).

    A changed plan is a new version; earlier ones stay as they were and can be compared. A
    version the coordinator sends back (CII101 step 5) is frozen with the reasons and the
    other options proposed, and the case manager reworks a copy of it, the next version.
    The person's resources are not part of a version: they are the case's resources data
    sheet (cases/models/resources.py), printed with every version.
    """

    case = models.ForeignKey("cases.Case", verbose_name=_("case"), on_delete=models.CASCADE, related_name="plans")
    version = models.PositiveSmallIntegerField(_("version"))
    status = models.CharField(_("status"), max_length=12, choices=PlanStatus.choices, default=PlanStatus.DRAFT)
    notes = models.TextField(_("notes"), blank=True)
    signature_place = models.CharField(_("place of signature"), max_length=100, blank=True)
    signed_by_person_on = models.DateField(_("signed by the person on"), null=True, blank=True)
    signed_by_cm_on = models.DateField(_("signed by the case manager on"), null=True, blank=True)
    author = models.ForeignKey(User, verbose_name=_("author"), on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        User, verbose_name=_("submitted by"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    validator = models.ForeignKey(
        User, verbose_name=_("validated or sent back by"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decision_comment = models.TextField(
        _("coordinator's comment"), blank=True, help_text=_("When validating: a comment for the case manager.")
    )
    refusal_reasons = models.TextField(
        _("reasons for the refusal"), blank=True, help_text=_("When sending back: why the plan is not validated.")
    )
    proposed_options = models.TextField(
        _("other options proposed"), blank=True, help_text=_("When sending back: the other options the coordinator proposes.")
    )
    # The PDF of a version no longer edited, rendered once and kept in the storage, with the
    # digest of the document it was rendered from (cases/documents/rendering.py). Not part of
    # the change history: it is a copy of what the version shows, not a change to it.
    pdf = models.FileField(_("PDF"), upload_to=plan_pdf_name, max_length=200, blank=True, editable=False)
    pdf_digest = models.CharField(_("digest of the PDF's document"), max_length=64, blank=True, editable=False)

    history = HistoricalRecords(get_user=history_user, excluded_fields=["pdf", "pdf_digest"])

    class Meta:
        verbose_name = _("action plan")
        verbose_name_plural = _("action plans")
        ordering = ["case", "version"]
        constraints = [models.UniqueConstraint(fields=["case", "version"], name="plan_unique_version")]

    def __str__(self) -> str:
        return _("Action plan v%(version)s") % {"version": self.version}

    @cached_property
    def goals_list(self) -> list:
        return list(self.goals.all())

    @cached_property
    def measures_list(self) -> list:
        return list(self.measures.all())

    @property
    def is_signed(self) -> bool:
        return bool(self.signed_by_person_on and self.signed_by_cm_on)

    @property
    def is_editable(self) -> bool:
        """Only the version in preparation is written; a submitted one waits for the decision."""
        return self.status == PlanStatus.DRAFT

    @property
    def is_frozen(self) -> bool:
        """Sent back or replaced: kept as it was decided, never signed again."""
        return self.status in FROZEN_STATUSES

    @property
    def frozen_reason(self) -> str:
        """Why this version takes no signature any more (empty: it may be signed)."""
        if self.status == PlanStatus.SENT_BACK:
            return str(_("This version of the plan was sent back: the newer version is the one to sign."))
        if self.status == PlanStatus.SUPERSEDED:
            return str(_("This version of the plan has been replaced by a newer one."))
        return ""


class Goal(models.Model):
    plan = models.ForeignKey(ActionPlan, verbose_name=_("action plan"), on_delete=models.CASCADE, related_name="goals")
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    text = models.TextField(_("goal"))

    history = HistoricalRecords(get_user=history_user)

    class Meta:
        verbose_name = _("goal")
        verbose_name_plural = _("goals")
        ordering = ["plan", "position", "pk"]

    def __str__(self) -> str:
        return self.text


class MeasureStatus(models.TextChoices):
    PLANNED = "planned", _("planned")
    RUNNING = "running", _("running")
    DONE = "done", _("done")
    CANCELLED = "cancelled", _("cancelled")


class Measure(models.Model):
    """A measure of the plan: from a partner's catalogue or described freely, at an employer
    from the partners' employer contacts if it takes place at one (CII101 step 4)."""

    plan = models.ForeignKey(ActionPlan, verbose_name=_("action plan"), on_delete=models.CASCADE, related_name="measures")
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    catalogue_measure = models.ForeignKey(
        CatalogueMeasure, verbose_name=_("from the catalogue"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    title = models.CharField(_("measure"), max_length=200)
    employer_contact = models.ForeignKey(
        EmployerContact,
        verbose_name=_("employer"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("From the partners' employer contacts, when the measure takes place at an employer."),
    )
    responsible_institution = models.ForeignKey(
        Institution, verbose_name=_("responsible institution"), on_delete=models.PROTECT, related_name="+"
    )
    starts_on = models.DateField(_("start"), null=True, blank=True)
    due_on = models.DateField(_("due"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=MeasureStatus.choices, default=MeasureStatus.PLANNED)
    result = models.TextField(_("result"), blank=True)

    history = HistoricalRecords(get_user=history_user)

    class Meta:
        verbose_name = _("measure")
        verbose_name_plural = _("measures")
        ordering = ["plan", "position", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(due_on__isnull=True)
                | models.Q(starts_on__isnull=True)
                | models.Q(due_on__gte=models.F("starts_on")),
                name="measure_due_after_start",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        """A measure ends on or after its start: said on the due date (the check constraint
        ``measure_due_after_start`` is the database's own guard of the same rule)."""
        if self.starts_on and self.due_on and self.due_on < self.starts_on:
            raise ValidationError({"due_on": ValidationError(_("The due date cannot be before the start."), code="before_start")})

    @property
    def name(self) -> str:
        """The measure's name in the active language (the reader's on a page, the person's
        in a PDF). A measure from the catalogue whose title is the catalogue's name, in
        either language, takes the catalogue's name in the active language; a title typed by
        hand, or changed after choosing from the catalogue, stays as written."""
        entry = self.catalogue_measure
        if entry is not None and self.title.strip() in (entry.name_de, entry.name_fr):
            return entry.name
        return self.title

    @property
    def catalogue_name(self) -> str:
        """The catalogue's name in the active language when the measure shows another title
        (empty otherwise): what a reader needs to see which catalogue measure it is."""
        entry = self.catalogue_measure
        if entry is None or self.name == entry.name:
            return ""
        return entry.name

    @property
    def is_ended(self) -> bool:
        return self.status in (MeasureStatus.DONE, MeasureStatus.CANCELLED)
