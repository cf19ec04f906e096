from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AidAccountingConfig(AppConfig):
    name = "aid_accounting"
    verbose_name = _("帮扶核算")
