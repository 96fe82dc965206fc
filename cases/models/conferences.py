"""The interinstitutional conferences (Tagungen) the secretariat organises (seed 004), and
who registered for them. Changes go through cases/conferences.py."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from roles.models import User


class Conference(models.Model):
    title = models.CharField(_("title"), max_length=200)
    held_on = models.DateField(_("date"))
    place = models.CharField(_("place"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    capacity = models.PositiveIntegerField(_("places"), null=True, blank=True, help_text=_("Empty: no limit."))
    created_by = models.ForeignKey(User, verbose_name=_("organised by"), on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("conference")
        verbose_name_plural = _("conferences")
        ordering = ["-held_on", "-pk"]

    def __str__(self) -> str:
        return self.title


class Registration(models.Model):
    """A participant of a conference: a platform user, registered by themselves or by the
    secretariat."""

    conference = models.ForeignKey(
        Conference, verbose_name=_("conference"), on_delete=models.CASCADE, related_name="registrations"
    )
    participant = models.ForeignKey(User, verbose_name=_("participant"), on_delete=models.PROTECT, related_name="+")
    registered_by = models.ForeignKey(User, verbose_name=_("registered by"), on_delete=models.PROTECT, related_name="+")
    registered_at = models.DateTimeField(_("registered at"), auto_now_add=True)

    class Meta:
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        ordering = ["conference", "participant__last_name", "participant__first_name", "pk"]
        constraints = [models.UniqueConstraint(fields=["conference", "participant"], name="registration_once")]

    def __str__(self) -> str:
        return f"{self.conference}: {self.participant}"
