import logging

from skilleval.core import context


class RequestIdFilter(logging.Filter):
    """Stamp each log line with the id of the request (or job) it belongs to, as the error page shows it."""

    def filter(self, record):
        ctx = context.current()
        record.request_id = ctx.request_id if ctx else "-"
        return True
