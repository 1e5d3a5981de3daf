"""Input rules of SECURITY.md "Input and files", DOMAIN.md §11 (certificate numbers) and §14 (masking).

Valid numbers below are literals, not computed here, so a wrong checksum implementation cannot agree with
itself: 11010519491231002X and 440524188001010014 are the examples of GB 11643-1999, 9131010642502952X1 is
the taxpayer id printed on the notice.
"""

import unicodedata
from datetime import date

import pytest

from skilleval.core.errors import DomainError
from skilleval.core.validators import (
    CertificateNumber,
    DocumentType,
    InvalidValue,
    format_certificate_number,
    mask_id_number,
    mask_mobile,
    normalize_id_number,
    validate_certificate_number,
    validate_document,
    validate_mobile,
    validate_resident_id,
    validate_uscc,
)

TODAY = date(2026, 5, 1)


def full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def test_full_width_helper_is_what_nfkc_folds():
    assert full_width("12Xx") == "１２Ｘｘ"
    assert unicodedata.normalize("NFKC", full_width("12Xx")) == "12Xx"


# --- normalisation ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("11010519491231002X", "11010519491231002X"),
        ("11010519491231002x", "11010519491231002X"),
        (full_width("11010519491231002x"), "11010519491231002X"),
        (" 110105 19491231 002X\n", "11010519491231002X"),
        ("110105\u300019491231\t002X", "11010519491231002X"),  # ideographic space, tab
        ("e12345678", "E12345678"),
        ("", ""),
    ],
)
def test_normalize_id_number(raw, expected):
    assert normalize_id_number(raw) == expected


def test_normalize_refuses_a_number_read_as_a_spreadsheet_number():
    with pytest.raises(TypeError):
        normalize_id_number(110105194912310020)


# --- resident identity numbers (GB 11643-1999) -----------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "number", "birth_date", "sex", "region"),
    [
        ("11010519491231002X", "11010519491231002X", date(1949, 12, 31), "F", "110105"),
        ("440524188001010014", "440524188001010014", date(1880, 1, 1), "M", "440524"),
        ("11010519491231002x", "11010519491231002X", date(1949, 12, 31), "F", "110105"),
        (full_width("11010519491231002x"), "11010519491231002X", date(1949, 12, 31), "F", "110105"),
        ("110105 1949 1231 002X", "11010519491231002X", date(1949, 12, 31), "F", "110105"),
        ("310101199003070019", "310101199003070019", date(1990, 3, 7), "M", "310101"),
        ("310101199003070027", "310101199003070027", date(1990, 3, 7), "F", "310101"),
        ("31010119900307006X", "31010119900307006X", date(1990, 3, 7), "F", "310101"),
        ("310101199003070115", "310101199003070115", date(1990, 3, 7), "M", "310101"),
        ("530102198912318889", "530102198912318889", date(1989, 12, 31), "F", "530102"),  # 8: even
        # Feb 29 in leap years, including a century leap year.
        ("310101200002291237", "310101200002291237", date(2000, 2, 29), "M", "310101"),
        ("310101200402290022", "310101200402290022", date(2004, 2, 29), "F", "310101"),
        # Born today is not in the future.
        ("310101202605010018", "310101202605010018", date(2026, 5, 1), "M", "310101"),
        # Residence permits share the format; 71 is Taiwan's code in GB/T 2260.
        ("810000198506150039", "810000198506150039", date(1985, 6, 15), "M", "810000"),
        ("830000198506150059", "830000198506150059", date(1985, 6, 15), "M", "830000"),
        ("710000198506150035", "710000198506150035", date(1985, 6, 15), "M", "710000"),
    ],
)
def test_valid_resident_ids(raw, number, birth_date, sex, region):
    resident = validate_resident_id(raw, today=TODAY)
    assert (resident.number, resident.birth_date, resident.sex, resident.region) == (
        number,
        birth_date,
        sex,
        region,
    )


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("", "format"),
        ("11010519491231002", "format"),  # 17 characters
        ("11010519491231002XX", "format"),
        ("1101051949123100X2", "format"),  # X only in the last place
        ("11010519491231002Y", "format"),
        ("١١٠١٠٥١٩٤٩١٢٣١٠٠٢X", "format"),  # Arabic-Indic digits survive NFKC and are not digits here
        ("110105491231002", "legacy_id"),  # the old 15-digit number
        (full_width("110105491231002"), "legacy_id"),
        ("910101199001010014", "region"),  # 91 is no province
        ("000000199001010010", "region"),
        ("810101198506150030", "region"),  # 81 exists only as 810000
        ("310101190002290019", "birth_date"),  # 1900 is not a leap year
        ("310101202302290016", "birth_date"),  # 2023 is not a leap year
        ("310101194902300014", "birth_date"),  # 30 February
        ("31010119901301001X", "birth_date"),  # month 13
        ("310101202605020013", "future"),  # tomorrow
        ("110105194912310021", "check_digit"),  # X changed to 1
        ("440524188001010015", "check_digit"),
        ("11010519491231003X", "check_digit"),  # one body digit changed
    ],
)
def test_invalid_resident_ids(raw, code):
    with pytest.raises(InvalidValue) as excinfo:
        validate_resident_id(raw, today=TODAY)
    assert excinfo.value.code == code


