from tests.applications.conftest import li_ming, programmer_l4, reviewer_rui, school, school_user  # noqa: F401
from tests.certificates.conftest import passed  # noqa: F401
from tests.results.conftest import (  # noqa: F401
    calendar,
    examiner_a,
    examiner_b,
    held,
    supervisor_s,
    supervisor_t,
)
