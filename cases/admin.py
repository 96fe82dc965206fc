"""Admin for the reference data of the cases app, managed by the cantonal officer.

Only the catalogue of measures and the employer contacts are editable here: case data
(cases, persons, plans, reviews, journal) changes only through the application's actions,
which ask the policy, follow the CII101 flow and write the journal. The access log and the
persons are registered read-only, for the officer; opening a person is written to the access
log of each of the person's cases.
"""

from django.contrib import admin
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from cases.audit.access import log_access_many
from cases.flow import policy
from cases.models import AccessKind, AccessLog, CatalogueMeasure, EmployerContact, Person


class OfficerReadOnly:
    """Read-only, and for the cantonal officer only: nobody adds, changes or deletes here."""

    def _officer(self, request) -> bool:
        return (
            request.user.is_active
            and request.user.is_staff
            and (request.user.is_superuser or policy.permits(request.user, "manage_reference_data"))
        )

    def has_module_permission(self, request) -> bool:
        return self._officer(request)

    def has_view_permission(self, request, obj=None) -> bool:
        return self._officer(request)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(CatalogueMeasure)
class CatalogueMeasureAdmin(admin.ModelAdmin):
    list_display = ["name_de", "name_fr", "institution", "is_active"]
    list_filter = ["institution", "is_active"]
    search_fields = ["name_de", "name_fr", "description"]
    list_select_related = ["institution"]
    autocomplete_fields = ["institution"]
    fields = ["institution", "name_de", "name_fr", "description", "is_active"]


@admin.register(EmployerContact)
class EmployerContactAdmin(admin.ModelAdmin):
    list_display = ["company", "sector", "city", "contact_name", "phone", "email", "institution", "is_active"]
    list_filter = ["institution", "is_active", "city"]
    search_fields = ["company", "sector", "city", "contact_name", "email", "notes"]
    list_select_related = ["institution"]
    autocomplete_fields = ["institution"]
    fields = ["company", "sector", "city", "institution", "contact_name", "phone", "email", "notes", "is_active"]


@admin.register(AccessLog)
class AccessLogAdmin(OfficerReadOnly, admin.ModelAdmin):
    """The access log, read-only and for the cantonal officer only: nobody adds, changes or
    deletes entries (the model and, on PostgreSQL, the database refuse it too)."""

    list_display = ["at", "user", "case", "kind", "page_detail", "address"]
    list_filter = ["kind", "at"]
    search_fields = ["case__reference", "user__username", "user__first_name", "user__last_name"]
    list_select_related = ["user", "case"]
    date_hierarchy = "at"
    fields = ["at", "user", "case", "kind", "detail", "address"]
    readonly_fields = fields
    list_per_page = 50

    @admin.display(description=_("Detail"), ordering="detail")
    def page_detail(self, obj: AccessLog) -> str:
        """The page read, in the officer's language (stored in English)."""
        return gettext(obj.detail) if obj.detail else ""


@admin.register(Person)
class PersonAdmin(OfficerReadOnly, admin.ModelAdmin):
    """The persons, read-only for the cantonal officer (corrections are made on the case,
    where they are journaled and kept in the change history)."""

    list_display = ["last_name", "first_name", "birth_date", "ahv_number", "city", "language"]
    search_fields = ["last_name", "first_name", "ahv_number", "city"]
    list_filter = ["language"]
    fields = [
        "first_name",
        "last_name",
        "birth_date",
        "ahv_number",
        "sex",
        "language",
        "street",
        "postcode",
        "city",
        "phone",
        "email",
        "case_references",
        "created_at",
    ]
    readonly_fields = fields
    list_per_page = 50

    @admin.display(description=_("Cases"))
    def case_references(self, obj: Person) -> str:
        return ", ".join(case.reference for case in obj.cases.all()) or "—"

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        person = self.get_object(request, object_id) if response.status_code == 200 else None
        if person is not None:
            log_access_many(request, person.cases.all(), AccessKind.VIEW, "person in the administration")
        return response
