from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _


class MessagingConfig(AppConfig):
    name = "messaging"
    verbose_name = _("消息")

    def ready(self) -> None:
        from messaging import checks  # noqa: F401  (registers the system checks)

        # Each app registers its SMS templates in its sms_templates module: all of
        # them are known at start-up, so the production check sees every one.
        autodiscover_modules("sms_templates")
