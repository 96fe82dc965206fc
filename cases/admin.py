"""Admin for the reference data of the cases app, managed by the cantonal officer.

Only the catalogue of measures and the employer contacts are registered: case data (cases,
persons, plans, reviews, journal) changes only through the application's actions, which
check the role, follow the CII101 flow and write the journal. The access log is registered
read-only, for the officer.
"""

from django.contrib import admin
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from cases.flow import policy
from cases.models import AccessLog, CatalogueMeasure, EmployerContact


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
class AccessLogAdmin(admin.ModelAdmin):
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
