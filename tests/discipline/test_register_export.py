"""The sanctions register as a spreadsheet (DOMAIN.md §12): the filtered rows with masked ID numbers, formula
injection neutralised in .xlsx and .csv, one audit row with counts only (SECURITY.md "Audit", "Input and
files")."""

import csv
import io

import openpyxl
import pytest

from skilleval.audit.models import AuditEntry
from skilleval.discipline.services import decide
from skilleval.people.models import Person
from tests.discipline.test_views import HOST, decided, incident_of  # noqa: F401 - a fixture

pytestmark = pytest.mark.django_db
FORMULA_NAME = '=HYPERLINK("http://example.com/x","张三")'
HEADERS = [
    "Decision number",
    "Decided on",
    "Name",
    "ID number",
    "Item",
    "Rule",
    "Subjects cancelled",
    "Banned until",
    "Referred",
    "State",
]


@pytest.fixture
def two_decisions(decided, examiner_a, supervisor_t):  # noqa: F811 - the fixture imported above
    """3.1 for the first candidate (in `decided`), 2.3 for the second, whose name was typed as a formula."""
    applications, tier_two = decided
    Person.objects.filter(pk=applications[1].person_id).update(full_name=FORMULA_NAME)
    tier_one = decide(incident_of(applications[1], examiner_a, code="2.3"), reasons="喧哗", by=supervisor_t)
    return applications, tier_two, tier_one


def test_the_xlsx_export_has_the_rows_and_neutralises_formulas(two_decisions, supervisor_t, client):
    applications, tier_two, tier_one = two_decisions
    client.force_login(supervisor_t)
    response = client.get("/en/discipline/register.xlsx", **HOST)
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    assert "attachment" in response["Content-Disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == HEADERS
    by_reference = {row[0]: dict(zip(HEADERS, row, strict=True)) for row in rows[1:]}
    assert set(by_reference) == {tier_one.reference, tier_two.reference}
    first = by_reference[tier_two.reference]
    person = applications[0].person
    assert (first["Name"], first["ID number"]) == (person.full_name, person.id_number_masked)
    assert first["Rule"].startswith("3.1 ") and first["Banned until"] == "2026-12-31"
    assert (first["Referred"], first["State"]) == ("no", "In force")
    assert first["Subjects cancelled"] == "Practical skills, Theory knowledge"
    assert by_reference[tier_one.reference]["Subjects cancelled"] == "Theory knowledge"

    name_cell = next(row[2] for row in sheet.iter_rows(min_row=2) if row[2].value == FORMULA_NAME)
    assert (name_cell.data_type, name_cell.quotePrefix) == ("s", True)  # text, never a live formula

    entry = AuditEntry.objects.get(action="discipline.register.export")
    assert entry.actor_id == supervisor_t.pk
    assert entry.data == {"format": "xlsx", "rows": 2}  # counts only, no names


def test_the_csv_export_follows_the_filters_with_a_bom(two_decisions, supervisor_t, client):
    _applications, _tier_two, tier_one = two_decisions
    client.force_login(supervisor_t)
    response = client.get("/en/discipline/register.csv?tier=1", **HOST)
    assert response.status_code == 200
    assert response.content.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM, for Excel on Chinese Windows
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == HEADERS
    assert [row[0] for row in rows[1:]] == [tier_one.reference]
    assert rows[1][2] == "'" + FORMULA_NAME
    entry = AuditEntry.objects.get(action="discipline.register.export")
    assert entry.data == {"format": "csv", "rows": 1, "tier": 1}


def test_only_supervisors_export(two_decisions, examiner_a, client):
    client.force_login(examiner_a)
    assert client.get("/en/discipline/register.xlsx", **HOST).status_code == 403
    assert not AuditEntry.objects.filter(action="discipline.register.export").exists()
