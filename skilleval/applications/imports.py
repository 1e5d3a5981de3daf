"""The group import (团体申报): an institution's file of students becomes one batch of draft applications.

Every row is checked before anything is written (identity, phone, catalog item, dates, duplicates in the
file and against open applications, bans, another institution's students); a file with any error writes
nothing and comes back annotated row by row. A good file is written in one transaction with bulk inserts,
and the same file twice makes one batch. DOMAIN.md §4, SECURITY.md "Input and files".
"""

import re
import secrets
from dataclasses import dataclass, field
from datetime import date

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from skilleval.applications.lifecycle import OPEN, Status
from skilleval.applications.models import NUMBER_ALPHABET, Application, ApplicationEvent, Channel, GroupBatch
from skilleval.audit.services import record, record_many
from skilleval.catalog.models import CatalogItem
from skilleval.core.errors import DomainError
from skilleval.core.spreadsheets import (
    CellError,
    ColumnSpec,
    SpreadsheetRefused,
    read_table,
    write_annotated_xlsx,
)
from skilleval.core.validators import InvalidValue, mask_mobile, validate_document, validate_mobile
from skilleval.dbtools import insert_dicts, reserve_ids
from skilleval.eligibility.engine.durations import age_on
from skilleval.eligibility.facts import edition_in_force
from skilleval.organization.policy import policy
from skilleval.people.models import (
    PHONE_INDEX_PURPOSE,
    Ban,
    CertificateHeld,
    DocumentType,
    EducationRecord,
    Person,
    TitleHeld,
    WorkRecord,
)
from skilleval.people.services import SEX_CARRYING_DOCUMENTS, id_index
from skilleval.privacy.fields import blind_index
from skilleval.privacy.files import sha256

MAX_BYTES = 20 * 1024 * 1024
CHUNK = 500
LOOKUP_CHUNK = 5000  # ids per IN (…) list: well under SQLite's 32,766 bound parameters

C = ColumnSpec
COLUMNS = [
    C("full_name", ("姓名", "Name"), example="张三"),
    C("id_type", ("证件类型", "ID type"), required=False, example="居民身份证"),
    C("id_number", ("证件号码", "ID number"), text=True, example="11010519491231002X"),
    C("phone", ("手机号码", "Mobile"), required=False, text=True, example="13812345678"),
    C("email", ("电子邮箱", "E-mail"), required=False, example="zhangsan@example.com"),
    C("occupation", ("职业编码", "Occupation code"), text=True, example="4-04-05-05"),
    C("work_type", ("工种", "Work type"), required=False, example=""),
    C("level", ("等级", "Level"), example="四级"),
    C("condition", ("申报条件", "Condition"), required=False, example="L4-3"),
    C("school_kind", ("学历类别", "School kind"), required=False, example="高等职业学校"),
    C("major", ("所学专业", "Major"), required=False, example="人工智能技术应用"),
    C("graduated_on", ("毕业时间", "Graduated on"), required=False, text=True, example="2026-06-30"),
    C("graduating", ("应届毕业生", "Graduating"), required=False, example="是"),
    C("work_start", ("相关工作起始", "Work from"), required=False, text=True, example=""),
    C("work_end", ("相关工作截止", "Work to"), required=False, text=True, example=""),
    C("cert_level", ("已有证书等级", "Certificate level"), required=False, example=""),
    C("cert_issued_on", ("证书发证日期", "Certificate issued on"), required=False, text=True, example=""),
    C("title_grade", ("职称", "Professional title"), required=False, example=""),
    C("title_obtained_on", ("职称取得日期", "Title obtained on"), required=False, text=True, example=""),
    C("forfeit", ("放弃原成绩", "Forfeit earlier results"), required=False, example=""),
]
LABELS = {c.key: c.label for c in COLUMNS}

