from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SchedulingConfig(AppConfig):
    name = "skilleval.scheduling"
    verbose_name = _("Sessions and seats")
