import json
import logging
from datetime import datetime

from skilleval.core import context


class RequestIdFilter(logging.Filter):
    """Stamp each log line with the id of the request (or job) it belongs to, as the error page shows it."""

    def filter(self, record):
        ctx = context.current()
        record.request_id = ctx.request_id if ctx else "-"
        return True


class JsonLogFormatter(logging.Formatter):
    """One JSON object per line for log collectors (LOG_FORMAT=json): time, level, logger, request_id,
    message, and the exception when there is one."""

    def format(self, record):
        entry = {
            "time": datetime.fromtimestamp(record.created).astimezone().isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "request_id": getattr(record, "request_id", "-"),
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)
