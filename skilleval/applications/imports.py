"""The group import (团体申报): an institution's file of students becomes one batch of draft applications.

Every row is checked before anything is written (identity, phone, catalog item, dates, duplicates in the
file and against open applications, bans, another institution's students); a file with any error writes
nothing and comes back annotated row by row. A good file is written in one transaction with bulk inserts,
and the same file twice makes one batch. DOMAIN.md §4, SECURITY.md "Input and files".
"""

import secrets
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from skilleval.applications.import_rows import COLUMNS, Parsed, error, is_template_example, parse_row
from skilleval.applications.lifecycle import OPEN, Status
from skilleval.applications.models import NUMBER_ALPHABET, Application, ApplicationEvent, Channel, GroupBatch
from skilleval.audit.services import record, record_many
from skilleval.catalog.models import CatalogItem
from skilleval.core.errors import DomainError
from skilleval.core.spreadsheets import (
    CellError,
    SpreadsheetRefused,
    read_table,
    write_annotated_xlsx,
)
from skilleval.core.validators import mask_mobile
from skilleval.dbtools import insert_dicts, reserve_ids
from skilleval.eligibility.facts import edition_in_force
from skilleval.organization.policy import policy
from skilleval.people.models import (
    PHONE_INDEX_PURPOSE,
    Ban,
    CertificateHeld,
    EducationRecord,
    Person,
    TitleHeld,
    WorkRecord,
)
from skilleval.privacy.fields import blind_index
from skilleval.privacy.files import sha256

MAX_BYTES = 20 * 1024 * 1024
# The annotated error report is sealed under this purpose; only the uploader's session knows its name.
REPORT_PURPOSE = "applications.import_report"
CHUNK = 500
LOOKUP_CHUNK = 5000  # ids per IN (…) list: well under SQLite's 32,766 bound parameters


@dataclass
class ImportResult:
    batch: GroupBatch | None = None
    duplicate: bool = False
    errors: list[CellError] = field(default_factory=list)
    headers: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.batch is not None and not self.errors


def import_group_file(*, institution, user, data: bytes, filename: str) -> ImportResult:
    """Check the whole file, then write all of it or nothing."""
    if user.institution_id != institution.pk:
        raise DomainError("an institution imports only for itself", code="tenant")
    digest = sha256(data)
    existing = GroupBatch.objects.filter(institution=institution, file_sha256=digest).first()
    if existing is not None:
        return ImportResult(batch=existing, duplicate=True)
    today = timezone.localdate()
    try:
        table = read_table(
            data,
            filename=filename,
            columns=COLUMNS,
            max_rows=policy("import.max_rows", on=today),
            max_bytes=MAX_BYTES,
        )
    except SpreadsheetRefused as exc:
        return ImportResult(errors=exc.errors)
    result = ImportResult(headers=table.headers)
    # Rows are parsed as they stream; the raw rows are not kept (an annotated file re-reads the upload).
    parsed, seen = _check_rows(table, today, table.headers, result.errors)
    if not seen:
        result.errors.append(error(None, None, "no_rows", _("The file has no students.")))
        return result
    if not result.errors:
        _check_against_database(parsed, institution, today, table.headers, result.errors)
    if result.errors:
        return result
    result.batch = _write(parsed, institution=institution, user=user, filename=filename, digest=digest)
    return result


def annotated_upload(data: bytes, *, filename: str, errors: list[CellError]) -> bytes | None:
    """The upload sent back with each row's errors beside it; None when the file itself was refused."""
    if not any(e.row is not None for e in errors):
        return None
    table = read_table(data, filename=filename, columns=COLUMNS, max_rows=10**7, max_bytes=MAX_BYTES)
    by_row: dict[int, list[CellError]] = {}
    for e in errors:
        if e.row is not None:
            by_row.setdefault(e.row, []).append(e)
    rows, marks = [], {}
    for row in table:
        if row.number in by_row:
            marks[len(rows)] = by_row[row.number]
        rows.append([row.values.get(c.key, "") for c in COLUMNS])
    return write_annotated_xlsx([c.label for c in COLUMNS], rows, marks)


