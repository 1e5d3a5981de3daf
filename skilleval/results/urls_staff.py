"""URLs of the results area for staff (issue 7): the board, the score grids, changes, reviews and the upload
for the national database. Included at /results/ (Chinese) and /en/results/ (English)."""

from django.urls import path

from skilleval.results.views import staff, staff_decisions, staff_exports

urlpatterns = [
    path("", staff.board_page, name="results-board"),
    path("sessions/<int:pk>/", staff.grid, name="results-grid"),
    path("sessions/<int:pk>/save/", staff.grid_save, name="results-grid-save"),
    path("sessions/<int:pk>/verify/", staff.grid_verify, name="results-grid-verify"),
    path("sessions/<int:pk>/publish/", staff.grid_publish, name="results-grid-publish"),
    path("scores/<int:pk>/change/", staff.score_change, name="results-score-change"),
    path("scores/<int:pk>/history/", staff.score_history, name="results-score-history"),
    path("changes/", staff_decisions.changes, name="results-changes"),
    path("changes/<int:pk>/decide/", staff_decisions.change_decide, name="results-change-decide"),
    path("reviews/", staff_decisions.reviews, name="results-reviews"),
    path("reviews/<int:pk>/answer/", staff_decisions.review_answer, name="results-review-answer"),
    path("export.xlsx", staff_exports.export_xlsx, name="results-export-xlsx"),
    path("export.csv", staff_exports.export_csv, name="results-export-csv"),
]
