import datetime

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from cases.acting import history_user
from roles.models import Institution, User


class ReviewKind(models.TextChoices):
    WITH_PERSON = "with_person", _("Case manager with the person (interim review)")
    TEAM = "team", _("Coordinator with the team of contact persons (progress of the dossier)")


class PoaCheck(models.TextChoices):
    VALID = "valid", _("checked: still valid")
    RENEWED = "renewed", _("renewed: a new power of attorney was signed")
    REFUSED = "refused", _("the person refused to sign a new one")
    NOT_APPLICABLE = "", _("not checked (review without the person)")


class ReviewDecision(models.TextChoices):
    CONTINUE = "continue", _("Continue the plan as it is")
    CHANGE_PLAN = "change_plan", _("Change the plan (new version)")
    FINISH_PLAN = "finish_plan", _("Finish the plan (all steps done)")


class Review(models.Model):
    """A review (Standortbestimmung, CII101 step 7), and its decisions (steps 8 and 9).

    At every review with the person, the case manager checks the power of attorney; the
    review keeps the one it found valid or the new one signed (``power_of_attorney``,
    recorded by ``cases.actions.record_review``).
    """

    case = models.ForeignKey("cases.Case", verbose_name=_("case"), on_delete=models.CASCADE, related_name="reviews")
    kind = models.CharField(_("kind"), max_length=12, choices=ReviewKind.choices)
    held_on = models.DateField(_("held on"))
    summary = models.TextField(_("summary"))
    poa_check = models.CharField(_("power of attorney"), max_length=10, choices=PoaCheck.choices, blank=True, default="")
    power_of_attorney = models.ForeignKey(
        "cases.PowerOfAttorney",
        verbose_name=_("power of attorney checked or renewed"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decision = models.CharField(_("decision"), max_length=12, choices=ReviewDecision.choices, default=ReviewDecision.CONTINUE)
    network_informed = models.BooleanField(
        _("network informed"), default=False, help_text=_("The contact persons and the coordinator received the information.")
    )
    author = models.ForeignKey(User, verbose_name=_("author"), on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    history = HistoricalRecords(get_user=history_user)

    class Meta:
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        ordering = ["case", "-held_on", "-pk"]
        indexes = [models.Index(fields=["case", "kind", "held_on"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.held_on}"

    def clean(self) -> None:
        """A review is held once the plan has been validated, and not in the future: its day
        lies between the plan's first validation (``Case.plan_validated_at``) and today."""
        if self.held_on is None:
            return
        if self.held_on > timezone.localdate():
            raise ValidationError({"held_on": ValidationError(_("This date cannot be in the future."), code="future")})
        validated = self.case.plan_validated_at if self.case_id else None
        if validated and self.held_on < timezone.localdate(validated):
            day = timezone.localdate(validated).strftime("%d.%m.%Y")
            message = _("A review is held after the action plan was first validated (%(date)s).") % {"date": day}
            raise ValidationError({"held_on": ValidationError(message, code="before_validation")})


class MeasureProgress(models.Model):
    """How far one measure of the plan has come, as found at a review."""

    review = models.ForeignKey(Review, verbose_name=_("review"), on_delete=models.CASCADE, related_name="progress")
    measure = models.ForeignKey("cases.Measure", verbose_name=_("measure"), on_delete=models.CASCADE, related_name="progress")
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=[
            ("planned", _("planned")),
            ("running", _("running")),
            ("done", _("done")),
            ("cancelled", _("cancelled")),
        ],
    )
    note = models.TextField(_("progress"), blank=True)

    class Meta:
        verbose_name = _("progress of a measure")
        verbose_name_plural = _("progress of the measures")
        constraints = [models.UniqueConstraint(fields=["review", "measure"], name="progress_once_per_measure")]

    def __str__(self) -> str:
        return f"{self.measure_id}: {self.get_status_display()}"


def one_year_after(day: datetime.date) -> datetime.date:
    """The day before the same date a year later (29 February → 28 February)."""
    try:
        return day.replace(year=day.year + 1) - datetime.timedelta(days=1)
    except ValueError:
        return day.replace(year=day.year + 1, day=28)


class PowerOfAttorney(models.Model):
    """The person's power of attorney (Vollmacht / procuration), valid one year: data may be
    shared between the institutions it covers."""

    case = models.ForeignKey("cases.Case", verbose_name=_("case"), on_delete=models.CASCADE, related_name="powers_of_attorney")
    signed_on = models.DateField(_("signed on"))
    valid_until = models.DateField(_("valid until"), editable=False)
    institutions = models.ManyToManyField(Institution, verbose_name=_("institutions covered"), related_name="+")
    recorded_by = models.ForeignKey(User, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    history = HistoricalRecords(get_user=history_user)

    class Meta:
        verbose_name = _("power of attorney")
        verbose_name_plural = _("powers of attorney")
        ordering = ["case", "-signed_on"]
        indexes = [models.Index(fields=["valid_until"])]

    def __str__(self) -> str:
        return _("Power of attorney of %(date)s") % {"date": self.signed_on}

    def save(self, *args, **kwargs):
        self.valid_until = one_year_after(self.signed_on)
        super().save(*args, **kwargs)

    def is_valid_on(self, day: datetime.date) -> bool:
        return self.signed_on <= day <= self.valid_until
