from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from roles.models import Institution


class CatalogueMeasure(models.Model):
    """A measure from a partner's catalogue (Massnahmenkatalog der IIZ-Partner)."""

    institution = models.ForeignKey(
        Institution, verbose_name=_("institution"), on_delete=models.PROTECT, related_name="catalogue_measures"
    )
    name_de = models.CharField(_("name (German)"), max_length=200)
    name_fr = models.CharField(_("name (French)"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("catalogue measure")
        verbose_name_plural = _("catalogue of measures")
        ordering = ["institution__code", "name_de"]
        constraints = [models.UniqueConstraint(fields=["institution", "name_de"], name="catalogue_measure_unique_name")]

    def __str__(self) -> str:
        return f"{self.name} ({self.institution.short})"

    @property
    def name(self) -> str:
        return self.name_fr if translation.get_language() == "fr" else self.name_de


class EmployerContact(models.Model):
    """An employer the partners work with (Arbeitgeberkontakte der IIZ-Partner)."""

    institution = models.ForeignKey(
        Institution, verbose_name=_("institution"), on_delete=models.PROTECT, related_name="employer_contacts"
    )
    company = models.CharField(_("company"), max_length=200)
    sector = models.CharField(_("sector"), max_length=100, blank=True)
    contact_name = models.CharField(_("contact person"), max_length=200, blank=True)
    city = models.CharField(_("town"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    notes = models.TextField(_("notes"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("employer contact")
        verbose_name_plural = _("employer contacts")
        ordering = ["company"]

    def __str__(self) -> str:
        return f"{self.company} ({self.city})" if self.city else self.company
