"""Identity documents, credit codes, phone and certificate numbers: normalise, check, mask.

Pure Python on purpose (no Django), so forms, the API and spreadsheet imports share one copy of each rule.
Error messages never quote the value: an ID number must not reach a log line or an error report
(SECURITY.md "Personal data").
"""

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from skilleval.core.errors import DomainError


class InvalidValue(DomainError, ValueError):
    """A value a person typed or uploaded is malformed.

    `code` is stable for programs (`format`, `check_digit`, `birth_date`, `future`, `region`, ...);
    `message_zh` / `message_en` are for the person, Chinese being the default (`message`).
    """

    def __init__(self, code: str, message_zh: str, message_en: str) -> None:
        super().__init__(message_zh, code=code)
        self.message_zh = message_zh
        self.message_en = message_en

    def message_for(self, lang: str) -> str:
        return self.message_en if lang.lower().startswith("en") else self.message_zh


# Provincial codes of GB/T 2260 as used by GB 11643; 83 exists only on Taiwan residents' residence permits.
_MAINLAND_PROVINCES = frozenset(
    f"{code:02d}"
    for code in (
        *range(11, 16),
        *range(21, 24),
        *range(31, 38),
        *range(41, 47),
        *range(50, 55),
        *range(61, 66),
    )
)
_ID_PROVINCES = _MAINLAND_PROVINCES | {"71", "81", "82", "83"}
_PERMIT_PROVINCES = frozenset({"81", "82", "83"})
_PERMIT_REGIONS = frozenset({"810000", "820000", "830000"})

_DIGITS = re.compile(r"[0-9]+")  # not \d: it also matches Arabic-Indic and other digits NFKC keeps
_ID_18 = re.compile(r"[0-9]{17}[0-9X]")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def _is_digits(value: str) -> bool:
    return _DIGITS.fullmatch(value) is not None


def normalize_id_number(raw: str) -> str:
    """Fold full-width characters (NFKC), drop all whitespace, upper-case (x → X).

    The blind index hashes this form, so the same person typed two ways is one person (SECURITY.md).
    """
    if not isinstance(raw, str):
        # A spreadsheet number has already lost digits (Excel keeps 15): read the cell as text.
        raise TypeError(f"expected str, got {type(raw).__name__}")
    return "".join(unicodedata.normalize("NFKC", raw).split()).upper()


def _mod11_2_check(body: str) -> str:
    """ISO 7064 MOD 11-2 check character of the 17-digit body (GB 11643-1999 §8)."""
    return _ID_CHECK[sum(int(c) * w for c, w in zip(body, _ID_WEIGHTS, strict=True)) % 11]


def _birth_date(yyyymmdd: str, today: date) -> date:
    try:
        born = date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:8]))
    except ValueError:
        raise InvalidValue(
            "birth_date",
            "号码中的出生日期（第 7–14 位）不是真实日期，请核对",
            "The birth date in the number (characters 7–14) is not a real date; please check it.",
        ) from None
    if born > today:
        raise InvalidValue(
            "future",
            "号码中的出生日期晚于今天，请核对",
            "The birth date in the number is after today; please check it.",
        )
    return born


def _check_digit_error() -> InvalidValue:
    return InvalidValue(
        "check_digit",
        "号码最后一位（校验码）不正确，请逐位核对",
        "The last character (check digit) does not match; please check the number digit by digit.",
    )


def _format_error(zh: str, en: str) -> InvalidValue:
    return InvalidValue("format", zh, en)


@dataclass(frozen=True, slots=True)
class ResidentId:
    number: str
    birth_date: date
    sex: str  # 'M' | 'F'
    region: str

    @property
    def masked(self) -> str:
        return mask_id_number(self.number)


