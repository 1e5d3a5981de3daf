"""URLs of the scheduling area (issue 6): planning a month, its sessions and the exam rooms' papers.

Included at /planning/ (Chinese) and /en/planning/ (English). A plan is named by its application month,
/planning/2026-11/."""

from django.urls import path, register_converter

from skilleval.scheduling.views import planning, sessions


class YearConverter:
    regex = "[0-9]{4}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value) -> str:
        return f"{int(value):04d}"


class MonthConverter:
    """01 to 12, always two digits in a URL."""

    regex = "0[1-9]|1[0-2]"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value) -> str:
        return f"{int(value):02d}"


register_converter(YearConverter, "plan_year")
register_converter(MonthConverter, "plan_month")

PLAN = "<plan_year:year>-<plan_month:month>/"

urlpatterns = [
    path("", planning.home, name="planning"),
    path("start/", planning.start, name="planning-start"),
    path(PLAN, planning.plan_page, name="planning-plan"),
    path(f"{PLAN}fill-staff/", planning.plan_fill_staff, name="planning-fill-staff"),
    path(f"{PLAN}move-sitting/", planning.plan_move_sitting, name="planning-move-sitting"),
    path(f"{PLAN}publish/", planning.plan_publish, name="planning-publish"),
    path(f"{PLAN}tickets/", planning.plan_tickets, name="planning-tickets"),
    path(f"{PLAN}plan-again/", planning.plan_again, name="planning-plan-again"),
    path("sessions/<int:pk>/", sessions.session_page, name="planning-session"),
    path("sessions/<int:pk>/staff/", sessions.session_add_staff, name="planning-session-add-staff"),
    path(
        "sessions/<int:pk>/staff/<int:duty>/remove/",
        sessions.session_remove_staff,
        name="planning-session-remove-staff",
    ),
    path("sessions/<int:pk>/room/", sessions.session_change_room, name="planning-session-room"),
    path("sessions/<int:pk>/move-seat/", sessions.session_move_seat, name="planning-session-move-seat"),
    path(
        "sessions/<int:pk>/attendance/",
        sessions.session_correct_attendance,
        name="planning-session-attendance",
    ),
    path("sessions/<int:pk>/sign-in.pdf", sessions.sign_in_sheet, name="planning-sign-in"),
    path("sessions/<int:pk>/seat-plan.pdf", sessions.seat_plan, name="planning-seat-plan"),
    path("sessions/<int:pk>/roster.xlsx", sessions.roster_workbook, name="planning-roster"),
]
