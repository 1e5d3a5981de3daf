"""Published results in the fields of the national certificate database (技能人才评价工作网, DOMAIN.md §9).

This is the official upload, so it carries the full ID number (decrypted here, never shown on a page) and
the official Chinese wording of its coded fields whatever the language of the person downloading it. Every
cell goes through the spreadsheet writer, which neutralises formula injection (SECURITY.md "Input and
files"). A result, or one of its scores, whose row no longer matches its integrity tag is left out and
counted: it is "under verification", not data to certify.
"""

from collections import defaultdict
from datetime import date

from skilleval.applications.lifecycle import Status
from skilleval.core.spreadsheets.export import write_csv, write_xlsx
from skilleval.organization.models import Organization
from skilleval.results.models import Result, Score
from skilleval.results.services import trustworthy

HEADERS = [
    "姓名",
    "证件类型",
    "证件号码",
    "性别",
    "职业编码",
    "职业名称",
    "工种",
    "等级",
    "理论知识成绩",
    "操作技能成绩",
    "综合评审成绩",
    "评价结果",
    "考试日期",
    "评价机构备案号",
    "证书编号",
]
SUBJECT_COLUMNS = ("theory", "practical", "review")  # 理论知识, 操作技能, 综合评审

# The database's own wording; fixed values of the upload, not interface text to translate.
DOCUMENT_TYPES = {
    "resident_id": "居民身份证",
    "hk_macao_tw_residence_permit": "港澳台居民居住证",
    "hk_macao_pass": "港澳居民来往内地通行证",
    "taiwan_pass": "台湾居民来往大陆通行证",
    "foreign_permanent_resident": "外国人永久居留身份证",
    "passport": "护照",
}
SEXES = {"M": "男", "F": "女"}
LEVELS = {5: "五级/初级工", 4: "四级/中级工", 3: "三级/高级工", 2: "二级/技师", 1: "一级/高级技师"}
ABSENT, CANCELLED = "缺考", "取消"
PASSED, NOT_PASSED = "合格", "不合格"
ANNULLED = "成绩无效"  # a discipline decision annulled the result (DOMAIN.md §12)
SHEET_TITLE = "评价结果"


def _score_cell(score: Score | None) -> str:
    if score is None:
        return ""  # the subject was not taken in this application (a make-up of the other subjects)
    if score.cancelled:
        return CANCELLED
    if score.absent:
        return ABSENT
    return str(score.value)


def results_rows(
    from_: date | None = None, to: date | None = None, *, withheld: list | None = None
) -> tuple[list[str], list[list[str]]]:
    """One row per published result with an exam date in [from_, to] (either may be open), by exam date
    and application number. Results under verification are left out; their application numbers are
    appended to `withheld` when a list is given."""
    return HEADERS, list(iter_results_rows(from_, to, withheld=withheld))


CHUNK = 500


def iter_results_rows(from_: date | None = None, to: date | None = None, *, withheld: list | None = None):
    """The rows of `results_rows`, made a chunk of results at a time, so an export of any size holds one
    chunk in memory (issue 11): the results are read with a server-side cursor, their scores per chunk."""
    results = Result.objects.select_related(
        "application__person", "application__occupation", "application__work_type", "application__certificate"
    ).order_by("exam_date", "application__number")
    if from_:
        results = results.filter(exam_date__gte=from_)
    if to:
        results = results.filter(exam_date__lte=to)
    organization = Organization.objects.filter(pk=1).first()
    filing_number = organization.filing_number if organization else ""
    chunk: list[Result] = []
    for result in results.iterator(chunk_size=CHUNK):
        chunk.append(result)
        if len(chunk) == CHUNK:
            yield from _chunk_rows(chunk, filing_number, withheld)
            chunk = []
    if chunk:
        yield from _chunk_rows(chunk, filing_number, withheld)


def _chunk_rows(results: list, filing_number: str, withheld: list | None):
    scores: dict[int, dict[str, Score]] = defaultdict(dict)
    for score in Score.objects.filter(application_id__in=[r.application_id for r in results]).order_by("pk"):
        scores[score.application_id][score.subject] = score
    for result in results:
        application, subjects = result.application, scores[result.application_id]
        if not trustworthy(result) or not all(trustworthy(s) for s in subjects.values()):
            if withheld is not None:
                withheld.append(application.number)
            continue
        person = application.person
        yield (
            [
                person.full_name,
                DOCUMENT_TYPES.get(person.id_type, person.id_type),
                person.id_number,
                SEXES.get(person.sex, ""),
                application.occupation.code,
                application.occupation.name,
                application.work_type.name if application.work_type_id else "",
                LEVELS.get(application.level, str(application.level)),
                *(_score_cell(subjects.get(kind)) for kind in SUBJECT_COLUMNS),
                ANNULLED if application.status == Status.VOIDED else PASSED if result.passed else NOT_PASSED,
                result.exam_date.isoformat(),
                filing_number,
                # The certificate is the certificates area's, above this one: read through the reverse
                # relation of its one-to-one, never by importing it.
                getattr(getattr(application, "certificate", None), "number", ""),
            ]
        )


def results_xlsx(headers: list[str], rows: list[list[str]]) -> bytes:
    return write_xlsx(headers, rows, sheet_title=SHEET_TITLE)


def results_csv(headers: list[str], rows: list[list[str]]) -> bytes:
    """UTF-8 with a byte order mark, so Excel on Chinese Windows does not read it as GBK."""
    return write_csv(headers, rows, encoding="utf-8-sig")
