from skilleval.organization.models import Organization


def organization(request):
    return {"organization": Organization.objects.filter(pk=1).first()}
