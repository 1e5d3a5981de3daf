"""What discipline keeps from the retention purge: incidents, their evidence and decisions stay (a sanction
must be provable for as long as it can be contested or counted), and so does the data of the applications
and people they concern."""

from skilleval.discipline.models import Incident


def applications_with_incidents(*, cutoff, now):
    return Incident.objects.values("application_id")


def people_with_incidents(*, cutoff, now):
    return Incident.objects.values("application__person_id")
