"""Institution operations under /api/v1/institution (issue 4 "API"): token auth, one institution's data."""

from datetime import datetime

from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from skilleval.accounts.api_auth import InstitutionToken
from skilleval.applications.lifecycle import Status
from skilleval.applications.models import Application
from skilleval.core.errors import InvalidFields
from skilleval.eligibility.api import CheckIn, CheckOut, check

router = Router(tags=["institution"], auth=InstitutionToken())
PRECHECK_LIMIT = 500


class ApplicationOut(Schema):
    number: str
    status: str
    status_label: str
    name: str
    id_number_masked: str
    occupation_code: str
    work_type: str | None
    level: int
    batch_id: int | None
    reason: str
    updated_at: datetime


class ApplicationFilter(Schema):
    status: Status | None = None
    batch_id: int | None = None
    limit: int = Field(100, ge=1, le=1000)
    offset: int = Field(0, ge=0)


def scoped(request):
    """Everything an endpoint reads goes through the token's institution."""
    return Application.objects.filter(institution_id=request.auth.institution_id)


@router.get("/institution/applications", response=list[ApplicationOut], summary="Follow your applications")
def applications(request, filters: Query[ApplicationFilter]):
    rows = scoped(request).select_related("person", "occupation", "work_type").order_by("pk")
    if filters.status:
        rows = rows.filter(status=filters.status)
    if filters.batch_id:
        rows = rows.filter(batch_id=filters.batch_id)
    return [
        ApplicationOut(
            number=a.number,
            status=a.status,
            status_label=str(Status(a.status).label),
            name=a.person.full_name,
            id_number_masked=a.person.id_number_masked,
            occupation_code=a.occupation.code,
            work_type=a.work_type.name if a.work_type_id else None,
            level=a.level,
            batch_id=a.batch_id,
            reason=a.decision_reason,
            updated_at=a.updated_at,
        )
        for a in rows[filters.offset : filters.offset + filters.limit]
    ]


class PrecheckOut(Schema):
    index: int
    result: CheckOut | None
    errors: dict[str, list[str]] | None


@router.post(
    "/institution/precheck",
    response=list[PrecheckOut],
    summary="Pre-check many students against the application conditions (up to 500 at once)",
)
def precheck(request, payload: list[CheckIn]):
    """Each student is checked as by `/eligibility/check`; a bad one carries its field errors and does not
    stop the others."""
    if not payload or len(payload) > PRECHECK_LIMIT:
        message = _("Send from 1 to %(limit)s students.") % {"limit": PRECHECK_LIMIT}
        raise InvalidFields({"__all__": [message]})
    results = []
    for index, student in enumerate(payload):
        try:
            results.append(PrecheckOut(index=index, result=check(request, student), errors=None))
        except InvalidFields as exc:
            results.append(PrecheckOut(index=index, result=None, errors=exc.errors))
    return results