def _check_rows(rows, today, headers, errors) -> tuple[list[Parsed], int]:
    items = {
        (i.occupation.code, i.work_type.name if i.work_type_id else "", i.level): i
        for i in CatalogItem.objects.in_force(today).select_related("occupation", "work_type")
    }
    min_age = edition_in_force(today).min_age  # the AGE gate of the conditions in force (DOMAIN.md §3)
    parsed, seen_keys, seen_names, seen = [], {}, {}, 0
    for row in rows:
        seen += 1
        if is_template_example(row):
            continue  # the grey example row of the downloaded template, left in by mistake
        row_errors = list(row.errors)
        p = parse_row(row, items, today, headers, row_errors, min_age)
        if p is not None:
            key = (p.index, p.item.pk)
            if key in seen_keys:
                row_errors.append(
                    error(
                        row.number,
                        "id_number",
                        "duplicate_in_file",
                        _("The same student and item appear again; see row %(row)s."),
                        headers,
                        row=seen_keys[key],
                    )
                )
            seen_keys.setdefault(key, row.number)
            first = seen_names.setdefault(p.index, (row.number, p.full_name))
            if first[1] != p.full_name:
                row_errors.append(
                    error(
                        row.number,
                        "full_name",
                        "name_differs",
                        _("The same ID number has another name in row %(row)s."),
                        headers,
                        row=first[0],
                    )
                )
        errors.extend(row_errors)
        if p is not None and not row_errors:
            parsed.append(p)
    return parsed, seen


def _chunks(values: list, size: int = CHUNK):
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _check_against_database(parsed: list[Parsed], institution, today, headers, errors) -> None:
    """Open applications, bans, results still valid, and other institutions' students, in batched queries."""
    indexes = sorted({p.index for p in parsed})
    people = {}
    for chunk in _chunks(indexes):
        people.update({p.id_number_index: p for p in Person.objects.filter(id_number_index__in=chunk)})
    ids = [p.pk for p in people.values()]
    open_keys, elsewhere, banned, valid = set(), set(), {}, set()
    for chunk in _chunks(ids):
        for person_id, occupation_id, work_type_id, level, institution_id, status, valid_until in (
            Application.objects.filter(person_id__in=chunk)
            .filter(status__in=sorted(OPEN | {Status.FAILED}))
            .values_list(
                "person_id",
                "occupation_id",
                "work_type_id",
                "level",
                "institution_id",
                "status",
                "results_valid_until",
            )
        ):
            key = (person_id, occupation_id, work_type_id, level)
            if status in OPEN:
                open_keys.add(key)
                if institution_id != institution.pk:
                    elsewhere.add(person_id)
            elif valid_until and valid_until >= today:
                valid.add(key)
        for person_id, until in Ban.objects.filter(
            person_id__in=chunk, until__gte=today, lifted_on__isnull=True
        ).values_list("person_id", "until"):
            banned[person_id] = max(until, banned.get(person_id, until))
    for p in parsed:
        person = people.get(p.index)
        if person is not None:
            _check_known_person(p, person, open_keys, elsewhere, banned, valid, headers, errors)


def _check_known_person(p, person, open_keys, elsewhere, banned, valid, headers, errors) -> None:
    def bad(key, code, message, **params):
        errors.append(error(p.number, key, code, message, headers, **params))

    if person.full_name != p.full_name:
        bad("full_name", "name_differs", _("The name differs from the one on file for this ID number."))
    key = (person.pk, p.item.occupation_id, p.item.work_type_id, p.item.level)
    if person.pk in banned:
        bad(
            "id_number",
            "banned",
            _("This student may not apply until %(date)s (discipline decision)."),
            date=banned[person.pk],
        )
    if key in open_keys:
        bad("occupation", "duplicate_open", _("This student already has an open application for this item."))
    elif person.pk in elsewhere:
        bad(
            "id_number",
            "other_institution",
            _("This student has an open application through another institution; apply at the counter."),
        )
    if key in valid and not p.forfeit:
        bad(
            "forfeit",
            "forfeit_confirmation_required",
            _("Earlier results for this item are still valid; write 是 under 放弃原成绩 to give them up."),
        )


def _new_numbers(count: int) -> list[str]:
    numbers: set[str] = set()
    while len(numbers) < count:
        numbers.add("".join(secrets.choice(NUMBER_ALPHABET) for _ in range(10)))
    return list(numbers)


