"""Changes to the organization profile, the policy defaults and the monthly cycle, each audited."""

import calendar
from datetime import date

from django.db import transaction

from skilleval.audit.services import record
from skilleval.core.errors import DomainError
from skilleval.organization.models import EvaluationCycle, Organization, PolicySetting
from skilleval.organization.policy import forget_cached_policies, policy

PROFILE_FIELDS = [f.name for f in Organization._meta.fields if f.name not in {"id", "updated_at"}]


def save_profile(values: dict, *, by) -> Organization:
    unknown = set(values) - set(PROFILE_FIELDS)
    if unknown:
        raise DomainError(f"unknown organization fields: {sorted(unknown)}", code="unknown_field")
    with transaction.atomic():
        org, created = Organization.objects.select_for_update().get_or_create(pk=1, defaults=values)
        changed = {k: v for k, v in values.items() if getattr(org, k) != v}
        if not created and changed:
            for k, v in changed.items():
                setattr(org, k, v)
            org.full_clean()
            org.save(update_fields=[*changed, "updated_at"])
        if created or changed:
            record(by, "organization.profile.save", org, {"fields": sorted(values if created else changed)})
    return org


def set_policy(key: str, value, *, effective_from: date, by, description: str = "", source: str = ""):
    forget_cached_policies()
    with transaction.atomic():
        row, created = PolicySetting.objects.select_for_update().get_or_create(
            key=key,
            effective_from=effective_from,
            defaults={"value": value, "description": description, "source": source},
        )
        if not created and row.value == value:
            return row
        if not created:
            old = row.value
            row.value = value
            row.save(update_fields=["value"])
        record(
            by,
            "organization.policy.set",
            row,
            {
                "key": key,
                "value": value,
                "effective_from": effective_from,
                "previous": None if created else old,
            },
        )
    return row


def cycle_for(year: int, month: int, rule: dict) -> tuple[date, str, str]:
    """Apply the cycle rule of DOMAIN.md §5 to one application month.

    The rule is data (policy `cycle.rule`): `months_after` gives the month whose last day is the deadline;
    `exceptions` overrides it for a month (December: evaluated in December, or per next year's notice).
    """
    spec = rule.get("exceptions", {}).get(str(month), {})
    months_after = spec.get("months_after", rule["months_after"])
    target_year, target_month = divmod((month - 1) + months_after, 12)
    target_year += year
    target_month += 1
    last_day = calendar.monthrange(target_year, target_month)[1]
    return date(target_year, target_month, last_day), spec.get("note", ""), spec.get("note_en", "")


def generate_cycles(year: int, *, by) -> list[EvaluationCycle]:
    """Create the year's twelve cycles from the rule in force on 1 January; existing rows are kept, since
    staff may have edited them after a later notice."""
    rule = policy("cycle.rule", on=date(year, 1, 1))
    created = []
    with transaction.atomic():
        for month in range(1, 13):
            evaluate_by, note, note_en = cycle_for(year, month, rule)
            row, was_created = EvaluationCycle.objects.get_or_create(
                year=year,
                month=month,
                defaults={"evaluate_by": evaluate_by, "note": note, "note_en": note_en},
            )
            if was_created:
                created.append(row)
        if created:
            record(
                by,
                "organization.cycles.generate",
                ("organization.evaluationcycle", year),
                {"year": year, "months": [c.month for c in created]},
            )
    return created


def load_notice_rules(data: dict, *, by) -> None:
    """The organization and policy parts of a notice file. The profile is created once and then belongs to
    staff (a reload never overwrites their edits); each policy gets a row from the notice's effective date."""
    effective_from = date.fromisoformat(data["notice"]["effective_from"])
    source = data["notice"]["title"]
    with transaction.atomic():
        if not Organization.objects.filter(pk=1).exists():
            save_profile(data["organization"], by=by)
        for spec in data.get("policies", []):
            if not PolicySetting.objects.filter(key=spec["key"], effective_from=effective_from).exists():
                set_policy(
                    spec["key"],
                    spec["value"],
                    effective_from=effective_from,
                    by=by,
                    description=spec.get("description", ""),
                    source=source[:200],
                )
