from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MessagingConfig(AppConfig):
    name = "messaging"
    verbose_name = _("消息")

    def ready(self) -> None:
        from messaging import checks  # noqa: F401  (registers the system checks)