ID_TYPES = {
    "": DocumentType.RESIDENT_ID,
    "居民身份证": DocumentType.RESIDENT_ID,
    "身份证": DocumentType.RESIDENT_ID,
    "港澳台居民居住证": DocumentType.RESIDENCE_PERMIT,
    "港澳居民来往内地通行证": DocumentType.HK_MACAO_PASS,
    "台湾居民来往大陆通行证": DocumentType.TAIWAN_PASS,
    "外国人永久居留身份证": DocumentType.FOREIGN_PERMANENT_RESIDENT,
    "护照": DocumentType.PASSPORT,
    **{t.value: t.value for t in DocumentType},
}
SCHOOL_KINDS = {
    "小学": "primary",
    "初中": "junior_middle",
    "普通高中": "general_high",
    "高中": "general_high",
    "中等职业学校": "secondary_vocational",
    "中专": "secondary_vocational",
    "职业高中": "secondary_vocational",
    "技工学校": "technical",
    "技校": "technical",
    "高级技工学校": "senior_technical",
    "技师学院": "technician_college",
    "高等职业学校": "higher_vocational",
    "高职": "higher_vocational",
    "普通高等学校": "university",
    "大学": "university",
    "本科": "university",
    **{k: k for k in EducationRecord.SchoolKind.values},
}
LEVELS = {
    **{str(n): n for n in range(1, 6)},
    "五级": 5,
    "四级": 4,
    "三级": 3,
    "二级": 2,
    "一级": 1,
    "五级/初级工": 5,
    "四级/中级工": 4,
    "三级/高级工": 3,
    "二级/技师": 2,
    "一级/高级技师": 1,
    "初级工": 5,
    "中级工": 4,
    "高级工": 3,
    "技师": 2,
    "高级技师": 1,
}
TITLE_GRADES = {
    "初级": "junior",
    "中级": "intermediate",
    "高级": "senior",
    "副高级": "senior",
    "正高级": "senior",
    **{k: k for k in TitleHeld.Grade.values},
}
YES = {"是", "y", "yes", "true", "1", "√"}
NO = {"", "否", "n", "no", "false", "0"}
DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")


@dataclass
class ImportResult:
    batch: GroupBatch | None = None
    duplicate: bool = False
    errors: list[CellError] = field(default_factory=list)
    headers: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.batch is not None and not self.errors


@dataclass(slots=True)
class Parsed:
    number: int
    full_name: str
    id_type: str
    id_number: str
    index: str
    masked: str
    birth_date: date
    sex: str
    phone: str
    email: str
    item: CatalogItem
    condition: str
    forfeit: bool
    education: dict | None
    work: dict | None
    certificate: dict | None
    title: dict | None


def error(
    at: int | None, key: str | None, code: str, message, headers: dict | None = None, **params
) -> CellError:
    """A row's problem in both languages, located by the header text the user wrote."""
    column = (headers or {}).get(key, LABELS.get(key, key)) if key else None
    with translation.override("zh-hans"):
        zh = str(message) % params if params else str(message)
    with translation.override("en"):
        en = str(message) % params if params else str(message)
    return CellError(at, column, code, zh, en)


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
        if _is_template_example(row):
            continue  # the grey example row of the downloaded template, left in by mistake
        row_errors = list(row.errors)
        p = _parse_row(row, items, today, headers, row_errors, min_age)
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


EXAMPLE = {c.key: c.example for c in COLUMNS}


def _is_template_example(row) -> bool:
    return all((row.values.get(key) or "") == example for key, example in EXAMPLE.items())


