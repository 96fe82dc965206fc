"""Meetings with a date, a place and invitations: the round tables and assessments the
secretariat organises (seed 004), the network meetings, the coordinators' round-table
sessions with several cases on their agenda and their yearly meetings with the region's
contact persons. What a meeting established for a case stays in its record
(cases.models.Meeting); the scheduled meeting links to it through its agenda item.

Only the actions of cases/scheduling/actions.py write these rows.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from roles.models import Language, Region, Theme, User


class ScheduledKind(models.TextChoices):
    ROUND_TABLE = "round_table", _("Round table (CII102)")
    ASSESSMENT = "assessment", _("Assessment (CII104)")
    NETWORK = "network", _("Network meeting")
    SESSION = "session", _("Round-table session")
    YEARLY = "yearly", _("Yearly meeting with the contact persons")


# The kinds that are about one case (the others have none: a session has an agenda of cases).
CASE_KINDS = (ScheduledKind.ROUND_TABLE, ScheduledKind.ASSESSMENT, ScheduledKind.NETWORK)


class MeetingState(models.TextChoices):
    SCHEDULED = "scheduled", _("scheduled")
    HELD = "held", _("held")
    CANCELLED = "cancelled", _("cancelled")


class Reply(models.TextChoices):
    NONE = "", _("no reply yet")
    ATTENDS = "attends", _("attends")
    EXCUSED = "excused", _("excused")


class ChecklistItem(models.TextChoices):
    """What is checked on a case before its meeting (seed 004: the secretariat makes sure
    the person's data are up to date before the meetings)."""

    PERSON_DATA = "person_data", _("The person's data on the platform are updated")
    POWER_OF_ATTORNEY = "power_of_attorney", _("The power of attorney is valid")
    DOCUMENTS = "documents", _("The documents are on the case")


def new_uid() -> str:
    domain = getattr(settings, "IIZ_CALENDAR_DOMAIN", "iiz.vs.ch")
    return f"{uuid.uuid4()}@{domain}"


class ScheduledMeeting(models.Model):
    """One meeting in the calendar. ``uid`` stays the same for its whole life (RFC 5545 UID)
    and ``sequence`` is raised on each change that is sent out again (a new time or place,
    the cancellation), so that calendars replace the event they hold."""

    kind = models.CharField(_("kind"), max_length=20, choices=ScheduledKind.choices)
    case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("case"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="scheduled_meetings",
    )
    # Whose meeting a session or a yearly meeting is: a region, or a theme.
    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT, null=True, blank=True)
    theme = models.ForeignKey(Theme, verbose_name=_("theme"), on_delete=models.PROTECT, null=True, blank=True)
    title = models.CharField(_("title"), max_length=200, blank=True)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    place = models.CharField(_("place"), max_length=200, blank=True)
    video_link = models.URLField(_("video link"), blank=True)
    state = models.CharField(_("state"), max_length=12, choices=MeetingState.choices, default=MeetingState.SCHEDULED)
    uid = models.CharField(_("calendar UID"), max_length=120, unique=True, default=new_uid, editable=False)
    sequence = models.PositiveIntegerField(_("sequence"), default=0)
    organiser = models.ForeignKey(User, verbose_name=_("organiser"), on_delete=models.PROTECT, related_name="+")
    minutes = models.TextField(_("minutes"), blank=True)
    cancel_reason = models.TextField(_("reason for the cancellation"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("scheduled meeting")
        verbose_name_plural = _("scheduled meetings")
        ordering = ["starts_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(ends_at__gt=models.F("starts_at")), name="scheduled_meeting_ends_after"),
            models.CheckConstraint(
                condition=models.Q(kind__in=list(CASE_KINDS), case__isnull=False)
                | (~models.Q(kind__in=list(CASE_KINDS)) & models.Q(case__isnull=True)),
                name="scheduled_meeting_case_by_kind",
            ),
        ]
        indexes = [models.Index(fields=["state", "starts_at"], name="scheduled_state_start")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.starts_at:%d.%m.%Y %H:%M}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("cases:scheduled_meeting", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.state == MeetingState.SCHEDULED


class AgendaItem(models.Model):
    """A case on a meeting's agenda (one for a meeting about one case, several for a
    session), its record of the result (cases.models.Meeting) and the checklist ticked
    before the meeting: who ticked each item and when."""

    meeting = models.ForeignKey(ScheduledMeeting, verbose_name=_("meeting"), on_delete=models.CASCADE, related_name="agenda")
    case = models.ForeignKey("cases.Case", verbose_name=_("case"), on_delete=models.CASCADE, related_name="agenda_items")
    record = models.ForeignKey(
        "cases.Meeting", verbose_name=_("record"), on_delete=models.PROTECT, null=True, blank=True, related_name="agenda_items"
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    person_data_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    person_data_at = models.DateTimeField(null=True, blank=True)
    power_of_attorney_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    power_of_attorney_at = models.DateTimeField(null=True, blank=True)
    documents_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    documents_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("agenda item")
        verbose_name_plural = _("agenda items")
        ordering = ["meeting", "position", "pk"]
        constraints = [models.UniqueConstraint(fields=["meeting", "case"], name="agenda_item_once_per_case")]

    def __str__(self) -> str:
        return str(self.case_id)

    def checklist(self) -> list[tuple[str, str, User | None, object]]:
        """(item, label, ticked by, ticked at) for each checklist item."""
        return [
            (item.value, item.label, getattr(self, f"{item.value}_by"), getattr(self, f"{item.value}_at"))
            for item in ChecklistItem
        ]

    @property
    def checklist_done(self) -> bool:
        return all(getattr(self, f"{item.value}_at") is not None for item in ChecklistItem)


class Participant(models.Model):
    """Someone invited: a user of the platform, an external participant (name, e-mail,
    language), or the person of the case (``is_person``: invited by letter, in the
    correspondence language). In a session, ``agenda_item`` names the case the participant
    comes for (none: the whole session). The reply is recorded by whom and when."""

    meeting = models.ForeignKey(
        ScheduledMeeting, verbose_name=_("meeting"), on_delete=models.CASCADE, related_name="participants"
    )
    agenda_item = models.ForeignKey(
        AgendaItem, verbose_name=_("agenda item"), on_delete=models.CASCADE, null=True, blank=True, related_name="participants"
    )
    user = models.ForeignKey(User, verbose_name=_("user"), on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    is_person = models.BooleanField(_("the person of the case"), default=False)
    name = models.CharField(_("name"), max_length=200, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    language = models.CharField(_("language"), max_length=2, choices=Language.choices, blank=True)
    reply = models.CharField(_("reply"), max_length=10, choices=Reply.choices, blank=True, default="")
    reply_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    reply_at = models.DateTimeField(null=True, blank=True)
    # The sequence of the meeting last sent to this participant (each is sent once).
    sent_sequence = models.IntegerField(default=-1)

    class Meta:
        verbose_name = _("invited participant")
        verbose_name_plural = _("invited participants")
        ordering = ["meeting", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(user__isnull=False) | models.Q(is_person=True) | ~models.Q(name=""),
                name="invited_user_person_or_name",
            ),
        ]

    def __str__(self) -> str:
        if self.user_id:
            return str(self.user)
        if self.is_person and self.agenda_item_id:
            return str(self.agenda_item.case.person.full_name)
        return self.name

    @property
    def address(self) -> str:
        """Where the e-mail goes (the person gets a letter instead)."""
        if self.is_person:
            return ""
        return self.user.email if self.user_id else self.email

    @property
    def reading_language(self) -> str:
        if self.user_id:
            return self.user.language or settings.LANGUAGE_CODE
        return self.language or settings.LANGUAGE_CODE


class CalendarFeed(models.Model):
    """A user's private iCalendar feed: only the hash (SHA-256) of its secret token is kept;
    regenerating the token replaces it, and the old address stops working."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="calendar_feed")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")

    def __str__(self) -> str:
        return str(self.user_id)
