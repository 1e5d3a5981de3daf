"""The eligibility engine: 申报条件 (DOMAIN.md §3) as data, and one evaluator that explains itself.

Pure Python: nothing here imports Django, so the API, the public page and the application review can all
call ``evaluate`` on whatever they parsed or loaded.

How the open points of DOMAIN.md §3 are read:

- Days: a period counts its first and its last day; an open period runs to the reference date inclusive;
  "N years" is ``edition.days_per_year`` × N days (365, the policy default). "After X" counts the days on or
  after X's date. Work and items dated after the reference date do not count yet.
- Certificates: a certificate of a higher level (a smaller number) serves where a lower one is asked for; the
  evaluator uses the earliest qualifying certificate, which gives the most work after it, and the clock
  runs from the certificate used. Titles likewise (a higher grade serves; the earliest qualifying is used).
- Relatedness: ``related`` / ``matches`` from the request win; ``None`` means the catalog decides (the
  occupation itself and ``related_occupations``; ``related_majors``). The catalog has no list of title
  specialties, so a title with ``matches=None`` does not count and the reason asks for a reviewer.
  ``evaluated=None`` counts as not evaluated.
- Schooling: "graduating students count" accepts ``graduating=True``; a ``graduated_on`` after the
  reference date is not a diploma yet. L2-4 wants graduates (毕业生), L2-5 current students (学生); neither
  asks for a related major, as in 附件 1.
- EDU: a finished programme gives its own rank, a student (graduating or not) the rank its admission required
  (``profile.ADMISSION_LEVEL``).
- AGE: 16 on the reference date; someone born on 29 February turns a year older on 1 March in a common year.
- BAN: ``banned_until`` D forbids applying on D and before; the gate holds from D + 1.
- L5-2 "works in" means a related work period covers the reference date.
- ``met_from``: when every failing requirement of a condition lacks only time, the day all will hold,
  provided related work that began by the reference date goes on (open, or until its end date); for L2-5's
  "certificate held 2 years" time alone suffices. Otherwise None.
- ``eligible`` means the gates and at least one condition hold; whether the catalog offers the level is
  reported apart, in ``offered``.
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
