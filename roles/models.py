"""The IIZ organisation (seed 004): regions, themes, partner institutions, and the role
memberships that say what each user may see and do.

Reference rows (regions, themes, institutions) carry a stable ``code`` and their names in
German and French; ``name`` gives the one of the active language.
"""

from __future__ import annotations

import datetime

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _


class Language(models.TextChoices):
    DE = "de", _("German")
    FR = "fr", _("French")


class ReminderDelivery(models.TextChoices):
    EACH = "each", _("One e-mail per reminder")
    DIGEST = "digest", _("One daily digest")


class NotificationDelivery(models.TextChoices):
    AT_ONCE = "at_once", _("One e-mail per notification, at once")
    DIGEST = "digest", _("In the daily digest")
    NONE = "none", _("No e-mail: in the application only")


class EmailFormat(models.TextChoices):
    TEXT = "text", _("Plain text")
    HTML = "html", _("Plain text with an HTML part")


class BilingualNamed(models.Model):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_de = models.CharField(_("name (German)"), max_length=200)
    name_fr = models.CharField(_("name (French)"), max_length=200)

    class Meta:
        abstract = True
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_fr if translation.get_language() == "fr" else self.name_de


class Region(BilingualNamed):
    """One of the three regions of Valais, each with its regional coordinator."""

    class Meta(BilingualNamed.Meta):
        verbose_name = _("region")
        verbose_name_plural = _("regions")


class Theme(BilingualNamed):
    """A theme (youth, asylum) followed by a thematic coordinator instead of a region."""

    class Meta(BilingualNamed.Meta):
        verbose_name = _("theme")
        verbose_name_plural = _("themes")


class Institution(BilingualNamed):
    """A partner institution ("Dispositiv") of the IIZ network."""

    short_de = models.CharField(_("abbreviation (German)"), max_length=20)
    short_fr = models.CharField(_("abbreviation (French)"), max_length=20)
    is_active = models.BooleanField(_("active"), default=True)
    # Where and in which language the IIZ secretariat writes to the institution (its invoices).
    language = models.CharField(_("language of correspondence"), max_length=2, choices=Language.choices, default=Language.DE)
    street = models.CharField(_("street and number"), max_length=70, blank=True)
    postcode = models.CharField(_("postcode"), max_length=16, blank=True)
    town = models.CharField(_("town"), max_length=35, blank=True)

    class Meta(BilingualNamed.Meta):
        verbose_name = _("institution")
        verbose_name_plural = _("institutions")

    @property
    def short(self) -> str:
        return self.short_fr if translation.get_language() == "fr" else self.short_de

    @property
    def label(self) -> str:
        """ "RAV – Regionale Arbeitsvermittlungszentren (…)"; the name alone when the
        abbreviation is the name ("Sucht Wallis")."""
        short, name = self.short, self.name
        return name if short == name else f"{short} – {name}"

    def name_in(self, language: str) -> str:
        return self.name_fr if language == "fr" else self.name_de


class User(AbstractUser):
    """A staff member of an IIZ institution. Beneficiaries never log in."""

    language = models.CharField(
        _("language"),
        max_length=2,
        choices=Language.choices,
        blank=True,
        help_text=_("Language of the interface and of e-mails. Empty: taken from the browser at the next login."),
    )
    reminder_delivery = models.CharField(
        _("reminders by e-mail"),
        max_length=6,
        choices=ReminderDelivery.choices,
        default=ReminderDelivery.EACH,
        help_text=_("Each reminder as it comes due, or all of the day's reminders in one message in the morning."),
    )
    notification_delivery = models.CharField(
        _("notifications by e-mail"),
        max_length=8,
        choices=NotificationDelivery.choices,
        default=NotificationDelivery.AT_ONCE,
        help_text=_("Notifications always appear under the bell; by e-mail as well, at once or in the daily digest."),
    )
    email_format = models.CharField(
        _("e-mail format"),
        max_length=4,
        choices=EmailFormat.choices,
        default=EmailFormat.TEXT,
    )
    # The bell's count, kept on the row that every request loads anyway: raised with each
    # notification in the transaction that creates it, recounted when notifications are read
    # (cases/notifications). Never edited by hand.
    unread_notifications = models.PositiveIntegerField(_("unread notifications"), default=0, editable=False)

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    def save(self, *args, **kwargs) -> None:
        """Saving a user never writes the unread count: it is changed only by the UPDATEs that
        create and read notifications, which a stale copy of the user must not undo."""
        if not self._state.adding and kwargs.get("update_fields") is None and not kwargs.get("force_insert"):
            deferred = self.get_deferred_fields()  # as a plain save, leave what was not loaded
            kwargs["update_fields"] = [
                field.name
                for field in self._meta.concrete_fields
                if not field.primary_key and field.attname not in deferred and field.name != "unread_notifications"
            ]
        super().save(*args, **kwargs)

    @cached_property
    def active_memberships(self) -> list[Membership]:
        """The memberships in force today, loaded once per request (one query)."""
        return list(self.memberships.active().select_related("region", "theme", "institution").order_by("role", "pk"))

    @cached_property
    def active_roles(self) -> frozenset[str]:
        return frozenset(m.role for m in self.active_memberships)

    def has_role(self, *roles: str) -> bool:
        return bool(self.active_roles.intersection(roles))


