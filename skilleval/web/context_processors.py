from django.utils.functional import SimpleLazyObject

from skilleval.accounts.access import has_any_role
from skilleval.accounts.roles import STAFF_ROLES, Role
from skilleval.organization.models import Organization


def organization(request):
    return {"organization": Organization.objects.filter(pk=1).first()}


def workspaces(request):
    """Which work areas the navigation offers this user; computed only if a template asks."""

    def compute():
        user = request.user
        if not user.is_authenticated:
            return {}
        return {
            "candidate": hasattr(user, "person"),
            "counter": has_any_role(user, [Role.COUNTER_CLERK]),
            "institution": bool(user.institution_id) and has_any_role(user, [Role.INSTITUTION]),
            "review": has_any_role(user, [Role.REVIEWER, Role.SUPERVISOR]),
            "cashier": has_any_role(user, [Role.CASHIER, Role.SUPERVISOR]),
            "planning": has_any_role(user, [Role.SCHEDULER, Role.SUPERVISOR]),
            "desk": has_any_role(user, [Role.EXAMINER, Role.SUPERVISOR]),
            "results": has_any_role(user, [Role.EXAMINER, Role.SUPERVISOR]),
            "certificates": has_any_role(user, [Role.SUPERVISOR, Role.COUNTER_CLERK]),
            "discipline": has_any_role(user, [Role.SUPERVISOR]),
            "dashboard": user.is_superuser or has_any_role(user, STAFF_ROLES),
        }

    return {"workspaces": SimpleLazyObject(compute)}
