from django.db import models
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from cases.acting import history_user
from cases.models.catalogue import CatalogueMeasure
from roles.models import Institution, User


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    SUBMITTED = "submitted", _("submitted for validation")
    VALIDATED = "validated", _("validated")
    SENT_BACK = "sent_back", _("sent back")
    SUPERSEDED = "superseded", _("replaced by a newer version")


class ActionPlan(models.Model):
    """One version of the action plan (Aktionsplan / Zielvereinbarung, CII101 step 4).

    A changed plan is a new version; earlier ones stay as they were and can be compared.
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
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    validator = models.ForeignKey(
        User, verbose_name=_("validated or sent back by"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decision_comment = models.TextField(
        _("coordinator's comment"), blank=True, help_text=_("When sending back: the other options proposed.")
    )

    history = HistoricalRecords(get_user=history_user)

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
        return self.status in (PlanStatus.DRAFT, PlanStatus.SENT_BACK)


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
    """A measure of the plan: from a partner's catalogue or described freely."""

    plan = models.ForeignKey(ActionPlan, verbose_name=_("action plan"), on_delete=models.CASCADE, related_name="measures")
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    catalogue_measure = models.ForeignKey(
        CatalogueMeasure, verbose_name=_("from the catalogue"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    title = models.CharField(_("measure"), max_length=200)
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

    @property
    def is_ended(self) -> bool:
        return self.status in (MeasureStatus.DONE, MeasureStatus.CANCELLED)
