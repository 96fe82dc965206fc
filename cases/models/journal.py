from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from roles.models import User


class JournalKind(models.TextChoices):
    TRANSITION = "transition", _("Step")
    RECORD = "record", _("Record")
    NOTE = "note", _("Note")
    MINUTES = "minutes", _("Meeting minutes")


class JournalEntryQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("The journal is append-only.")

    def delete(self):
        raise PermissionError("The journal is append-only.")


class JournalEntry(models.Model):
    """The case journal: every step taken, every record made, notes and meeting minutes.
    Append-only; the case page shows it as the timeline (who, when, what).

    What the application says is an ``event`` code with its ``params``, rendered in the
    reader's language (cases/audit/events.py); ``text`` is only what a user wrote (a note,
    minutes, a reason, a comment)."""

    case = models.ForeignKey("cases.Case", verbose_name=_("case"), on_delete=models.CASCADE, related_name="journal")
    kind = models.CharField(_("kind"), max_length=12, choices=JournalKind.choices)
    # Set by the writer with the hash (cases/audit/chain.py), not at insert: the hash covers it.
    at = models.DateTimeField(_("when"), default=timezone.now, editable=False, db_index=True)
    author = models.ForeignKey(User, verbose_name=_("who"), on_delete=models.PROTECT, related_name="+")
    transition = models.CharField(_("step"), max_length=40, blank=True)
    from_state = models.CharField(_("from"), max_length=32, blank=True)
    to_state = models.CharField(_("to"), max_length=32, blank=True)
    text = models.TextField(_("text"), blank=True)
    event = models.CharField(_("event"), max_length=40, blank=True)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    hash = models.CharField(_("hash"), max_length=64, blank=True, editable=False)

    objects = JournalEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("journal entry")
        verbose_name_plural = _("journal")
        ordering = ["case", "-at", "-pk"]
        indexes = [models.Index(fields=["case", "-at"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.get_kind_display()}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("The journal is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("The journal is append-only.")