def _write(parsed: list[Parsed], *, institution, user, filename: str, digest: str) -> GroupBatch:
    """All rows in one transaction, through the lean insert path (thousands of rows; see dbtools)."""
    with transaction.atomic():
        batch = GroupBatch.objects.create(
            institution=institution,
            uploaded_by=user,
            filename=filename[:200],
            file_sha256=digest,
            rows=len(parsed),
        )
        firsts: dict[str, Parsed] = {}
        for p in parsed:
            firsts.setdefault(p.index, p)
        person_ids = _ids_by(Person, "id_number_index", list(firsts))
        existing = set(person_ids)
        new = [index for index in firsts if index not in existing]
        person_ids.update(zip(new, reserve_ids(Person, len(new)), strict=True))
        insert_dicts(
            Person, ({"id": person_ids[index], **_person_row(firsts[index])} for index in new), with_pk=True
        )
        _replace_facts(firsts, person_ids, existing)
        numbers = _new_numbers(len(parsed))
        application_ids = dict(zip(numbers, reserve_ids(Application, len(parsed)), strict=True))
        insert_dicts(
            Application,
            (
                {
                    "id": application_ids[numbers[i]],
                    "number": numbers[i],
                    "person_id": person_ids[p.index],
                    "item_id": p.item.pk,
                    "occupation_id": p.item.occupation_id,
                    "work_type_id": p.item.work_type_id,
                    "level": p.item.level,
                    "channel": Channel.GROUP,
                    "institution_id": institution.pk,
                    "batch_id": batch.pk,
                    "status": Status.DRAFT,
                    "claimed_condition": p.condition,
                    "forfeits_previous_results": p.forfeit,
                    "created_by_id": user.pk,
                }
                for i, p in enumerate(parsed)
            ),
            with_pk=True,
        )
        insert_dicts(
            ApplicationEvent,
            [
                {
                    "application_id": pk,
                    "to_status": Status.DRAFT,
                    "actor_id": user.pk,
                    "reason": filename[:100],
                }
                for pk in application_ids.values()
            ],
        )
        record(
            user,
            "applications.batch.create",
            batch,
            {"rows": len(parsed), "new_people": len(firsts) - len(existing)},
        )
        record_many(
            user,
            "applications.application.create",
            [("applications.application", pk, number) for number, pk in application_ids.items()],
            [{"channel": Channel.GROUP, "batch": batch.pk}] * len(application_ids),
        )
    return batch


def _person_row(p: Parsed) -> dict:
    return {
        "full_name": p.full_name,
        "id_type": p.id_type,
        "id_number": p.id_number,
        "id_number_index": p.index,
        "id_number_masked": p.masked,
        "birth_date": p.birth_date,
        "sex": p.sex,
        "phone": p.phone,
        "phone_index": blind_index(p.phone, purpose=PHONE_INDEX_PURPOSE) if p.phone else "",
        "phone_masked": mask_mobile(p.phone) if p.phone else "",
        "email": p.email,
    }


def _ids_by(model, key: str, values: list) -> dict:
    """Primary keys by a unique key, for rows inserted without RETURNING."""
    found = {}
    for chunk in _chunks(values, LOOKUP_CHUNK):
        found.update(model.objects.filter(**{f"{key}__in": chunk}).values_list(key, "pk"))
    return found


def _replace_facts(firsts: dict[str, Parsed], person_ids: dict[str, int], existing: set[str]) -> None:
    """The file states each student's facts; they replace what was on file (one row per student counts)."""
    known = [person_ids[index] for index in firsts if index in existing]
    for model in (EducationRecord, WorkRecord, CertificateHeld, TitleHeld):
        for chunk in _chunks(known):
            model.objects.filter(person_id__in=chunk).delete()
    for model, attribute in (
        (EducationRecord, "education"),
        (WorkRecord, "work"),
        (CertificateHeld, "certificate"),
        (TitleHeld, "title"),
    ):
        insert_dicts(
            model,
            (
                {"person_id": person_ids[index], **getattr(p, attribute)}
                for index, p in firsts.items()
                if getattr(p, attribute)
            ),
        )