def validate_resident_id(raw: str, *, today: date) -> ResidentId:
    """A citizen identity number per GB 11643-1999 (also the format of HK/Macao/Taiwan residence permits)."""
    number = normalize_id_number(raw)
    if len(number) == 15 and _is_digits(number):
        raise InvalidValue(
            "legacy_id",
            "这是 15 位的旧身份证号码，请填写第二代居民身份证上的 18 位号码",
            "This is an old 15-digit number; please enter the 18-character number on your current ID card.",
        )
    if not _ID_18.fullmatch(number):
        raise _format_error(
            "身份证号码应为 18 位：前 17 位是数字，最后一位是数字或 X",
            "An ID number has 18 characters: 17 digits, then a digit or X.",
        )
    province, region = number[:2], number[:6]
    # 81/82/83 are only ever issued as 810000/820000/830000 (residence permits), never with a district.
    if province not in _ID_PROVINCES or (province in _PERMIT_PROVINCES and region not in _PERMIT_REGIONS):
        raise InvalidValue(
            "region",
            "号码前 6 位不是有效的地区代码，请核对",
            "The first 6 digits are not a valid region code; please check the number.",
        )
    born = _birth_date(number[6:14], today)
    if _mod11_2_check(number[:17]) != number[17]:
        raise _check_digit_error()
    return ResidentId(number=number, birth_date=born, sex="M" if int(number[16]) % 2 else "F", region=region)


class DocumentType(StrEnum):
    RESIDENT_ID = "resident_id"
    HK_MACAO_TW_RESIDENCE_PERMIT = "hk_macao_tw_residence_permit"
    HK_MACAO_TRAVEL_PERMIT = "hk_macao_pass"
    TAIWAN_TRAVEL_PERMIT = "taiwan_pass"
    FOREIGN_PERMANENT_RESIDENT = "foreign_permanent_resident"
    PASSPORT = "passport"

    @property
    def label_zh(self) -> str:
        return _DOCUMENT_LABELS[self][0]

    @property
    def label_en(self) -> str:
        return _DOCUMENT_LABELS[self][1]


_DOCUMENT_LABELS = {
    DocumentType.RESIDENT_ID: ("居民身份证", "Resident identity card"),
    DocumentType.HK_MACAO_TW_RESIDENCE_PERMIT: (
        "港澳台居民居住证",
        "Residence permit for Hong Kong, Macao and Taiwan residents",
    ),
    DocumentType.HK_MACAO_TRAVEL_PERMIT: (
        "港澳居民来往内地通行证",
        "Mainland travel permit for Hong Kong and Macao residents",
    ),
    DocumentType.TAIWAN_TRAVEL_PERMIT: (
        "台湾居民来往大陆通行证",
        "Mainland travel permit for Taiwan residents",
    ),
    DocumentType.FOREIGN_PERMANENT_RESIDENT: ("外国人永久居留身份证", "Foreign permanent resident ID card"),
    DocumentType.PASSPORT: ("护照", "Passport"),
}


@dataclass(frozen=True, slots=True)
class IdentityDocument:
    doc_type: DocumentType
    number: str
    birth_date: date | None  # None where the document does not carry it

    @property
    def masked(self) -> str:
        return mask_id_number(self.number)


def _resident_id(number: str, today: date) -> date:
    resident = validate_resident_id(number, today=today)
    if resident.region in _PERMIT_REGIONS:
        raise InvalidValue(
            "document_type",
            "这是港澳台居民居住证号码，请将证件类型选为“港澳台居民居住证”",
            "This is a residence permit number; please choose the document type "
            "'Residence permit for Hong Kong, Macao and Taiwan residents'.",
        )
    return resident.birth_date


def _residence_permit(number: str, today: date) -> date:
    resident = validate_resident_id(number, today=today)
    if resident.region not in _PERMIT_REGIONS:
        raise InvalidValue(
            "region",
            "港澳台居民居住证号码应以 810000、820000 或 830000 开头",
            "A residence permit number starts with 810000, 820000 or 830000.",
        )
    return resident.birth_date


_HK_MACAO_TRAVEL_PERMIT = re.compile(r"[HM][0-9]{8}(?:[0-9]{2})?")
_TAIWAN_TRAVEL_PERMIT = re.compile(r"[0-9]{8}")
_FOREIGN_2023 = re.compile(r"9[0-9]{16}[0-9X]")
_FOREIGN_2017 = re.compile(r"[A-Z]{3}[0-9]{12}")
_PASSPORT = re.compile(r"[A-Z0-9]{5,20}")


def _hk_macao_pass(number: str, today: date) -> None:
    if not _HK_MACAO_TRAVEL_PERMIT.fullmatch(number):
        raise _format_error(
            "港澳居民来往内地通行证号码为 H 或 M 开头，后接 8 位或 10 位数字",
            "The permit number is H or M followed by 8 or 10 digits.",
        )


