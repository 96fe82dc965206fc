from django.apps import AppConfig
from django.core import checks
from django.utils.translation import gettext_lazy as _


class RolesConfig(AppConfig):
    name = "roles"
    verbose_name = _("Organisation and roles")

    def ready(self) -> None:
        from roles import signals  # noqa: F401

        checks.register(check_second_factor_roles)


def check_second_factor_roles(app_configs=None, **kwargs):
    """IIZ_OTP_REQUIRED_ROLES names only roles (and "staff"): a typo would silently leave a
    role without a second factor."""
    from django.conf import settings

    from roles.models import Role
    from roles.second_factor import STAFF

    unknown = sorted(set(settings.IIZ_OTP_REQUIRED_ROLES) - set(Role.values) - {STAFF})
    if unknown:
        return [
            checks.Error(
                f"IIZ_OTP_REQUIRED_ROLES names unknown roles: {', '.join(unknown)}",
                hint=f"Use role names ({', '.join(Role.values)}) and {STAFF!r} for everyone with the admin.",
                id="iiz.E201",
            )
        ]
    return []
