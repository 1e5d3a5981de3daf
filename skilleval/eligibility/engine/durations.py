"""How durations count (DOMAIN.md §3, policy default).

Days are proleptic ordinals (``date.toordinal()``), and a period counts both its first and its last day:
someone who worked from 2015-07-01 to 2016-06-30 worked 366 days (2016 is a leap year), which is at least one
year of 365 days. An open period runs to the reference date, which counts as worked.
"""

from datetime import date


def merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Merge inclusive ``(first, last)`` day spans so that a day worked in two jobs at once counts once."""
    merged: list[tuple[int, int]] = []
    for first, last in sorted(spans):
        if merged and first <= merged[-1][1] + 1:
            if last > merged[-1][1]:
                merged[-1] = (merged[-1][0], last)
        else:
            merged.append((first, last))
    return merged


def days_on_or_after(merged: list[tuple[int, int]], first_day: int) -> int:
    """The days of ``merged`` on or after ``first_day`` ("after X" clips the periods to start on X's date)."""
    total = 0
    for first, last in merged:
        if last >= first_day:
            total += last - (first if first > first_day else first_day) + 1
    return total


def add_years(day: date, years: int) -> date:
    """The same calendar day ``years`` later; 29 February becomes 1 March in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return date(day.year + years, 3, 1)


def age_on(birth_date: date, day: date) -> int:
    """Age in whole years (周岁) on ``day``; someone born on 29 February turns a year older on 1 March."""
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))
