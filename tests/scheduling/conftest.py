from tests.applications.conftest import li_ming, programmer_l4, reviewer_rui, school, school_user  # noqa: F401
