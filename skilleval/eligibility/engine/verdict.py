"""What the engine answers, and its JSON shape (DOMAIN.md §3, plus ``offered`` and ``edition``)."""

from dataclasses import dataclass
from datetime import date

from .messages import Reason, check_language


@dataclass(frozen=True, slots=True)
class GateResult:
    id: str  # AGE, EDU, BAN
    met: bool
    reason: Reason


@dataclass(frozen=True, slots=True)
class ConditionResult:
    id: str  # L5-1 … L1-3
    met: bool
    reason: Reason
    met_from: date | None = None  # when it will hold if work continues as recorded


@dataclass(frozen=True, slots=True)
class Verdict:
    eligible: bool  # every gate holds and at least one condition does; says nothing of ``offered``
    level: int
    offered: bool  # the catalog offers this level of the occupation
    satisfied: tuple[str, ...]
    conditions: tuple[ConditionResult, ...]
    gates: tuple[GateResult, ...]
    edition: str
    lang: str  # the language ``to_dict`` renders in unless told otherwise

    def to_dict(self, lang: str | None = None) -> dict:
        lang = self.lang if lang is None else check_language(lang)
        return {
            "eligible": self.eligible,
            "level": self.level,
            "offered": self.offered,
            "edition": self.edition,
            "satisfied": list(self.satisfied),
            "conditions": [
                {
                    "id": result.id,
                    "met": result.met,
                    "reason": result.reason.render(lang),
                    "met_from": None if result.met_from is None else result.met_from.isoformat(),
                }
                for result in self.conditions
            ],
            "gates": [
                {"id": result.id, "met": result.met, "reason": result.reason.render(lang)}
                for result in self.gates
            ],
        }
