"""Notifications: one row per recipient of an event the recipient waits for (designated as
case manager, a plan submitted, sent back or validated, ...). The row keeps the event's code
and parameters, never a translated text: cases/notifications renders it in the reader's
language, on the page and in the e-mail."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from roles.models import User


class EmailState(models.TextChoices):
    PENDING = "pending", _("to be e-mailed")
    SENT = "sent", _("e-mailed")
    NONE = "none", _("not e-mailed")


class Notification(models.Model):
    """What ``recipient`` is told of ``event`` on ``case``, shown under the bell until read
    and e-mailed at most once (``email_state``: the sender wins the row by a conditional
    UPDATE from pending to sent)."""

    recipient = models.ForeignKey(User, verbose_name=_("recipient"), on_delete=models.CASCADE, related_name="notifications")
    case = models.ForeignKey("cases.Case", verbose_name=_("case"), on_delete=models.CASCADE, related_name="notifications")
    event = models.CharField(_("event"), max_length=40)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    actor = models.ForeignKey(User, verbose_name=_("by"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    email_state = models.CharField(_("e-mail"), max_length=8, choices=EmailState.choices, default=EmailState.PENDING)
    emailed_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="notification_page"),
            models.Index(fields=["email_state", "recipient"], name="notification_pending"),
        ]

    def __str__(self) -> str:
        return f"{self.event} {self.case_id} -> {self.recipient_id}"
