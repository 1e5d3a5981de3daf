"""URLs of the results area (issue 7): a candidate's review requests and make-up, an institution's results
of its students."""

from django.urls import path

from skilleval.results.views import candidate, institution

urlpatterns = [
    path("institution/", institution.results, name="institution-results"),
    path("institution/<str:number>/makeup/", institution.makeup, name="institution-results-makeup"),
    path("<str:number>/review/", candidate.review, name="my-results-review"),
    path("<str:number>/makeup/", candidate.makeup, name="my-results-makeup"),
]