def test_the_birth_date_limit_is_the_given_today():
    assert validate_resident_id("310101202605020013", today=date(2026, 5, 2)).birth_date == date(2026, 5, 2)


def test_messages_are_bilingual_and_never_quote_the_number():
    with pytest.raises(InvalidValue) as excinfo:
        validate_resident_id("110105194912310021", today=TODAY)
    error = excinfo.value
    assert isinstance(error, ValueError)
    assert isinstance(error, DomainError)
    assert error.message_for("zh-hans") == error.message_zh == error.message == str(error)
    assert error.message_for("en") == error.message_en
    assert "校验码" in error.message_zh
    assert "check digit" in error.message_en
    for text in (error.message_zh, error.message_en, repr(error)):
        assert "1101051949" not in text


def test_legacy_numbers_are_refused_with_a_request_for_the_18_digit_number():
    with pytest.raises(InvalidValue) as excinfo:
        validate_resident_id("110105491231002", today=TODAY)
    assert "18" in excinfo.value.message_zh
    assert "18" in excinfo.value.message_en


# --- other identity documents ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("doc_type", "raw", "number", "birth_date"),
    [
        ("resident_id", "11010519491231002x", "11010519491231002X", date(1949, 12, 31)),
        (DocumentType.RESIDENT_ID, "440524188001010014", "440524188001010014", date(1880, 1, 1)),
        ("hk_macao_tw_residence_permit", "810000198506150039", "810000198506150039", date(1985, 6, 15)),
        ("hk_macao_tw_residence_permit", "820000198506150049", "820000198506150049", date(1985, 6, 15)),
        ("hk_macao_tw_residence_permit", "830000198506150059", "830000198506150059", date(1985, 6, 15)),
        ("hk_macao_pass", "H12345678", "H12345678", None),
        ("hk_macao_pass", "m1234567890", "M1234567890", None),
        ("hk_macao_pass", full_width("H12345678"), "H12345678", None),
        ("taiwan_pass", "12345678", "12345678", None),
        ("taiwan_pass", full_width("12345678"), "12345678", None),
        ("foreign_permanent_resident", "911156200001011238", "911156200001011238", date(2000, 1, 1)),
        ("foreign_permanent_resident", "92115620000101123x", "92115620000101123X", date(2000, 1, 1)),
        ("foreign_permanent_resident", "usa310612345678", "USA310612345678", None),  # 2017 card
        ("passport", "e12345678", "E12345678", None),
        ("passport", "G1234", "G1234", None),
        ("passport", "A" * 20, "A" * 20, None),
        ("passport", "P 1234 5678", "P12345678", None),
    ],
)
def test_valid_documents(doc_type, raw, number, birth_date):
    document = validate_document(doc_type, raw, today=TODAY)
    assert document.doc_type == doc_type
    assert (document.number, document.birth_date) == (number, birth_date)


