"""Discipline pages (DOMAIN.md §8, §12): staff record, decide and answer in `staff`, the candidate appeals in
`candidate`. The few helpers below say a rule the same way on every page, in the reader's language."""

from itertools import groupby

from django.utils import translation
from django.utils.translation import gettext as _

from skilleval.discipline.models import Code


def rule_title(code: Code) -> str:
    """The rule's wording of the notice; its English wording on English pages when there is one."""
    english = (translation.get_language() or "").startswith("en")
    return code.title_en if english and code.title_en else code.title


def rule_label(code: Code) -> str:
    return f"{code.code} {rule_title(code)}"


def _tier_label(tier: int, first: Code) -> str:
    """A tier's heading in the rule list: what its rules cancel, and the ban they bring."""
    sanction = first.get_effect_display()
    if first.ban != Code.BanKind.NONE:
        sanction = _("%(effect)s; %(ban)s") % {"effect": sanction, "ban": first.get_ban_display()}
    return _("Tier %(tier)s — %(sanction)s") % {"tier": tier, "sanction": sanction}


def rules_by_tier() -> list[tuple[str, list[Code]]]:
    """Every rule of the notice under its tier's heading, for the rule selects."""
    codes = list(Code.objects.order_by("tier", "code"))
    groups = []
    for tier, members in groupby(codes, key=lambda c: c.tier):
        members = list(members)
        for code in members:
            code.label = rule_label(code)
        groups.append((_tier_label(tier, members[0]), members))
    return groups
