"""Photos for a group batch: a zip of files named by ID number (e.g. 11010519491231002X.jpg).

The zip's structure is judged before anything is kept (a hostile zip changes nothing); the photos are then
checked one by one in a background job with a progress bar, since the face check takes ~25 ms each. Good
photos attach to their students; each bad one is listed by file name with the reason, so the institution
fixes only those. A group cannot be submitted while a student has no photo."""

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django_tasks import task

from skilleval.applications.models import GroupBatch
from skilleval.audit.services import record
from skilleval.core.context import acting_as
from skilleval.core.errors import DomainError
from skilleval.core.photozip import ZipRefused, open_photo_zip
from skilleval.core.validators import InvalidValue, mask_id_number, normalize_id_number
from skilleval.jobs.services import Progress, start_job
from skilleval.people.models import Person
from skilleval.people.services import set_photo
from skilleval.privacy.files import delete_private, read_private, store_private

ZIP_PURPOSE = "applications.photo_zip"
MAX_ZIP_BYTES = 500 * 1024 * 1024
MAX_PHOTO_BYTES = 10 * 1024 * 1024


def check_zip(batch: GroupBatch, data: bytes) -> int:
    """Judge the zip's structure now, in the request: a refusal says why and keeps nothing."""
    if len(data) > MAX_ZIP_BYTES:
        raise DomainError(_("The zip may be at most 500 MB."), code="too_large", field="file")
    try:
        return len(open_photo_zip(data, max_entries=batch.rows + 50, max_entry_bytes=MAX_PHOTO_BYTES))
    except ZipRefused as exc:
        lang = translation.get_language() or "zh-hans"
        raise DomainError(exc.message_for(lang), code=exc.code, field="file") from exc


def start_photo_upload(batch: GroupBatch, data: bytes, *, by) -> GroupBatch:
    """Judge the zip, keep it sealed, and check its photos in the background (progress on the batch page)."""
    if by.institution_id != batch.institution_id:
        raise DomainError(
            _("Only the institution that uploaded the batch may add its photos."), code="tenant"
        )
    if batch.state == GroupBatch.State.SUBMITTED:
        raise DomainError(
            _("The group is submitted; photos can no longer be changed here."), code="submitted"
        )
    files = check_zip(batch, data)
    zip_name = store_private(data, purpose=ZIP_PURPOSE)
    record(by, "applications.batch.photos_upload", batch, {"files": files})
    progress = start_job(attach_batch_photos, batch.pk, zip_name, by.pk, files, label="photos", by=by)
    GroupBatch.objects.filter(pk=batch.pk).update(photo_job=progress)
    batch.refresh_from_db()
    return batch


@task(takes_context=True)
def attach_batch_photos(context, batch_id: int, zip_name: str, user_id: int, files: int) -> dict:
    user = get_user_model().objects.get(pk=user_id)
    with (
        Progress(context, total=files, label="photos") as progress,
        acting_as(channel="job", user_id=user_id),
    ):
        return attach_photos(batch_id, zip_name, user=user, progress=progress)


def attach_photos(batch_id: int, zip_name: str, *, user, progress=None) -> dict:
    """Check each photo and attach the good ones; the report goes on the batch for its page."""
    batch = GroupBatch.objects.get(pk=batch_id)
    people = {
        normalize_id_number(p.id_number): p
        for p in Person.objects.filter(applications__batch=batch).distinct()
    }
    photos = open_photo_zip(
        read_private(zip_name, purpose=ZIP_PURPOSE),
        max_entries=batch.rows + 50,
        max_entry_bytes=MAX_PHOTO_BYTES,
    )
    attached, problems = 0, []
    for entry, content in photos:
        person = people.get(normalize_id_number(entry.stem)) if entry.stem else None
        if content is None or not entry.stem:
            problems.append(
                _problem(entry.name, "不是可读取的 JPEG 或 PNG 照片", "not a readable JPEG or PNG photo")
            )
        elif person is None:
            problems.append(
                _problem(
                    entry.name, "本批次中没有该证件号码的学员", "no student of this batch has this ID number"
                )
            )
        else:
            try:
                set_photo(person, content, by=user)
                attached += 1
            except DomainError as exc:
                cause = exc.__cause__  # the photo check's own error, in both languages
                if isinstance(cause, InvalidValue):
                    problems.append(_problem(entry.name, cause.message_zh, cause.message_en))
                else:
                    problems.append(_problem(entry.name, exc.message, exc.message))
        if progress is not None:
            progress.advance()
    report = {"files": len(photos), "attached": attached, "problems": problems}
    with transaction.atomic():
        GroupBatch.objects.filter(pk=batch.pk).update(photo_report=report)
        record(
            user,
            "applications.batch.photos",
            batch,
            {"files": len(photos), "attached": attached, "problems": len(problems)},
        )
    transaction.on_commit(lambda: delete_private(zip_name))
    return report


def _problem(name: str, zh: str, en: str) -> dict:
    return {"file": _masked_file_name(name)[:200], "message_zh": zh, "message_en": en}


def _masked_file_name(name: str) -> str:
    """A photo is named by its ID number; the report is kept on the batch and in the job's result, so the
    number is masked there as on every screen (`440304********0011.jpg`), which still tells the institution
    which of its files to fix (SECURITY.md: no ID number in clear in the database)."""
    folder, slash, file = name.rpartition("/")
    stem, dot, suffix = file.rpartition(".") if "." in file else (file, "", "")
    if sum(c.isdigit() for c in stem) < 8:
        return name
    return f"{folder}{slash}{mask_id_number(stem)}{dot}{suffix}"


def students_without_photo(batch: GroupBatch) -> int:
    return Person.objects.filter(applications__batch=batch, photo_name="").distinct().count()
