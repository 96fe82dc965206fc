from django.apps import AppConfig


class IizConfig(AppConfig):
    name = "iiz"
    verbose_name = "IIZ"

    def ready(self):
        # The login notes the time of the last activity (iiz/middleware.py, the idle timeout).
        from iiz import middleware  # noqa: F401