def _parse_row(row, items, today, headers, errs, min_age: int) -> Parsed | None:
    v = {k: (s or "").strip() for k, s in row.values.items()}
    n = row.number

    def bad(key, code, message, **params):
        errs.append(error(n, key, code, message, headers, **params))

    if not v["full_name"]:
        bad("full_name", "required", _("Enter the name."))
    id_type = ID_TYPES.get(v["id_type"])
    if id_type is None:
        bad("id_type", "id_type", _("Unknown ID type."))
        return None
    document = None
    try:
        document = validate_document(id_type, v["id_number"], today=today)
    except InvalidValue as exc:
        errs.append(
            CellError(
                n, headers.get("id_number", LABELS["id_number"]), exc.code, exc.message_zh, exc.message_en
            )
        )
    phone = ""
    if v["phone"]:
        try:
            phone = validate_mobile(v["phone"])
        except InvalidValue as exc:
            errs.append(
                CellError(n, headers.get("phone", LABELS["phone"]), exc.code, exc.message_zh, exc.message_en)
            )
    if not v["phone"] and not v["email"]:
        bad(
            "phone",
            "contact_required",
            _("Give a mobile number or an e-mail address for the confirmation code."),
        )
    elif v["email"] and "@" not in v["email"]:
        bad("email", "email", _("Enter a valid e-mail address."))
    level = LEVELS.get(v["level"].replace(" ", ""))
    if level is None:
        bad("level", "level", _("Write the level as 1 to 5 or 五级 … 一级."))
    item = items.get((v["occupation"], v["work_type"], level)) if level else None
    if level and item is None:
        bad("occupation", "item", _("The catalog in force has no such item (occupation, work type, level)."))
    condition = v["condition"].upper()
    if condition and not re.fullmatch(r"L[1-5]-\d", condition):
        bad("condition", "condition", _("Write the condition as in 附件 1, e.g. L4-3."))
    forfeit = _flag(v["forfeit"], "forfeit", bad)
    education = _education(v, bad)
    work = _period(v, bad)
    certificate = _certificate(v, bad)
    title = _title(v, bad)
    if errs or document is None or item is None:
        return None
    birth = document.birth_date
    if birth is None:
        bad(
            "id_number",
            "birth_date",
            _("This document carries no birth date; enter the student at the counter."),
        )
        return None
    if age_on(birth, today) < min_age:
        bad("id_number", "age", _("The student is under %(age)s on the day of the upload."), age=min_age)
        return None
    return Parsed(
        number=n,
        full_name=" ".join(v["full_name"].split()),
        id_type=id_type,
        id_number=document.number,
        index=id_index(id_type, document.number),
        masked=document.masked,
        birth_date=birth,
        sex=("M" if int(document.number[16]) % 2 else "F") if id_type in SEX_CARRYING_DOCUMENTS else "",
        phone=phone,
        email=v["email"].lower(),
        item=item,
        condition=condition,
        forfeit=forfeit,
        education=education,
        work=work,
        certificate=certificate,
        title=title,
    )


def _date(value: str, key: str, bad) -> date | None:
    if not value:
        return None
    match = DATE.match(value)
    if match:
        try:
            return date(*(int(g) for g in match.groups()))
        except ValueError:
            pass
    bad(key, "date", _("Write a real date as YYYY-MM-DD."))
    return None


def _flag(value: str, key: str, bad) -> bool:
    lowered = value.lower()
    if lowered in YES:
        return True
    if lowered not in NO:
        bad(key, "flag", _("Write 是 or 否."))
    return False


def _education(v, bad) -> dict | None:
    if not v["school_kind"]:
        return None
    kind = SCHOOL_KINDS.get(v["school_kind"])
    if kind is None:
        bad(
            "school_kind",
            "school_kind",
            _("Unknown school kind; use the names of the template's instructions."),
        )
        return None
    graduated_on = _date(v["graduated_on"], "graduated_on", bad)
    graduating = _flag(v["graduating"], "graduating", bad)
    if graduated_on is None and not graduating:
        bad("graduated_on", "graduated_on", _("Give the graduation date, or 是 under graduating."))
    return {
        "school_kind": kind,
        "major": v["major"][:100],
        "graduated_on": graduated_on,
        "graduating": graduating,
    }


def _period(v, bad) -> dict | None:
    start = _date(v["work_start"], "work_start", bad)
    end = _date(v["work_end"], "work_end", bad)
    if start is None:
        if end is not None:
            bad("work_start", "required", _("Give the start of the work period."))
        return None
    if end is not None and end < start:
        bad("work_end", "work_end_before_start", _("A work period cannot end before it starts."))
        return None
    return {"occupation_code": v["occupation"], "start": start, "end": end}


def _certificate(v, bad) -> dict | None:
    if not v["cert_level"]:
        return None
    level = LEVELS.get(v["cert_level"].replace(" ", ""))
    issued_on = _date(v["cert_issued_on"], "cert_issued_on", bad)
    if level is None:
        bad("cert_level", "level", _("Write the level as 1 to 5 or 五级 … 一级."))
    if issued_on is None:
        bad("cert_issued_on", "required", _("Give the date of issue."))
    if level is None or issued_on is None:
        return None
    return {"occupation_code": v["occupation"], "level": level, "issued_on": issued_on}


def _title(v, bad) -> dict | None:
    if not v["title_grade"]:
        return None
    grade = TITLE_GRADES.get(v["title_grade"])
    obtained_on = _date(v["title_obtained_on"], "title_obtained_on", bad)
    if grade is None:
        bad("title_grade", "title_grade", _("Write the title as 初级, 中级 or 高级."))
    if obtained_on is None:
        bad("title_obtained_on", "required", _("Give the date."))
    if grade is None or obtained_on is None:
        return None
    return {"grade": grade, "obtained_on": obtained_on}


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
