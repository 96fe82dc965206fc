from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = _("Cases")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from cases import cached

        # Every write to the cases and roles tables makes the cached figures stale. Not
        # m2m_changed: a receiver of it takes the fast path from every many-to-many add (one
        # query more), and the actions that change such links also save a row (the journal).
        for signal in (post_save, post_delete):
            signal.connect(cached.on_write, dispatch_uid=f"iiz-cached-{signal!r}")
