from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from cases.acting import history_user
from roles.models import Institution, User


class ExitOutcome(models.TextChoices):
    PLACED = "placed", _("Placed in the first labour market")
    OTHER_SERVICE = "other_service", _("Taken over by another service")
    INTERRUPTED = "interrupted", _("Interrupted")


class InterruptionReason(models.TextChoices):
    REFUSES = "refuses", _("The person refuses to continue")
    MOVED = "moved", _("The person moved away")
    DIED = "died", _("The person died")
    OTHER = "other", _("Other reason")


class ExitReport(models.Model):
    """Result and exit report (Ergebnis & Austrittsbilanz / bilan de sortie, CII101 step 10)."""

    case = models.OneToOneField("cases.Case", verbose_name=_("case"), on_delete=models.CASCADE, related_name="exit_report")
    outcome = models.CharField(_("outcome"), max_length=16, choices=ExitOutcome.choices, blank=True)
    employer = models.CharField(_("employer"), max_length=200, blank=True)
    job_title = models.CharField(_("job"), max_length=200, blank=True)
    job_start_on = models.DateField(_("start of work"), null=True, blank=True)
    workload_percent = models.PositiveSmallIntegerField(_("workload (%)"), null=True, blank=True)
    other_service = models.ForeignKey(
        Institution, verbose_name=_("service taking over"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    other_service_detail = models.CharField(_("service taking over (detail)"), max_length=200, blank=True)
    interruption_reason = models.CharField(
        _("reason for the interruption"), max_length=10, choices=InterruptionReason.choices, blank=True
    )
    interruption_note = models.TextField(_("interruption: details"), blank=True)
    summary = models.TextField(_("summary of the support"), blank=True)
    author = models.ForeignKey(User, verbose_name=_("author"), on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)

    history = HistoricalRecords(get_user=history_user)

    class Meta:
        verbose_name = _("exit report")
        verbose_name_plural = _("exit reports")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(workload_percent__isnull=True) | models.Q(workload_percent__gte=1, workload_percent__lte=100),
                name="exit_workload_percent",
            ),
        ]

    def __str__(self) -> str:
        return _("Exit report of %(case)s") % {"case": self.case}

    def missing_fields(self) -> list[str]:
        """The fields the outcome requires that are still empty."""
        required = {
            ExitOutcome.PLACED: ["employer", "job_start_on", "workload_percent"],
            ExitOutcome.OTHER_SERVICE: ["other_service"],
            ExitOutcome.INTERRUPTED: ["interruption_reason"],
        }.get(self.outcome, ["outcome"])
        missing = [name for name in required if getattr(self, name) in (None, "")]
        if not self.summary.strip():
            missing.append("summary")
        return missing

    @property
    def is_complete(self) -> bool:
        return not self.missing_fields()


class Closure(models.Model):
    """The closure of the dossier by the cantonal officer (CII101 step 11): the letter to the
    person, and the archived, read-only dossier."""

    case = models.OneToOneField("cases.Case", verbose_name=_("case"), on_delete=models.CASCADE, related_name="closure")
    closed_by = models.ForeignKey(User, verbose_name=_("closed by"), on_delete=models.PROTECT, related_name="+")
    closed_at = models.DateTimeField(_("closed at"), auto_now_add=True)
    letter_text = models.TextField(_("letter to the person"), blank=True)
    archive_note = models.TextField(_("archive note"), blank=True)

    class Meta:
        verbose_name = _("closure")
        verbose_name_plural = _("closures")

    def __str__(self) -> str:
        return _("Closure of %(case)s") % {"case": self.case}
