import logging

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop, ngettext

from roles import second_factor
from roles.models import Institution, Membership, Region, Theme, User

logger = logging.getLogger("iiz.security")


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 1
    autocomplete_fields = ["region", "theme", "institution"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    inlines = [MembershipInline]
    list_display = ["username", "first_name", "last_name", "email", "language", "is_active", "second_factor"]
    list_filter = ["is_active", "is_staff", "language", "memberships__role"]
    fieldsets = DjangoUserAdmin.fieldsets + ((_("Preferences"), {"fields": ["language"]}),)
    actions = ["reset_second_factor"]
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

    def get_queryset(self, request):
        # The second factor column in the same query as the list (no query per row).
        return super().get_queryset(request).annotate(has_second_factor=second_factor.has_second_factor_expression())

    @admin.display(description=_("Second factor"), boolean=True, ordering="has_second_factor")
    def second_factor(self, obj):
        return obj.has_second_factor

    @admin.action(description=_("Reset the second factor (lost phone)"), permissions=["change"])
    def reset_second_factor(self, request, queryset):
        """The officer's reset of a lost device: every app and backup code of the users goes,
        and they set up a new one at their next page. Each reset is written to the user's
        change history in the admin (and to the security log)."""
        if not request.user.is_superuser:
            queryset = queryset.filter(is_superuser=False)
        done = 0
        for user in queryset:
            if second_factor.reset(user):
                done += 1
                # Stored in English, shown in the reader's language (LogEntry.get_change_message).
                self.log_change(request, user, [{"changed": {"fields": [gettext_noop("Second factor reset")]}}])
                logger.warning("second factor of %s reset by %s", user.get_username(), request.user.get_username())
        self.message_user(
            request,
            ngettext(
                "The second factor of %(count)s user was reset.",
                "The second factor of %(count)s users was reset.",
                done,
            )
            % {"count": done},
            messages.SUCCESS if done else messages.INFO,
        )


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
