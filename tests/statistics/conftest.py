from tests.applications.conftest import li_ming, programmer_l4, reviewer_rui, school  # noqa: F401
from tests.results.conftest import calendar, examiner_a, examiner_b, held, supervisor_s  # noqa: F401
