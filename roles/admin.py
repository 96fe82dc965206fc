from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from roles.models import Institution, Membership, Region, Theme, User


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 1
    autocomplete_fields = ["region", "theme", "institution"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    inlines = [MembershipInline]
    list_display = ["username", "first_name", "last_name", "email", "language", "is_active"]
    list_filter = ["is_active", "is_staff", "language", "memberships__role"]
    fieldsets = DjangoUserAdmin.fieldsets + ((_("Preferences"), {"fields": ["language"]}),)


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "region", "theme", "institution", "starts_on", "ends_on"]
    list_filter = ["role", "region", "theme", "institution"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]
    autocomplete_fields = ["user", "region", "theme", "institution"]
    date_hierarchy = "starts_on"


class ReferenceAdmin(admin.ModelAdmin):
    list_display = ["code", "name_de", "name_fr"]
    search_fields = ["code", "name_de", "name_fr"]


admin.site.register(Region, ReferenceAdmin)
admin.site.register(Theme, ReferenceAdmin)


@admin.register(Institution)
class InstitutionAdmin(ReferenceAdmin):
    list_display = ["code", "short_de", "name_de", "short_fr", "name_fr", "is_active"]
    list_filter = ["is_active"]
