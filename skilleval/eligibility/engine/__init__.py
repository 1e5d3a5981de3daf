"""The eligibility engine: 申报条件 (DOMAIN.md §3) as data, and one evaluator that explains itself.

Pure Python: nothing here imports Django, so the API, the public page and the application review can all
call ``evaluate`` on whatever they parsed or loaded.
"""

from .editions import EDITION_2023, EDITIONS
from .evaluator import LEVELS, evaluate, evaluate_levels, highest_education
from .messages import DEFAULT_LANGUAGE, LANGUAGES, Message, Msg, Reason, check_language
from .profile import (
    Certificate,
    Education,
    EducationLevel,
    OccupationFacts,
    Profile,
    Program,
    SchoolKind,
    Title,
    TitleGrade,
    WorkPeriod,
)
from .spec import ConditionSpec, Edition
from .verdict import ConditionResult, GateResult, Verdict

__all__ = [
    "DEFAULT_LANGUAGE",
    "EDITIONS",
    "EDITION_2023",
    "LANGUAGES",
    "LEVELS",
    "Certificate",
    "ConditionResult",
    "ConditionSpec",
    "Edition",
    "Education",
    "EducationLevel",
    "GateResult",
    "Message",
    "Msg",
    "OccupationFacts",
    "Profile",
    "Program",
    "Reason",
    "SchoolKind",
    "Title",
    "TitleGrade",
    "Verdict",
    "WorkPeriod",
    "check_language",
    "evaluate",
    "evaluate_levels",
    "highest_education",
]
