"""The month planner (issue 6, DOMAIN.md §5): cohorts of ready candidates into rooms, days and sittings.

Pure Python, no Django: the service reads the database into these plain values, and writes back what comes
out. A day has a few sitting times (policy ``planning.day_starts``, e.g. 09:00 and 13:30). A candidate sits
all subjects of the item on one day, one subject per sitting time: a batch takes theory in the morning and
the practical in the afternoon, and a second batch the other way round, so both kinds of room work all day.

Cohorts are placed earliest deadline first (the one that has least time goes first), each from its earliest
day on. A room holds one session per sitting time. A batch fills the free rooms of each subject's kind,
the smallest room that takes the rest, otherwise the largest first, so few rooms are opened per batch.

Whatever cannot be placed is reported with its reason, never dropped: no evaluation deadline, a year whose
calendar is not loaded, no working day in the window, a subject with no room of its kind, or not enough room
before the deadline (with how many were left over).

Cost: sorting the candidates is the n log n; the rest is linear in candidates plus days x sitting times x
rooms per cohort (free capacity per day, sitting and kind is kept as a running sum, so a full day is skipped
in constant time).
"""

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from itertools import permutations


@dataclass(frozen=True)
class RoomSpec:
    id: int
    kind: str  # a SubjectKind value: "theory" | "practical"
    capacity: int


@dataclass(frozen=True)
class SubjectSpec:
    kind: str
    minutes: int


