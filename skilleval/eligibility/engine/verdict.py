"""What the engine answers, and its JSON shape (DOMAIN.md §3, plus ``offered`` and ``edition``)."""

from dataclasses import dataclass
from datetime import date

from .messages import Message, Reason, check_language, render_reason


@dataclass(frozen=True, slots=True)
class GateResult:
    id: str  # AGE, EDU, BAN
    met: bool
    parts: tuple[Message, ...]

    @property
    def reason(self) -> Reason:
        return Reason(self.id, self.met, self.parts)


@dataclass(frozen=True, slots=True)
class ConditionResult:
    id: str  # L5-1 … L1-3
    met: bool
    parts: tuple[Message, ...]  # what holds and what does not, in the order of the requirements
    met_from: date | None = None  # when it will hold if work continues as recorded

    @property
    def reason(self) -> Reason:
        return Reason(self.id, self.met, self.parts, self.met_from)


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
                    "reason": render_reason(result.id, result.met, result.parts, result.met_from, lang),
                    "met_from": None if result.met_from is None else result.met_from.isoformat(),
                }
                for result in self.conditions
            ],
            "gates": [
                {
                    "id": result.id,
                    "met": result.met,
                    "reason": render_reason(result.id, result.met, result.parts, None, lang),
                }
                for result in self.gates
            ],
        }