@pytest.mark.parametrize(
    ("doc_type", "raw", "code"),
    [
        ("driving_licence", "12345678", "document_type"),
        ("", "12345678", "document_type"),
        ("resident_id", "810000198506150039", "document_type"),  # a permit typed as an ID card
        ("resident_id", "11010519491231002", "format"),
        ("resident_id", "110105491231002", "legacy_id"),
        ("resident_id", "310101202605020013", "future"),
        ("hk_macao_tw_residence_permit", "11010519491231002X", "region"),
        ("hk_macao_tw_residence_permit", "810000198506150038", "check_digit"),
        ("hk_macao_tw_residence_permit", "810000198502300036", "birth_date"),
        ("hk_macao_pass", "H1234567", "format"),  # 7 digits
        ("hk_macao_pass", "H123456789", "format"),  # 9 digits
        ("hk_macao_pass", "C12345678", "format"),
        ("hk_macao_pass", "12345678", "format"),
        ("taiwan_pass", "1234567", "format"),
        ("taiwan_pass", "T1234567", "format"),
        ("foreign_permanent_resident", "911156200001011239", "check_digit"),
        ("foreign_permanent_resident", "991156200001011232", "region"),
        ("foreign_permanent_resident", "911156200002301237", "birth_date"),
        ("foreign_permanent_resident", "911156202612011236", "future"),
        ("foreign_permanent_resident", "11010519491231002X", "format"),  # a citizen's number
        ("foreign_permanent_resident", "US3106123456789", "format"),
        ("passport", "E123", "format"),
        ("passport", "A" * 21, "format"),
        ("passport", "E1234-5678", "format"),
        ("passport", "护照12345", "format"),
    ],
)
def test_invalid_documents(doc_type, raw, code):
    with pytest.raises(InvalidValue) as excinfo:
        validate_document(doc_type, raw, today=TODAY)
    assert excinfo.value.code == code


def test_every_document_type_has_both_labels():
    for kind in DocumentType:
        assert kind.label_zh
        assert kind.label_en
    assert DocumentType.RESIDENT_ID.label_zh == "居民身份证"


# --- masking (DOMAIN.md §14) -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("number", "masked"),
    [
        ("310101199003071234", "310101********1234"),
        ("11010519491231002x", "110105********002X"),
        ("911156200001011238", "911156********1238"),
        ("USA310612345678", "US***********78"),  # the 2017 card's birth date is in characters 6–11
        ("110105491231002", "11***********02"),
        ("H1234567890", "H1*******90"),
        ("H12345678", "H1*****78"),
        ("12345678", "12****78"),
        ("E1234", "E***4"),
        ("ABC", "***"),
        ("", ""),
    ],
)
def test_mask_id_number(number, masked):
    assert mask_id_number(number) == masked


@pytest.mark.parametrize("number", ["11010519491231002X", "110105491231002", "USA491231123456"])
def test_masks_never_show_the_birth_date(number):
    assert "491231" not in mask_id_number(number)


def test_validated_values_offer_their_mask():
    assert validate_resident_id("11010519491231002X", today=TODAY).masked == "110105********002X"
    assert validate_document("passport", "E12345678", today=TODAY).masked == "E1*****78"


@pytest.mark.parametrize(
    ("number", "masked"),
    [("13812345678", "138****5678"), ("19900000000", "199****0000"), ("12345", "1***5"), ("", "")],
)
def test_mask_mobile(number, masked):
    assert mask_mobile(number) == masked


# --- unified social credit codes (GB 32100-2015) ---------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("9131010642502952X1", "9131010642502952X1"),  # the notice's taxpayer id
        ("9131010642502952x1", "9131010642502952X1"),
        (full_width("9131010642502952x1"), "9131010642502952X1"),
        (" 91310106 42502952X1 ", "9131010642502952X1"),
        ("91350100M000100Y43", "91350100M000100Y43"),
        ("91110000802100433B", "91110000802100433B"),
        ("12100000400000624D", "12100000400000624D"),
        ("53310000MJ4975263J", "53310000MJ4975263J"),
        ("Y1310101MA1FL0000L", "Y1310101MA1FL0000L"),
        ("A1310000000000000T", "A1310000000000000T"),
        ("N2310101000000000Y", "N2310101000000000Y"),
    ],
)
def test_valid_credit_codes(raw, code):
    assert validate_uscc(raw) == code


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("", "format"),
        ("9131010642502952X", "format"),  # 17 characters
        ("9131010642502952X10", "format"),
        ("9131010642502952I1", "format"),  # I, O, Z, S, V are never used
        ("9131010642502952O1", "format"),
        ("9131010642502952Z1", "format"),
        ("9131010642502952S1", "format"),
        ("9131010642502952V1", "format"),
        ("9131010642502952-1", "format"),
        ("B131010642502952X1", "authority"),
        ("0131010642502952X1", "authority"),
        ("913A010642502952X1", "region"),
        ("91310106425029521X", "check_digit"),
        ("9131010642502952X2", "check_digit"),  # one off
        ("9131010642502952XA", "check_digit"),
        ("9131010642502953X1", "check_digit"),  # a body character changed
    ],
)
def test_invalid_credit_codes(raw, code):
    with pytest.raises(InvalidValue) as excinfo:
        validate_uscc(raw)
    assert excinfo.value.code == code


