"""Retention (issue 18 point 10): the holds that keep a closed case from being anonymised.
The rule (when a case is due) and the anonymisation are in cases/retention/."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from roles.models import User


class RetentionHold(models.Model):
    """A closed case the cantonal officer keeps past its retention period, with the reason
    (a pending appeal, a claim of an institution). The anonymisation skips it; lifting the
    hold deletes the row. The journal records both, with the reason."""

    case = models.OneToOneField("cases.Case", verbose_name=_("case"), on_delete=models.CASCADE, related_name="retention_hold")
    reason = models.CharField(_("reason"), max_length=300)
    held_by = models.ForeignKey(User, verbose_name=_("held by"), on_delete=models.PROTECT, related_name="+")
    held_at = models.DateTimeField(_("held at"), auto_now_add=True)

    class Meta:
        verbose_name = _("retention hold")
        verbose_name_plural = _("retention holds")

    def __str__(self) -> str:
        return f"{self.case_id}: {self.reason}"
