"""Background jobs for the year ahead: they take plain values, call services, and report progress."""

from django_tasks import task

from skilleval.core.context import acting_as
from skilleval.jobs.services import Progress
from skilleval.organization.services import generate_cycles
from skilleval.workdays.services import load_package_calendar


@task(takes_context=True)
def prepare_years(context, years: list[int], user_id: int | None = None) -> dict:
    """Load the official calendar the package has and generate each year's evaluation cycles."""
    cycles = {}
    with (
        Progress(context, total=len(years) + 1, label="calendar and cycles") as progress,
        acting_as(channel="job", user_id=user_id),
    ):
        loaded = load_package_calendar(by=None)
        progress.advance()
        for year in years:
            cycles[year] = len(generate_cycles(year, by=None))
            progress.advance(message=str(year))
    return {"calendar_years": loaded, "cycles_created": cycles}
