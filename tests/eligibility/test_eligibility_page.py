"""The public self-check page and the check on a stored candidate (issue 3)."""

from datetime import date

import pytest
from django.utils.html import escape

from skilleval.core.errors import InvalidFields
from skilleval.eligibility.checks import check_person
from skilleval.people.models import Ban
from skilleval.people.services import ProfileFacts, register_person, replace_profile

pytestmark = pytest.mark.django_db
HOST = {"HTTP_HOST": "127.0.0.1"}


def form_data(**overrides):
    data = {
        "occupation": "4-04-05-01|",
        "birth_date": "1995-03-01",
        "intends_to_work": "",
        **{
            f"{name}-TOTAL_FORMS": str(n)
            for name, n in (("education", 3), ("work", 4), ("certificates", 2), ("titles", 2))
        },
        **{f"{name}-INITIAL_FORMS": "0" for name in ("education", "work", "certificates", "titles")},
        "work-0-occupation": "4-04-05-01",
        "work-0-start": "2013-07-01",
    }
    data.update(overrides)
    return data


def test_the_page_offers_the_catalogs_occupations_without_login(client, notice_2026):
    page = client.get("/eligibility/", **HOST)
    assert page.status_code == 200
    html = page.content.decode()
    assert "4-04-04-02 网络与信息安全管理员（网络安全管理员）" in html
    assert 'name="work-0-start"' in html and 'method="post"' in html


def test_a_candidate_sees_every_level_with_reasons(client, notice_2026):
    page = client.post("/eligibility/", form_data(), **HOST)
    assert page.status_code == 200
    assert page["Cache-Control"] == "no-store"
    html = page.content.decode()
    for level in (5, 4, 3, 2, 1):
        assert f"{level} 级" in html or f"{level}级" in html
    # More than 10 years of programming work since 2013-07-01: level 3 through L3-1, level 4 through L4-1.
    assert escape("L3-1 满足") in html and escape("L4-1 满足") in html
    assert "L1-3" in html  # failing conditions are explained too


def test_the_page_speaks_english(client, notice_2026):
    html = client.post("/en/eligibility/", form_data(), **HOST).content.decode()
    assert "L3-1 holds" in html and "Level 3" in html


def test_bad_input_is_shown_on_the_form(client, notice_2026):
    data = form_data(**{"work-0-end": "2012-01-01", "birth_date": "2999-01-01"})
    html = client.post("/eligibility/", data, **HOST).content.decode()
    assert "has-error" in html
    assert "L3-1" not in html  # no verdict on bad input


def test_the_same_check_runs_on_a_stored_candidate(notice_2026, admin_alice):
    person = register_person(
        full_name="张三", id_type="resident_id", id_number="11010519491231002X", by=admin_alice
    )
    replace_profile(
        person,
        ProfileFacts(
            education=({"school_kind": "general_high", "graduated_on": date(1968, 7, 1)},),
            work=({"occupation_code": "4-04-05-05", "start": date(2015, 7, 1)},),
            certificates=({"occupation_code": "4-04-05-05", "level": 4, "issued_on": date(2021, 5, 20)},),
        ),
        by=admin_alice,
    )
    verdict = check_person(person, occupation="4-04-05-05", work_type=None, level=3, on=date(2026, 3, 15))
    assert verdict.eligible and "L3-2" in verdict.satisfied and "L3-1" in verdict.satisfied

    # A ban from discipline closes the BAN gate of the stored profile (DOMAIN.md §12).
    Ban.objects.create(person=person, until=date(2026, 12, 31), reason="3.1")
    banned = check_person(person, occupation="4-04-05-05", work_type=None, level=3, on=date(2026, 3, 15))
    assert not banned.eligible
    assert [g.met for g in banned.gates if g.id == "BAN"] == [False]


def test_a_stored_check_for_an_unknown_occupation_names_the_field(notice_2026, admin_alice):
    person = register_person(
        full_name="张三", id_type="resident_id", id_number="11010519491231002X", by=admin_alice
    )
    with pytest.raises(InvalidFields) as caught:
        check_person(person, occupation="0-00", work_type=None, level=4, on=date(2026, 3, 15))
    assert "occupation" in caught.value.errors