@dataclass
class CohortSpec:
    key: int  # the catalog item
    candidates: Sequence[int]  # application ids, in seating order
    subjects: Sequence[SubjectSpec]
    deadline: date | None
    earliest: date
    # A make-up candidate sits only the subjects they retake (DOMAIN.md §10); everyone else sits all.
    needs: dict[int, frozenset[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class ProposedSession:
    subject: str
    room: int
    date: date
    starts: time
    ends: time
    candidates: tuple[int, ...]  # seat 1, 2, … in this order


@dataclass
class CohortResult:
    key: int
    sessions: list[ProposedSession] = field(default_factory=list)
    placed: int = 0
    unplaced: int = 0
    problem: str = (
        ""  # "" | no_deadline | calendar_missing | no_working_day | no_room_kind | no_room | too_long
    )
    detail: dict = field(default_factory=dict)


class CalendarGap(Exception):
    """Raised by the working-day source for a year it does not have (the service maps CalendarNotLoaded)."""

    def __init__(self, year: int):
        super().__init__(year)
        self.year = year


def plan(
    cohorts: Iterable[CohortSpec],
    rooms: Sequence[RoomSpec],
    *,
    day_starts: Sequence[time],
    working_days: Callable[[date, date], list[date]],
    busy: Iterable[tuple[int, date, time]] = (),
) -> list[CohortResult]:
    """Place each cohort; `working_days(a, b)` lists the working days in [a, b] or raises CalendarGap;
    `busy` holds (room, date, sitting time) already taken by sessions outside this plan."""
    board = _Board(rooms, day_starts, busy)
    ordered = sorted(cohorts, key=lambda c: (c.deadline or date.max, -len(c.candidates), c.key))
    return [_place(cohort, board, day_starts, working_days) for cohort in ordered]


def _place(cohort: CohortSpec, board: "_Board", day_starts, working_days) -> CohortResult:
    result = CohortResult(key=cohort.key)
    remaining = list(cohort.candidates)
    if not remaining:
        return result
    problem = _precheck(cohort, board, day_starts)
    if problem:
        result.problem, result.detail = problem
        result.unplaced = len(remaining)
        return result
    try:
        days = working_days(cohort.earliest, cohort.deadline)
    except CalendarGap as gap:
        result.problem, result.detail, result.unplaced = (
            "calendar_missing",
            {"year": gap.year},
            len(remaining),
        )
        return result
    if not days:
        result.problem, result.unplaced = "no_working_day", len(remaining)
        result.detail = {"from": cohort.earliest.isoformat(), "to": cohort.deadline.isoformat()}
        return result
    kinds = [s.kind for s in cohort.subjects]
    orders = list(permutations(range(len(day_starts)), len(kinds)))
    for day in days:
        for order in orders:  # order[i]: the sitting time of subject i
            free = min(board.free(day, order[i], kind) for i, kind in enumerate(kinds))
            if free == 0:
                continue
            batch, remaining = remaining[: min(free, len(remaining))], remaining[free:]
            for subject, slot in zip(cohort.subjects, order, strict=True):
                starts = day_starts[slot]
                ends = _plus(starts, subject.minutes)
                needs = cohort.needs
                members = [c for c in batch if c not in needs or subject.kind in needs[c]] if needs else batch
                if not members:
                    continue
                for room, chunk in board.take(day, slot, subject.kind, members):
                    result.sessions.append(ProposedSession(subject.kind, room, day, starts, ends, chunk))
            result.placed += len(batch)
            if not remaining:
                return result
    result.problem, result.unplaced = "no_room", len(remaining)
    result.detail = {"left": len(remaining), "deadline": cohort.deadline.isoformat()}
    return result


def _precheck(cohort: CohortSpec, board: "_Board", day_starts) -> tuple[str, dict] | None:
    if cohort.deadline is None:
        return "no_deadline", {}
    missing = sorted({s.kind for s in cohort.subjects} - board.kinds)
    if missing:
        return "no_room_kind", {"kinds": missing}
    if len(cohort.subjects) > len(day_starts):
        return "too_long", {"subjects": len(cohort.subjects), "sittings": len(day_starts)}
    for subject in cohort.subjects:
        for slot, starts in enumerate(day_starts):
            following = day_starts[slot + 1] if slot + 1 < len(day_starts) else time(23, 59)
            if _plus(starts, subject.minutes) > following:
                return "too_long", {"kind": subject.kind, "minutes": subject.minutes}
    return None


def _plus(t: time, minutes: int) -> time:
    moment = datetime.combine(date.min, t) + timedelta(minutes=minutes)
    return moment.time() if moment.date() == date.min else time(23, 59)


class _Board:
    """Which rooms are free at each (day, sitting time), with the free seats per kind kept as a sum."""

    def __init__(self, rooms: Sequence[RoomSpec], day_starts: Sequence[time], busy) -> None:
        self.rooms = {
            kind: sorted((r for r in rooms if r.kind == kind), key=lambda r: -r.capacity)
            for kind in {r.kind for r in rooms}
        }
        self.kinds = set(self.rooms)
        self.total = {kind: sum(r.capacity for r in rs) for kind, rs in self.rooms.items()}
        self.used: dict[tuple[date, int], set[int]] = {}
        self.free_seats: dict[tuple[date, int, str], int] = {}
        slot_of = {t: i for i, t in enumerate(day_starts)}
        kind_of = {r.id: r for r in rooms}
        for room_id, day, starts in busy:
            room, slot = kind_of.get(room_id), slot_of.get(starts)
            if room is None or slot is None or room_id in self.used.get((day, slot), ()):
                continue
            self.used.setdefault((day, slot), set()).add(room_id)
            key = (day, slot, room.kind)
            self.free_seats[key] = self.free_seats.get(key, self.total[room.kind]) - room.capacity

    def free(self, day: date, slot: int, kind: str) -> int:
        return self.free_seats.get((day, slot, kind), self.total.get(kind, 0))

    def take(
        self, day: date, slot: int, kind: str, batch: Sequence[int]
    ) -> list[tuple[int, tuple[int, ...]]]:
        """Rooms for the batch: the smallest free room that takes the rest, else the largest free one."""
        used = self.used.setdefault((day, slot), set())
        free_rooms = [r for r in self.rooms[kind] if r.id not in used]  # largest first
        out, start, need = [], 0, len(batch)
        while need:
            fitting = [r for r in free_rooms if r.capacity >= need]
            room = fitting[-1] if fitting else free_rooms[0]
            free_rooms.remove(room)
            used.add(room.id)
            size = min(need, room.capacity)
            out.append((room.id, tuple(batch[start : start + size])))
            start += size
            need -= size
            key = (day, slot, kind)
            self.free_seats[key] = self.free(day, slot, kind) - room.capacity
        return out
