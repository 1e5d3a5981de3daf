from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "skilleval.accounts"
    verbose_name = _("People and access")

    def ready(self):
        from skilleval.accounts import auth_events

        auth_events.connect()
