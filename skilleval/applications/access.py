"""Which applications a user may touch: written once, used by every view and API endpoint.

Staff in the application roles see all; an institution user sees only their institution's (a foreign id
answers 404, not 403, so ids cannot be probed); a candidate sees only their own.
"""

from django.http import Http404

from skilleval.accounts.access import has_any_role
from skilleval.accounts.roles import Role
from skilleval.applications.models import Application

STAFF_READERS = (Role.REVIEWER, Role.COUNTER_CLERK, Role.SUPERVISOR, Role.CASHIER, Role.SCHEDULER)


def applications_for(user):
    if not user.is_authenticated:
        return Application.objects.none()
    if has_any_role(user, STAFF_READERS):
        return Application.objects.all()
    if user.institution_id and has_any_role(user, [Role.INSTITUTION]):
        return Application.objects.filter(institution_id=user.institution_id)
    person = getattr(user, "person", None)
    if person is not None:
        return Application.objects.filter(person=person)
    return Application.objects.none()


def get_application_for(user, number: str) -> Application:
    application = (
        applications_for(user)
        .select_related("person", "item__occupation", "item__work_type", "institution")
        .filter(number=number)
        .first()
    )
    if application is None:
        raise Http404
    return application