def _taiwan_pass(number: str, today: date) -> None:
    if not _TAIWAN_TRAVEL_PERMIT.fullmatch(number):
        raise _format_error("台湾居民来往大陆通行证号码为 8 位数字", "The permit number has 8 digits.")


def _foreign_permanent_resident(number: str, today: date) -> date | None:
    """2023 card: 9 + province (2) + nationality (3) + birth date (8) + serial (3) + MOD 11-2 check."""
    if _FOREIGN_2017.fullmatch(number):
        return None  # its yymmdd birth date has no century; never guess one
    if not _FOREIGN_2023.fullmatch(number):
        raise _format_error(
            "外国人永久居留身份证号码为 9 开头的 18 位号码，或旧版的 3 位字母加 12 位数字",
            "The card number has 18 characters starting with 9, or (older cards) 3 letters and 12 digits.",
        )
    if number[1:3] not in _MAINLAND_PROVINCES:
        raise InvalidValue(
            "region",
            "号码第 2–3 位不是有效的省级地区代码，请核对",
            "Characters 2–3 are not a valid province code; please check the number.",
        )
    born = _birth_date(number[6:14], today)
    if _mod11_2_check(number[:17]) != number[17]:
        raise _check_digit_error()
    return born


def _passport(number: str, today: date) -> None:
    if not _PASSPORT.fullmatch(number):
        raise _format_error(
            "护照号码应为 5–20 位字母或数字", "A passport number has 5 to 20 letters or digits."
        )


_DOCUMENT_CHECKS = {
    DocumentType.RESIDENT_ID: _resident_id,
    DocumentType.HK_MACAO_TW_RESIDENCE_PERMIT: _residence_permit,
    DocumentType.HK_MACAO_TRAVEL_PERMIT: _hk_macao_pass,
    DocumentType.TAIWAN_TRAVEL_PERMIT: _taiwan_pass,
    DocumentType.FOREIGN_PERMANENT_RESIDENT: _foreign_permanent_resident,
    DocumentType.PASSPORT: _passport,
}


def validate_document(doc_type: str, raw: str, *, today: date) -> IdentityDocument:
    """Check a document number of the given type; the birth date is returned where the number carries it."""
    try:
        kind = DocumentType(doc_type)
    except ValueError:
        raise InvalidValue("document_type", "请选择证件类型", "Please choose a document type.") from None
    number = normalize_id_number(raw)
    born = _DOCUMENT_CHECKS[kind](number, today)
    return IdentityDocument(doc_type=kind, number=number, birth_date=born)