class Role(models.TextChoices):
    OFFICER = "officer", _("Cantonal IIZ officer")
    SECRETARIAT = "secretariat", _("IIZ secretariat")
    REGIONAL_COORDINATOR = "regional_coordinator", _("Regional coordinator")
    THEMATIC_COORDINATOR = "thematic_coordinator", _("Thematic coordinator")
    CONTACT_PERSON = "contact_person", _("IIZ contact person")
    FRONTLINE = "frontline", _("Front-line worker")
    LEGAL = "legal", _("Legal commission member")
    STEERING = "steering", _("Steering-board reader (COPIL/CDC)")


# Which organisation unit each role is attached to: "required", "optional", or absent (must be empty).
ROLE_SCOPE = {
    Role.OFFICER: {},
    Role.SECRETARIAT: {},
    Role.REGIONAL_COORDINATOR: {"region": "required"},
    Role.THEMATIC_COORDINATOR: {"theme": "required"},
    Role.CONTACT_PERSON: {"institution": "required", "region": "required"},
    Role.FRONTLINE: {"institution": "required"},
    # A member of the legal commission may name the institution they come from: they recuse
    # themselves from the funding requests that concern it.
    Role.LEGAL: {"institution": "optional"},
    Role.STEERING: {},
}


class MembershipQuerySet(models.QuerySet):
    def active(self, on: datetime.date | None = None) -> MembershipQuerySet:
        on = on or timezone.localdate()
        return self.filter(Q(starts_on__lte=on), Q(ends_on__isnull=True) | Q(ends_on__gte=on))


class Membership(models.Model):
    """A user's role, for a region, theme and/or institution, from one date to another.

    One person may hold several memberships (a contact person of the RAV who is also a
    front-line worker, a coordinator of two regions).
    """

    user = models.ForeignKey(User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT, null=True, blank=True)
    theme = models.ForeignKey(Theme, verbose_name=_("theme"), on_delete=models.PROTECT, null=True, blank=True)
    institution = models.ForeignKey(Institution, verbose_name=_("institution"), on_delete=models.PROTECT, null=True, blank=True)
    starts_on = models.DateField(_("starts on"), default=timezone.localdate)
    ends_on = models.DateField(_("ends on"), null=True, blank=True, help_text=_("Empty: open-ended."))

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("role membership")
        verbose_name_plural = _("role memberships")
        ordering = ["user", "role"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="membership_ends_after_start",
            ),
            models.CheckConstraint(
                condition=~Q(role="regional_coordinator") | Q(region__isnull=False),
                name="membership_regional_coordinator_has_region",
            ),
            models.CheckConstraint(
                condition=~Q(role="thematic_coordinator") | Q(theme__isnull=False),
                name="membership_thematic_coordinator_has_theme",
            ),
            models.CheckConstraint(
                condition=~Q(role="contact_person") | (Q(institution__isnull=False) & Q(region__isnull=False)),
                name="membership_contact_person_has_institution_and_region",
            ),
            models.CheckConstraint(
                condition=~Q(role="frontline") | Q(institution__isnull=False),
                name="membership_frontline_has_institution",
            ),
        ]
        indexes = [models.Index(fields=["user", "starts_on", "ends_on"])]

    def __str__(self) -> str:
        unit = ", ".join(str(u) for u in self.units)
        return f"{self.get_role_display()} ({unit})" if unit else str(self.get_role_display())

    def clean(self) -> None:
        errors = {}
        scope = ROLE_SCOPE.get(self.role, {})
        for unit in ("region", "theme", "institution"):
            value = getattr(self, f"{unit}_id")
            if scope.get(unit) == "required" and value is None:
                errors[unit] = _("This role needs a %(unit)s.") % {"unit": Membership._meta.get_field(unit).verbose_name}
            elif unit not in scope and value is not None:
                errors[unit] = _("This role is not attached to a %(unit)s.") % {
                    "unit": Membership._meta.get_field(unit).verbose_name
                }
        if self.ends_on and self.starts_on and self.ends_on < self.starts_on:
            errors["ends_on"] = _("The end date cannot be before the start date.")
        if errors:
            raise ValidationError(errors)

    @property
    def units(self) -> list:
        """The region, theme and institution this membership is for (those that are set)."""
        return [unit for unit in (self.region, self.theme, self.institution) if unit is not None]

    def is_active(self, on: datetime.date | None = None) -> bool:
        on = on or timezone.localdate()
        return self.starts_on <= on and (self.ends_on is None or self.ends_on >= on)
