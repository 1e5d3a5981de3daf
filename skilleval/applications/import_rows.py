"""One row of the group import file (团体申报): its columns, and turning its cells into checked facts.

Every value is checked here (identity document, contact, catalog item, level, dates, schooling, work, a
certificate, a title); a problem becomes a CellError naming the row and the header the user wrote, in Chinese
and English. What needs the database beyond the catalog (open applications, bans) is checked in `imports`.
"""

import re
from dataclasses import dataclass
from datetime import date

from django.utils import translation
from django.utils.translation import gettext_lazy as _

from skilleval.catalog.models import CatalogItem
from skilleval.core.spreadsheets import CellError, ColumnSpec
from skilleval.core.validators import InvalidValue, validate_document, validate_mobile
from skilleval.eligibility.engine.durations import age_on
from skilleval.people.models import DocumentType, EducationRecord, TitleHeld
from skilleval.people.services import SEX_CARRYING_DOCUMENTS, id_index

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


EXAMPLE = {c.key: c.example for c in COLUMNS}


def is_template_example(row) -> bool:
    return all((row.values.get(key) or "") == example for key, example in EXAMPLE.items())


def parse_row(row, items, today, headers, errs, min_age: int) -> Parsed | None:
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
