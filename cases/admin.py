"""Admin for the reference data of the cases app, managed by the cantonal officer.

Only the catalogue of measures and the employer contacts are registered: case data (cases,
persons, plans, reviews, journal) changes only through the application's actions, which
check the role, follow the CII101 flow and write the journal.
"""

from django.contrib import admin

from cases.models import CatalogueMeasure, EmployerContact


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
