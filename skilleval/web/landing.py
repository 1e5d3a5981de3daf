"""Where a user lands after signing in: staff on the dashboard, institution users on their applications,
candidates on theirs (issue 11: the dashboard is the staff home page)."""

from django.shortcuts import redirect

from skilleval.accounts.access import has_any_role, signed_in
from skilleval.accounts.roles import STAFF_ROLES, Role


@signed_in
def after_login(request):
    user = request.user
    if user.is_superuser or has_any_role(user, STAFF_ROLES):
        return redirect("dashboard")
    if user.institution_id and has_any_role(user, [Role.INSTITUTION]):
        return redirect("institution-home")
    return redirect("me")
