import datetime

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from cases.acting import history_user
from cases.models.reviews import PowerOfAttorney
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
    """Result and exit report (Ergebnis & Austrittsbilanz / bilan de sortie, CII101 step 10).

    At the end of the support the case manager makes sure that the one-year power of
    attorney was renewed (CII101, duties of the case manager): the report names the power of
    attorney valid on the day the support ended (``power_of_attorney``), or says why there
    is none (``poa_not_renewed_reason``); it is complete only with one of the two.
    """

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
    power_of_attorney = models.ForeignKey(
        PowerOfAttorney,
        verbose_name=_("power of attorney valid at the end of the support"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    poa_not_renewed_reason = models.TextField(_("why the power of attorney was not renewed"), blank=True)
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

    @property
    def support_ended_on(self) -> datetime.date | None:
        """The day the support ended: the plan was finished, or the case interrupted."""
        if not self.case_id:
            return None
        ended = self.case.interrupted_at or self.case.implementation_finished_at
        return timezone.localdate(ended) if ended else None

    def powers_of_attorney_valid_at_end(self):
        """The case's powers of attorney valid on the day the support ended, newest first:
        the one renewed is one of them."""
        ended = self.support_ended_on
        if ended is None:
            return PowerOfAttorney.objects.none()
        return PowerOfAttorney.objects.filter(case=self.case_id, signed_on__lte=ended, valid_until__gte=ended).order_by(
            "-signed_on", "-pk"
        )

    @property
    def exit_on(self) -> datetime.date | None:
        """The exit's date, as far as the report carries one: the start of work of a person
        placed in the first labour market. The other outcomes carry no date of their own (an
        interruption is dated by the case, ``Case.interrupted_at``, when it is recorded)."""
        return self.job_start_on if self.outcome == ExitOutcome.PLACED else None

    def clean(self) -> None:
        """Two rules of the records, each said on its field:

        - the exit is not before the last review (of either kind): a person placed in the
          first labour market starts work on or after the day of the case's last review,
          which still followed the support. An interruption needs no such check: it is
          recorded at the moment it happens, and reviews cannot be dated in the future;
        - the power of attorney named as renewed is one of the case's, valid on the day the
          support ended.
        """
        errors = {}
        exit_on = self.exit_on
        if exit_on and self.case_id:
            last_review = self.case.reviews.order_by("-held_on").values_list("held_on", flat=True).first()
            if last_review and exit_on < last_review:
                errors["job_start_on"] = ValidationError(
                    _("The exit cannot be before the last review (%(date)s): give the day work started, on or after it.")
                    % {"date": last_review.strftime("%d.%m.%Y")},
                    code="before_last_review",
                )
        poa = self.power_of_attorney
        if poa is not None:
            ended = self.support_ended_on
            if poa.case_id != self.case_id:
                errors["power_of_attorney"] = ValidationError(
                    _("This power of attorney belongs to another case."), code="other_case"
                )
            elif ended and not poa.is_valid_on(ended):
                errors["power_of_attorney"] = ValidationError(
                    _("This power of attorney is not valid on the day the support ended (%(date)s).")
                    % {"date": ended.strftime("%d.%m.%Y")},
                    code="not_valid_at_end",
                )
        if errors:
            raise ValidationError(errors)

    def missing_fields(self) -> list[str]:
        """The fields the outcome requires that are still empty, then the summary, then the
        power of attorney at the end (renewed, or why not: ``poa_not_renewed_reason``)."""
        required = {
            ExitOutcome.PLACED: ["employer", "job_start_on", "workload_percent"],
            ExitOutcome.OTHER_SERVICE: ["other_service"],
            ExitOutcome.INTERRUPTED: ["interruption_reason"],
        }.get(self.outcome, ["outcome"])
        missing = [name for name in required if getattr(self, name) in (None, "")]
        if not self.summary.strip():
            missing.append("summary")
        if not self.power_of_attorney_id and not self.poa_not_renewed_reason.strip():
            missing.append("poa_not_renewed_reason")
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
