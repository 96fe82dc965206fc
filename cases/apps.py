from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = _("Cases")

    def ready(self) -> None:
        from django.db.models.signals import m2m_changed, post_delete, post_save

        from cases import cached

        # Every write to the cases and roles tables makes the cached figures stale.
        for signal in (post_save, post_delete, m2m_changed):
            signal.connect(cached.on_write, dispatch_uid=f"iiz-cached-{signal!r}")
