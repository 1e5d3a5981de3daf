"""The pure month planner (scheduling/planner.py): placement rules and the reasons it gives when it cannot."""

import random
from datetime import date, time, timedelta

from skilleval.scheduling.planner import CalendarGap, CohortSpec, RoomSpec, SubjectSpec, plan

AM, PM = time(9, 0), time(13, 30)
SUBJECTS = (SubjectSpec("theory", 90), SubjectSpec("practical", 90))
DEC_1, DEC_31 = date(2026, 12, 1), date(2026, 12, 31)


def weekdays(first, last):
    days, day = [], first
    while day <= last:
        if day.weekday() < 5:
            days.append(day)
        day += timedelta(days=1)
    return days


def cohort(key, n, deadline=DEC_31, earliest=DEC_1, subjects=SUBJECTS, start=0):
    return CohortSpec(key, list(range(start, start + n)), subjects, deadline, earliest)


def run(cohorts, rooms, **kwargs):
    return plan(
        cohorts, rooms, day_starts=[AM, PM], working_days=kwargs.pop("working_days", weekdays), **kwargs
    )


def check_invariants(results, rooms):
    capacity = {r.id: r.capacity for r in rooms}
    kinds = {r.id: r.kind for r in rooms}
    used, days = set(), {}
    for result in results:
        for s in result.sessions:
            assert (s.room, s.date, s.starts) not in used, "a room holds one session per sitting"
            used.add((s.room, s.date, s.starts))
            assert len(s.candidates) <= capacity[s.room] and kinds[s.room] == s.subject
            for c in s.candidates:
                days.setdefault((result.key, c), []).append((s.date, s.starts, s.subject))
    for sittings in days.values():
        assert len({d for d, _, _ in sittings}) == 1, "theory and practical on the same day"
        assert len({t for _, t, _ in sittings}) == len(sittings), "not two subjects at once"
    return days


def test_a_batch_takes_theory_in_the_morning_and_another_the_practical_so_rooms_work_all_day():
    rooms = [RoomSpec(1, "theory", 40), RoomSpec(2, "practical", 30)]
    (result,) = run([cohort(7, 100)], rooms)
    assert (result.placed, result.unplaced, result.problem) == (100, 0, "")
    days = check_invariants([result], rooms)
    assert len(days) == 100 * 1 and {d for v in days.values() for d, _, _ in v} == {DEC_1, date(2026, 12, 2)}
    first_day = [s for s in result.sessions if s.date == DEC_1]
    assert {(s.subject, s.starts) for s in first_day} == {
        ("theory", AM),
        ("practical", PM),
        ("practical", AM),
        ("theory", PM),
    }


def test_the_smallest_room_that_takes_the_rest_is_chosen():
    rooms = [RoomSpec(1, "theory", 80), RoomSpec(2, "theory", 35), RoomSpec(3, "practical", 80)]
    (result,) = run([cohort(1, 30)], rooms)
    theory = [s for s in result.sessions if s.subject == "theory"]
    assert [(s.room, len(s.candidates)) for s in theory] == [(2, 30)]


def test_the_cohort_with_the_earlier_deadline_goes_first():
    rooms = [RoomSpec(1, "theory", 30), RoomSpec(2, "practical", 30)]
    only_day = lambda a, b: [d for d in [DEC_1] if a <= d <= b]  # noqa: E731
    late, early = cohort(1, 30, deadline=DEC_31), cohort(2, 30, deadline=date(2026, 12, 15), start=100)
    results = {r.key: r for r in run([late, early], rooms, working_days=only_day)}
    assert results[2].placed == 30 and results[1].placed == 30  # morning/afternoon swap fits both
    results = {
        r.key: r
        for r in run([late, early, cohort(3, 30, deadline=DEC_31, start=200)], rooms, working_days=only_day)
    }
    assert results[2].problem == "" and results[3].problem == "no_room" and results[3].detail["left"] == 30


def test_what_cannot_be_placed_says_why():
    rooms = [RoomSpec(1, "theory", 30)]

    def no_2027(a, b):
        raise CalendarGap(2027)

    assert run([cohort(1, 5, deadline=None)], rooms)[0].problem == "no_deadline"
    (missing_lab,) = run([cohort(1, 5)], rooms)
    assert (missing_lab.problem, missing_lab.detail, missing_lab.unplaced) == (
        "no_room_kind",
        {"kinds": ["practical"]},
        5,
    )
    rooms.append(RoomSpec(2, "practical", 30))
    (gap,) = run([cohort(1, 5)], rooms, working_days=no_2027)
    assert (gap.problem, gap.detail) == ("calendar_missing", {"year": 2027})
    (empty,) = run([cohort(1, 5, earliest=date(2026, 12, 26), deadline=date(2026, 12, 27))], rooms)
    assert empty.problem == "no_working_day"
    (long_,) = run([cohort(1, 5, subjects=(SubjectSpec("theory", 300), SubjectSpec("practical", 90)))], rooms)
    assert long_.problem == "too_long"
    (short,) = run([cohort(1, 2000)], rooms)
    assert short.problem == "no_room" and short.placed + short.unplaced == 2000 and short.placed == 23 * 60


def test_rooms_taken_by_other_sessions_are_left_alone():
    rooms = [RoomSpec(1, "theory", 30), RoomSpec(2, "practical", 30)]
    busy = [(1, DEC_1, AM), (2, DEC_1, AM)]
    (result,) = run([cohort(1, 30)], rooms, busy=busy)
    assert all((s.room, s.date, s.starts) not in busy for s in result.sessions)
    # With both rooms taken in the morning, one afternoon cannot hold two subjects: the next day does.
    assert result.placed == 30 and {s.date for s in result.sessions} == {date(2026, 12, 2)}


def test_random_months_keep_every_rule():
    rng = random.Random(6)
    for _ in range(30):
        rooms = [
            RoomSpec(i, rng.choice(["theory", "practical"]), rng.randint(5, 60))
            for i in range(rng.randint(2, 9))
        ]
        cohorts = [cohort(k, rng.randint(0, 400), start=k * 1000) for k in range(rng.randint(1, 6))]
        results = run(cohorts, rooms)
        check_invariants(results, rooms)
        for c, r in zip(
            sorted(cohorts, key=lambda c: c.key), sorted(results, key=lambda r: r.key), strict=True
        ):
            assert r.placed + r.unplaced == len(c.candidates)
            placed = sorted(x for s in r.sessions if s.subject == "theory" for x in s.candidates)
            assert placed == sorted(c.candidates)[: len(placed)] or r.problem


def test_a_make_up_candidate_sits_only_the_subjects_they_retake_on_the_cohorts_day():
    rooms = [RoomSpec(1, "theory", 40), RoomSpec(2, "practical", 40)]
    spec = cohort(1, 30)
    spec.needs = {0: frozenset({"practical"}), 1: frozenset({"theory"})}
    (result,) = run([spec], rooms)
    sat = {}
    for s in result.sessions:
        for c in s.candidates:
            sat.setdefault(c, set()).add(s.subject)
    assert sat[0] == {"practical"} and sat[1] == {"theory"} and sat[2] == {"theory", "practical"}
    check_invariants([result], rooms)
