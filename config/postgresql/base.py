"""Django's PostgreSQL backend, whose health check skips a connection that finished a request cleanly a
moment ago.

With CONN_HEALTH_CHECKS, Django sends `SELECT 1` before the first query of every request: a round trip and
a statement for the server on every request, however busy the connection is. On the public verification
API (bench/certificate_verify.py) that was one of its two PostgreSQL round trips. Connection pools have long
skipped the check for a connection used moments ago (HikariCP's `aliveBypassWindowMs`, 500 ms); so does
this backend, for `HEALTH_CHECK_BYPASS_SECONDS` (settings: DB_HEALTH_CHECK_BYPASS_SECONDS, default 0.5, 0
checks every time). A connection that went bad within that window fails its first query, as it would
without health checks, and Django closes it at the end of that request; the next request opens a new one.
"""

import time

from django.db.backends.postgresql import base


class DatabaseWrapper(base.DatabaseWrapper):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.proven_at = float("-inf")  # when a request last ended with this connection working

    def close_if_health_check_failed(self):
        if (
            self.connection is not None
            and self.health_check_enabled
            and not self.health_check_done
            and time.monotonic() - self.proven_at < self.settings_dict.get("HEALTH_CHECK_BYPASS_SECONDS", 0)
        ):
            self.health_check_done = True
            return
        super().close_if_health_check_failed()

    def close_if_unusable_or_obsolete(self):
        # Called at the start and end of every request. A connection used in the request (its health check
        # done or bypassed) with no error since is proven alive; one that had errors is checked by Django.
        used, clean = self.health_check_done, not self.errors_occurred
        super().close_if_unusable_or_obsolete()
        if self.connection is not None and used and clean:
            self.proven_at = time.monotonic()

    def close(self):
        super().close()
        self.proven_at = float("-inf")
