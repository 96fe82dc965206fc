from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from cases.acting import history_user
from cases.ahv import validate_ahv
from roles.models import Language


class Sex(models.TextChoices):
    FEMALE = "f", _("female")
    MALE = "m", _("male")
    OTHER = "x", _("other / not stated")


class Person(models.Model):
    """The beneficiary (begünstigte Person / personne bénéficiaire). Never logs in."""

    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    birth_date = models.DateField(_("date of birth"))
    ahv_number = models.CharField(
        _("AHV number"),
        max_length=16,
        blank=True,
        validators=[validate_ahv],
        help_text=_("756.XXXX.XXXX.XX; empty if the person has none (yet)."),
    )
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    language = models.CharField(_("correspondence language"), max_length=2, choices=Language.choices, default=Language.DE)
    street = models.CharField(_("street and number"), max_length=200, blank=True)
    postcode = models.CharField(_("postcode"), max_length=10, blank=True)
    city = models.CharField(_("town"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    history = HistoricalRecords(get_user=history_user)

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("persons")
        ordering = ["last_name", "first_name"]
        constraints = [
            models.UniqueConstraint(fields=["ahv_number"], condition=~Q(ahv_number=""), name="person_unique_ahv"),
        ]
        indexes = [
            models.Index(fields=["last_name", "first_name", "birth_date"]),
            # The duplicate check at intake compares the persons born on the same day.
            models.Index(fields=["birth_date"], name="person_birth_date_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.last_name} {self.first_name}"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def address_lines(self) -> list[str]:
        return [line for line in (self.full_name, self.street, f"{self.postcode} {self.city}".strip()) if line]
