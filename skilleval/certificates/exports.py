"""Certificate files that leave the system (DOMAIN.md §11): the upload for the national certificate database,
its revocations-only variant, and the handover list an institution signs.

The upload is the official record, so it carries the full ID number (decrypted here, never shown on a page)
and the database's own Chinese wording whatever the language of the person downloading it. Every cell goes
through the spreadsheet writer, which neutralises formula injection (SECURITY.md "Input and files"). A
certificate whose row no longer matches its integrity tag (which covers the signature) is left out and
counted: it is "under verification", not data to send (SECURITY.md "Audit and integrity"). The handover
list carries masked ID numbers only: it goes home with the receiver.
"""

from collections.abc import Iterable, Iterator
from datetime import date

from django.utils import timezone

from skilleval.certificates.models import Certificate, Handover
from skilleval.certificates.services import trustworthy
from skilleval.core.pdf.handover import HandoverData, HandoverRow, render_handover_list
from skilleval.core.spreadsheets.export import write_csv, write_xlsx
from skilleval.organization.models import Organization
from skilleval.results.exports import DOCUMENT_TYPES, LEVELS

HEADERS = [
    "证书编号",
    "姓名",
    "证件类型",
    "证件号码",
    "职业编码",
    "职业名称",
    "工种",
    "等级",
    "发证日期",
    "评价机构",
    "评价机构备案号",
    "状态",
    "撤销日期",
    "撤销原因",
]
# The database's own wording; fixed values of the upload, not interface text to translate.
STATES = {Certificate.State.VALID: "有效", Certificate.State.REVOKED: "已撤销"}
SHEET_TITLE = "证书信息"
REVOCATIONS_SHEET_TITLE = "撤销证书"


def _related(query):
    return query.select_related("person", "item__occupation", "item__work_type")


def _rows(certificates, withheld: list | None) -> Iterator[list[str]]:
    """One row per certificate as the query yields them: the export writes each as it comes, so a year's
    upload holds one chunk of the query in memory, not every row (issue 11)."""
    organization = Organization.objects.filter(pk=1).first()
    name, filing_number = (organization.name, organization.filing_number) if organization else ("", "")
    for c in certificates:
        if not trustworthy(c):
            if withheld is not None:
                withheld.append(c.number)
            continue
        person, item = c.person, c.item
        yield [
            c.number,
            person.full_name,
            DOCUMENT_TYPES.get(person.id_type, person.id_type),
            person.id_number,
            item.occupation.code,
            item.occupation.name,
            item.work_type.name if item.work_type_id else "",
            LEVELS.get(c.level, str(c.level)),
            c.issued_on.isoformat(),
            name,
            filing_number,
            STATES.get(c.state, c.state),
            timezone.localdate(c.revoked_at).isoformat() if c.revoked_at else "",
            c.revoke_reason,
        ]


def certificate_rows(
    from_: date | None = None, to: date | None = None, *, withheld: list | None = None
) -> tuple[list[str], Iterator[list[str]]]:
    """Every certificate issued in [from_, to] (either may be open), valid or revoked, by number, made as
    they are read. Those under verification are left out; their numbers are appended to `withheld` (when a
    list is given) as the rows are consumed."""
    query = _related(Certificate.objects.order_by("number"))
    if from_:
        query = query.filter(issued_on__gte=from_)
    if to:
        query = query.filter(issued_on__lte=to)
    return HEADERS, _rows(query.iterator(chunk_size=500), withheld)


def revocation_rows(
    from_: date | None = None, to: date | None = None, *, withheld: list | None = None
) -> tuple[list[str], Iterator[list[str]]]:
    """The certificates revoked in [from_, to] (dates of revocation, Asia/Shanghai), by revocation time:
    the corrections the national database needs (DOMAIN.md §12, "national data corrected")."""
    query = _related(
        Certificate.objects.filter(state=Certificate.State.REVOKED).order_by("revoked_at", "number")
    )
    if from_:
        query = query.filter(revoked_at__date__gte=from_)
    if to:
        query = query.filter(revoked_at__date__lte=to)
    return HEADERS, _rows(query.iterator(chunk_size=500), withheld)


def certificates_xlsx(headers: list[str], rows: Iterable[list[str]], *, revocations: bool = False) -> bytes:
    return write_xlsx(headers, rows, sheet_title=REVOCATIONS_SHEET_TITLE if revocations else SHEET_TITLE)


def certificates_csv(headers: list[str], rows: Iterable[list[str]]) -> bytes:
    """UTF-8 with a byte order mark, so Excel on Chinese Windows does not read it as GBK."""
    return write_csv(headers, rows, encoding="utf-8-sig")


# -- the handover list (证书交接清单) ----------------------------------------------------------------------


def waiting_for(institution):
    """The valid certificates of this institution's students not collected yet: what a handover can take."""
    return Certificate.objects.filter(
        application__institution=institution,
        state=Certificate.State.VALID,
        collection=Certificate.Collection.WAITING,
    )


def _staff_name(user) -> str:
    return (user.get_full_name() or user.get_username()) if user else ""


def handover_pdf(institution, certificates, *, handover: Handover | None = None) -> tuple[bytes, int]:
    """The list to sign: of a recorded handover, or, before one, of the certificates given. Returns the PDF
    and how many certificates it lists."""
    organization = Organization.objects.filter(pk=1).first()
    rows = tuple(
        HandoverRow(
            number=c.number,
            name=c.person.full_name,
            id_masked=c.person.id_number_masked,
            item=c.item.display_name,
            level=LEVELS.get(c.level, str(c.level)),
        )
        for c in _related(certificates).order_by("number")
    )
    data = HandoverData(
        organization=organization.name if organization else "",
        institution=institution.name,
        date=timezone.localdate(handover.handed_at) if handover else timezone.localdate(),
        rows=rows,
        receiver_name=handover.receiver_name if handover else "",
        handed_by=_staff_name(handover.handed_by) if handover else "",
        reference=f"{handover.pk:06d}" if handover else "",
    )
    return render_handover_list(data), len(rows)
