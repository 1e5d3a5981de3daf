"""`POST /api/v1/eligibility/check`: the contract of DOMAIN.md §3 (issue 3)."""

import copy
import json
import re

import pytest

pytestmark = pytest.mark.django_db

URL = "/api/v1/eligibility/check"
EXAMPLE = {
    "occupation": "4-04-05-05",
    "work_type": None,
    "level": 3,
    "reference_date": "2026-03-15",
    "id_number": "11010519491231002X",
    "birth_date": "1949-12-31",
    "intends_to_work": False,
    "education": [
        {
            "school_kind": "university",
            "program": None,
            "major": "计算机科学与技术",
            "related": True,
            "evaluated": False,
            "graduated_on": "2012-06-30",
            "graduating": False,
        }
    ],
    "work": [{"occupation": "4-04-05-05", "related": True, "start": "2015-07-01", "end": None}],
    "certificates": [{"occupation": "4-04-05-05", "related": True, "level": 4, "issued_on": "2021-05-20"}],
    "titles": [{"grade": "junior", "matches": True, "obtained_on": "2019-12-01"}],
    "banned_until": None,
}


def post(client, body, **headers):
    return client.post(
        URL, json.dumps(body), content_type="application/json", HTTP_HOST="127.0.0.1", **headers
    )


def variant(**changes):
    body = copy.deepcopy(EXAMPLE)
    body.update(changes)
    return body


def test_the_contract_example_is_eligible_at_level_3_through_L3_2(client, notice_2026):
    response = post(client, EXAMPLE)
    assert response.status_code == 200
    verdict = response.json()
    assert verdict["eligible"] is True and verdict["level"] == 3 and verdict["offered"] is True
    assert "L3-2" in verdict["satisfied"]
    assert [c["id"] for c in verdict["conditions"]] == ["L3-1", "L3-2", "L3-3", "L3-4", "L3-5", "L3-6"]
    assert [g["id"] for g in verdict["gates"]] == ["AGE", "EDU", "BAN"]
    l3_2 = next(c for c in verdict["conditions"] if c["id"] == "L3-2")
    assert l3_2["met"] and "L3-2" in l3_2["reason"] and "四级" in l3_2["reason"]
    assert verdict["edition"] == "规程 2023"


def test_reasons_follow_accept_language(client, notice_2026):
    english = post(client, EXAMPLE, HTTP_ACCEPT_LANGUAGE="en").json()
    reasons = [c["reason"] for c in english["conditions"]] + [g["reason"] for g in english["gates"]]
    # English throughout; a Chinese term may stand in brackets as a gloss, e.g. "(经评估论证)".
    without_glosses = [re.sub(r"\([^)]*\)", "", r) for r in reasons]
    assert all(r.isascii() for r in without_glosses), reasons
    assert english["conditions"][0]["reason"].startswith("L3-1 holds")
    assert post(client, EXAMPLE).json()["conditions"][0]["reason"].startswith("L3-1 满足")


def test_continuing_work_says_from_when_a_condition_will_hold(client, notice_2026):
    body = variant(
        work=[{"occupation": "4-04-05-05", "start": "2020-07-01", "end": None}], certificates=[], titles=[]
    )
    l3_1 = next(c for c in post(client, body).json()["conditions"] if c["id"] == "L3-1")
    assert l3_1["met"] is False
    # Both the first and the last day count, so the 3,650th day worked is 2030-06-28.
    assert l3_1["met_from"] == "2030-06-28"


def test_either_birth_date_or_id_number_may_be_absent(client, notice_2026):
    assert post(client, variant(id_number=None)).status_code == 200
    body = variant()
    del body["birth_date"]
    assert post(client, body).status_code == 200


def test_a_level_the_catalog_does_not_offer_is_still_evaluated(client, notice_2026):
    verdict = post(client, variant(level=2)).json()
    assert verdict["offered"] is False
    assert [c["id"] for c in verdict["conditions"]][:1] == ["L2-1"]


def test_a_ban_closes_the_gate(client, notice_2026):
    verdict = post(client, variant(banned_until="2026-12-31")).json()
    assert verdict["eligible"] is False
    ban = next(g for g in verdict["gates"] if g["id"] == "BAN")
    assert ban["met"] is False and "2026-12-31" in ban["reason"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"reference_date": "2026-02-30"}, "reference_date"),
        ({"occupation": "9-99-99-99"}, "occupation"),
        ({"id_number": "110105194912310021"}, "id_number"),
        ({"birth_date": "1950-01-01"}, "birth_date"),
        ({"level": 6}, "level"),
        ({"level": 0}, "level"),
        ({"work": [{"occupation": "4-04-05-05", "start": "2020-01-02", "end": "2020-01-01"}]}, "work.0.end"),
        (
            {"education": [{"school_kind": "kindergarten", "graduated_on": "2000-01-01"}]},
            "education.0.school_kind",
        ),
        (
            {"certificates": [{"occupation": "4-04-05-05", "level": 9, "issued_on": "2020-01-01"}]},
            "certificates.0.level",
        ),
        ({"titles": [{"grade": "junior", "obtained_on": "not a date"}]}, "titles.0.obtained_on"),
        ({"occupation": "4-04-04-02", "work_type": None}, "work_type"),
        ({"occupation": "4-04-04-02", "work_type": "厨师"}, "work_type"),
        ({"id_number": None, "birth_date": None}, "birth_date"),
    ],
)
def test_malformed_input_is_a_4xx_with_a_message_on_the_field(client, notice_2026, changes, field):
    response = post(client, variant(**changes))
    assert response.status_code in (400, 422), response.content
    errors = response.json()["errors"]
    assert field in errors, errors
    assert errors[field][0]


def test_several_bad_fields_are_reported_together(client, notice_2026):
    body = variant(
        occupation="9-99",
        id_number="110105194912310021",
        work=[{"occupation": "x", "start": "2020-01-02", "end": "2020-01-01"}],
    )
    errors = post(client, body).json()["errors"]
    assert {"occupation", "id_number", "work.0.end"} <= set(errors)


def test_a_body_that_is_not_json_is_a_400_in_json(client, notice_2026):
    response = client.post(URL, "{not json", content_type="application/json", HTTP_HOST="127.0.0.1")
    assert response.status_code == 400
    assert response.json()["errors"]["__all__"]
