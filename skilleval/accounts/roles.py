"""Roles are Django groups named by these codes (DOMAIN.md §1, SECURITY.md "Access")."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    CANDIDATE = "candidate", _("Candidate")
    INSTITUTION = "institution", _("Institution user")
    COUNTER_CLERK = "counter_clerk", _("Counter clerk")
    REVIEWER = "reviewer", _("Reviewer")
    CASHIER = "cashier", _("Cashier")
    SCHEDULER = "scheduler", _("Scheduler")
    EXAMINER = "examiner", _("Invigilator / examiner")
    SUPERVISOR = "supervisor", _("Supervisor")
    SYSTEM_ADMIN = "system_admin", _("System administrator")
    SECURITY_ADMIN = "security_admin", _("Security administrator")
    AUDIT_ADMIN = "audit_admin", _("Audit administrator")


# 等保 2.0 三权分立: one person may hold at most one of these.
EXCLUSIVE_ADMIN_ROLES = frozenset({Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN})

STAFF_ROLES = frozenset(Role) - {Role.CANDIDATE, Role.INSTITUTION}
