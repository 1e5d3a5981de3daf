"""Policy defaults as dated data, the organization profile, and the monthly cycle (DOMAIN.md §5, §13)."""

from datetime import date

import pytest

from skilleval.audit.models import AuditEntry
from skilleval.organization.models import EvaluationCycle, Organization
from skilleval.organization.policy import PolicyMissing, policy
from skilleval.organization.services import cycle_for, generate_cycles, save_profile, set_policy

pytestmark = pytest.mark.django_db

RULE_2026 = {"months_after": 1, "exceptions": {"12": {"months_after": 0, "note": "或根据次年公告排考"}}}


def test_the_notice_loads_the_policy_defaults(notice_2026):
    assert policy("cohort.minimum_size", on=date(2026, 5, 1)) == 30
    assert policy("payment.deadline_days", on=date(2026, 5, 1)) == 7
    assert policy("results.validity_years", on=date(2026, 5, 1)) == {"5": 2, "4": 2, "3": 2, "2": 3, "1": 3}


def test_a_policy_changed_by_a_later_notice_applies_from_its_date_only(notice_2026, admin_alice):
    set_policy("cohort.minimum_size", 20, effective_from=date(2026, 7, 1), by=admin_alice, source="补充通知")
    assert policy("cohort.minimum_size", on=date(2026, 6, 30)) == 30
    assert policy("cohort.minimum_size", on=date(2026, 7, 1)) == 20
    entry = AuditEntry.objects.get(action="organization.policy.set", actor_label="alice")
    assert entry.data["key"] == "cohort.minimum_size" and entry.data["value"] == 20


def test_a_policy_with_no_value_in_force_says_so():
    with pytest.raises(PolicyMissing, match=r"cohort\.minimum_size"):
        policy("cohort.minimum_size", on=date(2026, 1, 1))


@pytest.mark.parametrize(
    ("year", "month", "deadline"),
    [
        (2026, 1, date(2026, 2, 28)),  # January → end of February
        (2028, 1, date(2028, 2, 29)),  # leap year
        (2026, 2, date(2026, 3, 31)),
        (2026, 6, date(2026, 7, 31)),
        (2026, 11, date(2026, 12, 31)),
        (2026, 12, date(2026, 12, 31)),  # December → end of December
    ],
)
def test_the_cycle_rule_gives_the_notices_deadlines(year, month, deadline):
    assert cycle_for(year, month, RULE_2026)[0] == deadline


def test_december_carries_the_next_years_notice_note():
    assert cycle_for(2026, 12, RULE_2026)[1] == "或根据次年公告排考"


def test_the_notice_publishes_twelve_cycles_and_keeps_staff_edits(notice_2026):
    assert EvaluationCycle.objects.filter(year=2026).count() == 12
    march = EvaluationCycle.objects.get(year=2026, month=3)
    march.evaluate_by = date(2026, 4, 24)
    march.save()
    assert generate_cycles(2026, by=None) == []
    march.refresh_from_db()
    assert march.evaluate_by == date(2026, 4, 24)


def test_the_profile_is_one_row_and_edits_are_audited(notice_2026, admin_alice):
    org = Organization.objects.get()
    assert org.filing_number == "S000031400054"
    assert org.bank_account == "31001508300056003187"
    assert org.taxpayer_id == "9131010642502952X1"
    save_profile({"phone": "021-62520070 转 208"}, by=admin_alice)
    assert Organization.objects.get().phone == "021-62520070 转 208"
    entry = AuditEntry.objects.get(action="organization.profile.save", actor_label="alice")
    assert entry.data == {"fields": ["phone"]}
