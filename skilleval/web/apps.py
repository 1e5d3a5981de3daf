from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebConfig(AppConfig):
    name = "skilleval.web"
    verbose_name = _("Public site")

    def ready(self):
        from django.core.signals import request_finished

        request_finished.connect(_clear_request_context, dispatch_uid="skilleval-clear-context")


def _clear_request_context(**kwargs):
    from skilleval.core import context

    context.set_context(None)
