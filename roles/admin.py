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
    # What only a superuser changes: who is staff or superuser, and the groups and
    # permissions (the access to the administration itself). The officer manages people,
    # their roles and memberships, and nothing of that.
    SUPERUSER_FIELDS = ("is_staff", "is_superuser", "groups", "user_permissions")

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if request.user.is_superuser:
            return fieldsets
        return [
            (name, {**options, "fields": [f for f in options["fields"] if f not in self.SUPERUSER_FIELDS]})
            for name, options in fieldsets
        ]

    def get_list_filter(self, request):
        filters = super().get_list_filter(request)
        return filters if request.user.is_superuser else [f for f in filters if f not in self.SUPERUSER_FIELDS]

    def has_change_permission(self, request, obj=None):
        # A superuser's account (its password included) is changed by a superuser only.
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_delete_permission(request, obj)


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