# --- mobile numbers --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "13800138000",
        "138 0013 8000",
        "138-0013-8000",
        "+8613800138000",
        "+86 138 0013 8000",
        "+86-138-0013-8000",
        "0086 13800138000",
        "8613800138000",
        full_width("13800138000"),
        full_width("+86 13800138000"),
        "\u3000138\u30000013\u30008000",
    ],
)
def test_valid_mobiles(raw):
    assert validate_mobile(raw) == "13800138000"


@pytest.mark.parametrize("raw", ["13000000000", "14700000000", "19999999999"])
def test_every_mobile_prefix_from_13_to_19(raw):
    assert validate_mobile(raw) == raw


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "12800138000",  # 12 is no mobile prefix
        "10800138000",
        "1380013800",  # 10 digits
        "138001380001",  # 12 digits
        "+85213800138000",
        "+86 12800138000",
        "86 1380013800",
        "1380013800O",  # letter O
        "021-62520070",  # a landline
        "١٣٨٠٠١٣٨٠٠٠",
    ],
)
def test_invalid_mobiles(raw):
    with pytest.raises(InvalidValue) as excinfo:
        validate_mobile(raw)
    assert excinfo.value.code == "format"


# --- certificate numbers (DOMAIN.md §11) -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("S000031400054264000001", CertificateNumber("S000031400054", 26, 4, 1)),
        ("s000031400054264000001", CertificateNumber("S000031400054", 26, 4, 1)),
        (full_width("S000031400054264000001"), CertificateNumber("S000031400054", 26, 4, 1)),
        ("S000011123456251999999", CertificateNumber("S000011123456", 25, 1, 999_999)),
        ("S000065000001305123456", CertificateNumber("S000065000001", 30, 5, 123_456)),
    ],
)
def test_valid_certificate_numbers(raw, expected):
    certificate = validate_certificate_number(raw)
    assert certificate == expected
    assert certificate.number == str(certificate) == normalize_id_number(raw)


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("", "format"),
        ("S00003140005426400000", "format"),  # 21 characters
        ("S0000314000542640000011", "format"),
        ("S00003140005426400000A", "format"),
        ("SS00031400054264000001", "format"),
        ("T000031400054264000001", "filing_number"),
        ("0000031400054264000001", "filing_number"),
        ("S000131400054264000001", "filing_number"),
        ("S000091400054264000001", "filing_number"),  # 91 is no province
        ("S000000400054264000001", "filing_number"),
        ("S000031400054260000001", "level"),
        ("S000031400054266000001", "level"),
        ("S000031400054264000000", "serial"),
    ],
)
def test_invalid_certificate_numbers(raw, code):
    with pytest.raises(InvalidValue) as excinfo:
        validate_certificate_number(raw)
    assert excinfo.value.code == code


@pytest.mark.parametrize(
    ("args", "number"),
    [
        (("S000031400054", 2026, 4, 1), "S000031400054264000001"),
        (("S000031400054", 26, 4, 1), "S000031400054264000001"),
        (("s000031400054", 2030, 5, 123_456), "S000031400054305123456"),
        (("S000011123456", 2000, 1, 999_999), "S000011123456001999999"),
        (("S000011123456", 2099, 3, 10), "S000011123456993000010"),
    ],
)
def test_format_certificate_number(args, number):
    assert format_certificate_number(*args) == number
    assert validate_certificate_number(number).number == number


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (("S0000314000", 2026, 4, 1), "filing_number"),
        (("S000091400054", 2026, 4, 1), "filing_number"),
        (("S000031400054", 1999, 4, 1), "year"),
        (("S000031400054", 2100, 4, 1), "year"),
        (("S000031400054", -1, 4, 1), "year"),
        (("S000031400054", 2026, 0, 1), "level"),
        (("S000031400054", 2026, 6, 1), "level"),
        (("S000031400054", 2026, 4, 0), "serial"),
        (("S000031400054", 2026, 4, 1_000_000), "serial"),
    ],
)
def test_format_certificate_number_refuses(args, code):
    with pytest.raises(InvalidValue) as excinfo:
        format_certificate_number(*args)
    assert excinfo.value.code == code
