"""Institution operations under /api/v1/institution (issue 4 "API"): token auth, one institution's data."""

from datetime import datetime

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, File, Query, Router, Schema
from ninja import Status as Reply
from ninja.files import UploadedFile

from skilleval.accounts.api_auth import InstitutionToken
from skilleval.applications.imports import MAX_BYTES, import_group_file
from skilleval.applications.lifecycle import Status
from skilleval.applications.models import Application, GroupBatch
from skilleval.applications.services import pre_review_batch, submit_batch
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


class CellErrorOut(Schema):
    row: int | None
    column: str | None
    code: str
    message_zh: str
    message_en: str


class BatchOut(Schema):
    id: int
    filename: str
    rows: int
    state: str
    duplicate: bool = False
    created_at: datetime


class UploadOut(Schema):
    ok: bool
    batch: BatchOut | None
    errors: list[CellErrorOut]


def _batch_out(batch: GroupBatch, *, duplicate: bool = False) -> BatchOut:
    return BatchOut(
        id=batch.pk,
        filename=batch.filename,
        rows=batch.rows,
        state=batch.state,
        duplicate=duplicate,
        created_at=batch.created_at,
    )


@router.post(
    "/institution/batches",
    response={201: UploadOut, 200: UploadOut, 422: UploadOut},
    summary="Upload a file of students (.xlsx, .xls, .csv); all rows are written or none",
)
def upload_batch(request, file: File[UploadedFile]):
    if file.size > MAX_BYTES:
        raise InvalidFields({"file": [_("Choose an .xlsx, .xls or .csv file of at most 20 MB.")]})
    result = import_group_file(
        institution=request.auth.institution,
        user=request.auth.user,
        data=file.read(),
        filename=file.name or "",
    )
    errors = [CellErrorOut(**e.to_dict()) for e in result.errors]
    if not result.ok:
        return Reply(422, UploadOut(ok=False, batch=None, errors=errors))
    body = UploadOut(ok=True, batch=_batch_out(result.batch, duplicate=result.duplicate), errors=[])
    return Reply(200 if result.duplicate else 201, body)


@router.get("/institution/batches/{batch_id}", response=BatchOut, summary="A batch of yours")
def get_batch(request, batch_id: int):
    return _batch_out(get_object_or_404(GroupBatch, pk=batch_id, institution_id=request.auth.institution_id))


class NoteIn(Schema):
    note: str = Field("", max_length=300)


@router.post("/institution/batches/{batch_id}/pre-review", response=BatchOut, summary="Record your 资格初审")
def api_pre_review(request, batch_id: int, payload: NoteIn):
    batch = get_object_or_404(GroupBatch, pk=batch_id, institution_id=request.auth.institution_id)
    return _batch_out(pre_review_batch(batch, by=request.auth.user, note=payload.note))


@router.post(
    "/institution/batches/{batch_id}/submit", response=BatchOut, summary="Submit the group for review"
)
def api_submit(request, batch_id: int):
    batch = get_object_or_404(GroupBatch, pk=batch_id, institution_id=request.auth.institution_id)
    return _batch_out(submit_batch(batch, by=request.auth.user))
