"""Reminders of the CII101 deadlines (cases/deadlines/__init__.py), created by the sweep and sent by
e-mail (cases/deadlines/reminders.py). The unique constraint makes each reminder exist once, however
often and by however many workers the sweep runs."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from roles.models import User


class ReminderKind(models.TextChoices):
    DAYS_30 = "30_days", _("30 days before")
    DAYS_7 = "7_days", _("7 days before")
    DUE = "due", _("due today")
    OVERDUE = "overdue", _("overdue")


class Reminder(models.Model):
    """One reminder of one deadline (``rule``, ``due_on``) at one stage (``kind``) for one
    recipient."""

    case = models.ForeignKey("cases.Case", verbose_name=_("case"), on_delete=models.CASCADE, related_name="reminders")
    rule = models.CharField(_("rule"), max_length=40)
    due_on = models.DateField(_("due on"))
    kind = models.CharField(_("kind"), max_length=10, choices=ReminderKind.choices)
    recipient = models.ForeignKey(User, verbose_name=_("recipient"), on_delete=models.CASCADE, related_name="reminders")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    claimed_until = models.DateTimeField(
        _("being sent until"),
        null=True,
        blank=True,
        help_text=_("A sender holds the reminder until then; another may take it over afterwards."),
    )
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_attempt_at = models.DateTimeField(_("last failed attempt at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        constraints = [
            models.UniqueConstraint(fields=["case", "rule", "due_on", "kind", "recipient"], name="reminder_once"),
        ]
        indexes = [models.Index(fields=["sent_at", "resolved_at"])]

    def __str__(self) -> str:
        return f"{self.case_id} {self.rule} {self.due_on} {self.kind} -> {self.recipient_id}"
