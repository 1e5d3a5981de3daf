from django.conf import settings
from django.db import models


def acting_user(**kwargs):
    """Who took a step (decided, confirmed, checked …): kept for the record and shown, never searched by,
    so no index to keep up. Nullable; a user with such steps cannot be deleted."""
    options = {
        "null": True,
        "blank": True,
        "on_delete": models.PROTECT,
        "related_name": "+",
        "db_index": False,
    }
    return models.ForeignKey(settings.AUTH_USER_MODEL, **{**options, **kwargs})
