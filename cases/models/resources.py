from django.core.validators import MaxValueValidator
from django.db import models
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from cases.acting import history_user
from roles.models import User


class ResourcesSheet(models.Model):
    """The resources data sheet (Datenblatt Ressourcen / fiche des ressources), an input of
    the action plan (CII101 steps 3 and 4): what the person brings and states about their
    education, work, languages, availability, mobility and childcare.

    One sheet per case: recorded with the round table or the assessment, updated at the
    reviews and with the action plan, printed with every version of the plan; the change
    history keeps each earlier state (cases/audit/history.py). Who may edit it and when:
    the policy's entry ``edit_resources`` (cases/flow/policy.py).

    It holds what the person states, never diagnoses: the medical work capacity and the
    doctor's or the medical service's opinion stay in the fields of the round table or
    assessment (cases.models.Meeting).

    It replaces the free text ``ActionPlan.resources``: migration 0015 moved the text of each
    case's latest plan version into ``other`` and removed the old field.
    """

    case = models.OneToOneField("cases.Case", verbose_name=_("case"), on_delete=models.CASCADE, related_name="resources_sheet")
    education = models.TextField(_("education and qualifications"), blank=True)
    work_experience = models.TextField(_("work experience"), blank=True)
    languages = models.CharField(_("languages"), max_length=300, blank=True)
    work_capacity = models.PositiveSmallIntegerField(
        _("work capacity stated by the person (%)"), null=True, blank=True, validators=[MaxValueValidator(100)]
    )
    constraints = models.TextField(_("constraints stated by the person"), blank=True)
    driving_licence = models.BooleanField(_("driving licence"), null=True, blank=True)
    has_car = models.BooleanField(_("car available"), null=True, blank=True)
    childcare = models.TextField(_("childcare"), blank=True)
    other = models.TextField(_("other resources"), blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    updated_by = models.ForeignKey(User, verbose_name=_("updated by"), on_delete=models.PROTECT, related_name="+")

    history = HistoricalRecords(get_user=history_user)

    # The fields the person's data sheet is made of, in the order it is shown and printed.
    CONTENT = (
        "education",
        "work_experience",
        "languages",
        "work_capacity",
        "constraints",
        "driving_licence",
        "has_car",
        "childcare",
        "other",
    )

    class Meta:
        verbose_name = _("resources data sheet")
        verbose_name_plural = _("resources data sheets")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(work_capacity__isnull=True) | models.Q(work_capacity__lte=100),
                name="resources_work_capacity_percent",
            ),
        ]

    def __str__(self) -> str:
        return str(capfirst(self._meta.verbose_name))

    @property
    def facts(self) -> list[tuple[str, str]]:
        """(label, value) of each field that holds something, as the reader reads it, in the
        active language (read while a page or a PDF is rendered)."""
        rows = []
        for name in self.CONTENT:
            value = getattr(self, name)
            if value is None or value == "":
                continue
            if isinstance(value, bool):
                text = gettext("yes") if value else gettext("no")
            elif name == "work_capacity":
                text = f"{value} %"
            else:
                text = value
            rows.append((str(capfirst(self._meta.get_field(name).verbose_name)), text))
        return rows