def _mask_middle(value: str) -> str:
    # Keep at most 2 characters each side and always hide at least half: short passports stay unreadable.
    keep = min(2, len(value) // 4)
    return value[:keep] + "*" * (len(value) - 2 * keep) + value[len(value) - keep :]


def mask_id_number(number: str) -> str:
    """`310101********1234` (DOMAIN.md §14): the birth date (characters 7–14) is never shown."""
    value = normalize_id_number(number)
    if len(value) == 18:
        return value[:6] + "*" * 8 + value[14:]
    return _mask_middle(value)


# GB 32100-2015: the 31 characters in use (no I O Z S V) and the weights 3**i mod 31.
_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_VALUES = {c: i for i, c in enumerate(_USCC_CHARS)}
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
# Registration authorities: the standard's 1/5/9/Y and the ones assigned since (2 3 4 6 7 8 A N).
_USCC_AUTHORITIES = frozenset("123456789ANY")


def validate_uscc(raw: str) -> str:
    """A unified social credit code (统一社会信用代码) per GB 32100-2015; returns it normalised."""
    code = normalize_id_number(raw)
    if len(code) != 18 or any(c not in _USCC_VALUES for c in code):
        raise _format_error(
            "统一社会信用代码应为 18 位数字或大写字母（不含 I、O、Z、S、V）",
            "A unified social credit code has 18 digits or capital letters (never I, O, Z, S or V).",
        )
    if code[0] not in _USCC_AUTHORITIES:
        raise InvalidValue(
            "authority",
            "统一社会信用代码第 1 位（登记管理部门代码）无效，请核对",
            "The first character (registration authority) is not valid; please check the code.",
        )
    if not _is_digits(code[2:8]):
        raise InvalidValue(
            "region",
            "统一社会信用代码第 3–8 位（行政区划码）应为数字，请核对",
            "Characters 3–8 (region code) must be digits; please check the code.",
        )
    total = sum(_USCC_VALUES[c] * w for c, w in zip(code[:17], _USCC_WEIGHTS, strict=True))
    if _USCC_CHARS[-total % 31] != code[17]:  # the check brings the weighted sum of all 18 to 0 mod 31
        raise _check_digit_error()
    return code


_MOBILE = re.compile(r"(?:\+86|0086|86)?(1[3-9][0-9]{9})")
_MOBILE_NOISE = re.compile(r"[\s\-]")


def validate_mobile(raw: str) -> str:
    """A mainland mobile number; returns the 11 digits without country code, spaces or hyphens."""
    match = _MOBILE.fullmatch(_MOBILE_NOISE.sub("", unicodedata.normalize("NFKC", raw)))
    if match is None:
        raise _format_error(
            "请填写 11 位中国大陆手机号码",
            "Please enter an 11-digit mainland China mobile number.",
        )
    return match.group(1)


def mask_mobile(number: str) -> str:
    """`138****5678` (DOMAIN.md §14)."""
    if len(number) == 11:
        return number[:3] + "****" + number[7:]
    return _mask_middle(number)


@dataclass(frozen=True, slots=True)
class CertificateNumber:
    """DOMAIN.md §11: filing number (13) + year (2) + level (1) + serial (6)."""

    filing_number: str
    year: int  # two digits: 26 for 2026
    level: int  # 1 (一级/高级技师) … 5 (五级/初级工)
    serial: int

    @property
    def number(self) -> str:
        return f"{self.filing_number}{self.year:02d}{self.level}{self.serial:06d}"

    def __str__(self) -> str:
        return self.number


_FILING_NUMBER = re.compile(r"S0000([0-9]{2})[0-9]{6}")


def _check_filing_number(filing_number: str) -> str:
    match = _FILING_NUMBER.fullmatch(filing_number)
    if match is None or match.group(1) not in _MAINLAND_PROVINCES:
        raise InvalidValue(
            "filing_number",
            "备案编号应为 S0000 加 2 位省份代码和 6 位机构代码，共 13 位",
            "The filing number is S0000, a 2-digit province code and a 6-digit site code (13 characters).",
        )
    return filing_number


def _level_error() -> InvalidValue:
    return InvalidValue("level", "等级应为 1 至 5 级", "The level must be 1 to 5.")


def _serial_error() -> InvalidValue:
    return InvalidValue(
        "serial", "流水号应为 000001 至 999999", "The serial number must be 000001 to 999999."
    )


def validate_certificate_number(raw: str) -> CertificateNumber:
    """A 22-character certificate number, e.g. `S000031400054264000001` (DOMAIN.md §11).

    Numbers the province assigns are imported and checked by this same function.
    """
    number = normalize_id_number(raw)
    if len(number) != 22 or not _is_digits(number[1:]):
        raise _format_error(
            "证书编号应为 22 位：S 加 21 位数字",
            "A certificate number has 22 characters: S followed by 21 digits.",
        )
    filing_number = _check_filing_number(number[:13])
    level, serial = int(number[15]), int(number[16:])
    if not 1 <= level <= 5:
        raise _level_error()
    if serial == 0:
        raise _serial_error()
    return CertificateNumber(filing_number=filing_number, year=int(number[13:15]), level=level, serial=serial)


def format_certificate_number(filing_number: str, year: int, level: int, serial: int) -> str:
    """Build a certificate number; `year` may be 2026 or 26."""
    filing_number = _check_filing_number(normalize_id_number(filing_number))
    if 2000 <= year <= 2099:
        year -= 2000
    if not 0 <= year <= 99:
        raise InvalidValue("year", "年份应为 2000 至 2099 年", "The year must be 2000 to 2099.")
    if not 1 <= level <= 5:
        raise _level_error()
    if not 1 <= serial <= 999_999:
        raise _serial_error()
    return CertificateNumber(filing_number=filing_number, year=year, level=level, serial=serial).number
