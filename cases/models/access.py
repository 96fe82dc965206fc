"""Who may see a case beyond the roles (per-case grants) and who did see it (access log)."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from guardian.models import UserObjectPermissionBase

from roles.models import User


class CaseGrant(UserObjectPermissionBase):
    """A per-case grant (django-guardian, direct foreign-key table): a deputy case manager
    during an absence (permission ``act_as_case_manager``), or a case shared with a named
    person (``view_case``). Granted and revoked by the coordinator, valid until a date; the
    journal records both."""

    content_object = models.ForeignKey("cases.Case", verbose_name=_("case"), on_delete=models.CASCADE, related_name="grants")
    valid_until = models.DateField(_("valid until"))
    reason = models.CharField(_("reason"), max_length=200)
    granted_by = models.ForeignKey(User, verbose_name=_("granted by"), on_delete=models.PROTECT, null=True, related_name="+")
    granted_at = models.DateTimeField(_("granted at"), auto_now_add=True)

    class Meta(UserObjectPermissionBase.Meta):
        verbose_name = _("access grant")
        verbose_name_plural = _("access grants")
        indexes = [models.Index(fields=["user", "valid_until"])]


class AccessKind(models.TextChoices):
    VIEW = "view", _("viewed the case")
    VIEW_PLAN = "view_plan", _("viewed a plan version")
    DOWNLOAD = "download", _("downloaded a document")
    EXPORT = "export", _("exported data")
    MATCH = "match", _("checked at intake whether a person is known")
    SEARCH = "search", _("searched the cases by name or AHV number")


class AccessLogQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("The access log is append-only.")

    def delete(self):
        raise PermissionError("The access log is append-only.")


class AccessLog(models.Model):
    """Every read of case data: case pages, document downloads, exports (revised FADP:
    a record of who accessed what). Append-only: rows are never changed or deleted by the
    application (and, on PostgreSQL, a trigger refuses it in the database too). Each row
    carries a hash chained to the row before it (cases/audit/chain.py)."""

    case = models.ForeignKey(
        "cases.Case", verbose_name=_("case"), on_delete=models.PROTECT, null=True, blank=True, related_name="access_log"
    )
    user = models.ForeignKey(User, verbose_name=_("user"), on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("what"), max_length=12, choices=AccessKind.choices)
    detail = models.CharField(_("detail"), max_length=300, blank=True)
    # Set by the writer with the hash (cases/audit/chain.py), not at insert: the hash covers it.
    at = models.DateTimeField(_("when"), default=timezone.now, editable=False, db_index=True)
    address = models.GenericIPAddressField(_("address"), null=True, blank=True)
    hash = models.CharField(_("hash"), max_length=64, blank=True, editable=False)

    objects = AccessLogQuerySet.as_manager()

    class Meta:
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["case", "-at"]), models.Index(fields=["user", "-at"])]

    def __str__(self) -> str:
        return f"{self.at:%d.%m.%Y %H:%M} {self.user} {self.get_kind_display()}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("The access log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("The access log is append-only.")
