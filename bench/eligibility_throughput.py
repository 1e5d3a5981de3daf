"""How many profiles per second the eligibility engine decides on one core (target: 20,000/s, issue 3).

Run from the project root: ``.venv/bin/python bench/eligibility_throughput.py [--profiles N] [--seed S]``.
The profiles are generated first (not timed), deterministically from the seed, across the four catalog
occupations and all five levels. Two figures: the decision alone (what the application step and the
pre-check need), and the decision rendered to the JSON contract in Chinese (what the API answers).
"""

import argparse
import gc
import random
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

TARGET = 20_000
REFERENCE_DATE = date(2026, 3, 15)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profiles", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=20260315)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from skilleval.eligibility.engine import evaluate

    cases = make_cases(args.profiles, random.Random(args.seed))
    # The generated profiles stay alive for the whole run, which a server never does; freezing them keeps
    # the garbage collector from rescanning them on every collection.
    gc.freeze()

    def decide() -> int:
        return sum(
            evaluate(profile, occupation, level, day).eligible for profile, occupation, level, day in cases
        )

    def decide_and_render() -> int:
        return sum(
            len(evaluate(profile, occupation, level, day).to_dict()["satisfied"])
            for profile, occupation, level, day in cases
        )

    eligible = decide()
    decided = median_rate(decide, len(cases), args.rounds)
    rendered = median_rate(decide_and_render, len(cases), args.rounds)
    print(f"profiles: {len(cases)} (seed {args.seed}), eligible: {eligible}")
    print(f"one thread; rates per CPU second of this process, median of {args.rounds} rounds")
    print(f"evaluate: {decided:,.0f} profiles/s")
    print(f"evaluate + to_dict (zh-hans): {rendered:,.0f} profiles/s")
    print(f"ratio vs target {TARGET}/s: {decided / TARGET:.2f}")


def median_rate(run, count: int, rounds: int) -> float:
    """Profiles per CPU second of this process, so other work on the machine does not count against it."""
    rates = []
    for _ in range(rounds):
        started = time.process_time()
        run()
        rates.append(count / (time.process_time() - started))
    return statistics.median(rates)


def make_cases(count: int, rng: random.Random) -> list:
    from skilleval.eligibility.engine import (
        Certificate,
        Education,
        EducationLevel,
        OccupationFacts,
        Profile,
        Program,
        SchoolKind,
        Title,
        TitleGrade,
        WorkPeriod,
    )

    computing = frozenset({"计算机科学与技术", "软件工程", "人工智能", "数据科学与大数据技术"})
    security = frozenset({"信息安全", "网络空间安全", "网络工程", "计算机科学与技术"})
    occupations = [
        OccupationFacts(
            code="4-04-05-05",
            min_education=EducationLevel.JUNIOR_MIDDLE,
            related_occupations=frozenset({"4-04-05-01", "4-04-05-02"}),
            related_majors=computing,
            offered_levels=frozenset({4, 3}),
        ),
        OccupationFacts(
            code="4-04-04-02",
            work_type="信息安全管理员",
            min_education=EducationLevel.SENIOR_HIGH,
            related_occupations=frozenset({"4-04-04-01"}),
            related_majors=security,
            offered_levels=frozenset({4, 3}),
        ),
        OccupationFacts(
            code="4-04-04-02",
            work_type="网络安全管理员",
            min_education=EducationLevel.SENIOR_HIGH,
            related_occupations=frozenset({"4-04-04-01"}),
            related_majors=security,
            offered_levels=frozenset({4, 3}),
        ),
        OccupationFacts(
            code="4-04-05-01",
            min_education=EducationLevel.SENIOR_HIGH,
            related_occupations=frozenset({"4-04-05-05", "4-04-05-02"}),
            related_majors=computing,
            offered_levels=frozenset({4, 3}),
        ),
    ]
    codes = ["4-04-05-05", "4-04-04-02", "4-04-05-01", "4-04-05-02", "4-04-04-01", "2-02-10-03", "6-31-01-03"]
    majors = [*sorted(computing | security), "机械设计制造及其自动化", "会计学", None]
    kinds = list(SchoolKind)
    programs = [None, None, None, *Program]
    grades = list(TitleGrade)

    def day(lo: date, hi: date) -> date:
        return lo + timedelta(days=rng.randrange(max(1, (hi - lo).days)))

    def flag() -> bool | None:
        return rng.choice((None, None, True, False))

    cases = []
    for _ in range(count):
        birth = day(date(1960, 1, 1), date(2011, 1, 1))
        adult = date(birth.year + 16, birth.month, 1)
        education = tuple(
            Education(
                school_kind=rng.choice(kinds),
                program=rng.choice(programs),
                major=rng.choice(majors),
                related=flag(),
                evaluated=flag(),
                graduated_on=rng.choice((None, day(adult, REFERENCE_DATE + timedelta(days=400)))),
                graduating=rng.random() < 0.2,
            )
            for _ in range(rng.randrange(3))
        )
        work = []
        for _ in range(rng.choice((0, 1, 1, 2, 2, 3, 4))):
            start = day(adult, REFERENCE_DATE)
            end = rng.choice((None, day(start, REFERENCE_DATE + timedelta(days=200))))
            work.append(WorkPeriod(occupation=rng.choice(codes), related=flag(), start=start, end=end))
        certificates = tuple(
            Certificate(
                occupation=rng.choice(codes),
                related=flag(),
                level=rng.randint(1, 5),
                issued_on=day(adult, REFERENCE_DATE),
            )
            for _ in range(rng.choice((0, 0, 1, 1, 2, 3)))
        )
        titles = tuple(
            Title(grade=rng.choice(grades), matches=flag(), obtained_on=day(adult, REFERENCE_DATE))
            for _ in range(rng.choice((0, 0, 0, 1, 2)))
        )
        banned = day(date(2023, 1, 1), date(2028, 1, 1)) if rng.random() < 0.03 else None
        profile = Profile(
            birth_date=birth,
            intends_to_work=rng.random() < 0.5,
            education=education,
            work=tuple(work),
            certificates=certificates,
            titles=titles,
            banned_until=banned,
        )
        reference = REFERENCE_DATE - timedelta(days=rng.randrange(365))
        cases.append((profile, rng.choice(occupations), rng.randint(1, 5), reference))
    return cases


if __name__ == "__main__":
    main()
