"""Reporting periods and due dates (R3.2, R3.3): pure date arithmetic, no queries.

Periods
    week     Monday to Sunday (a week belongs to the year and month of its Monday, also across a boundary)
    month    the calendar month
    quarter  January–March, April–June, July–September, October–December
    day      one day (daily reports during a special period)

Rules (`Rule`, kept as data in the Cadence table; DEFAULT_RULES when a row is missing)
    due_on = (period_start if anchor == "start" else period_end) + offset_days,
             then, if shift_to_workday, the next working day of the legal calendar (xinfang.core.legal_calendar).
    Defaults (seed 三(二): 大队每周、支队每月、总队每季度, 逐级汇总上报 — each level's report falls due after
    the reports of the level below it for the same span):
        大队  week,    due the Monday after the week (end + 1)
        支队  month,   due the 5th of the following month (end + 5)
        总队  quarter, due the 10th day after the quarter (end + 10)
        特殊时期 day,   due the same day (start + 0), never shifted (全天候)

The period a unit "is being asked for" on a day (the status board): with anchor "end", the last period that has
ended before that day; with anchor "start", the period containing the day.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from xinfang.core.legal_calendar import next_workday

ONE_DAY = datetime.timedelta(days=1)

WEEK = "week"
MONTH = "month"
QUARTER = "quarter"
DAY = "day"
KINDS = (WEEK, MONTH, QUARTER, DAY)

START = "start"
END = "end"

DEFAULT_ACK_HOURS = 12
MAX_OFFSET_DAYS = 60


@dataclass(frozen=True)
class Rule:
    key: str
    period: str
    anchor: str
    offset_days: int
    shift_to_workday: bool


DEFAULT_RULES: dict[str, Rule] = {
    "brigade": Rule("brigade", WEEK, END, 1, True),
    "detachment": Rule("detachment", MONTH, END, 5, True),
    "corps": Rule("corps", QUARTER, END, 10, True),
    "special": Rule("special", DAY, START, 0, False),
}
# Which period kinds each rule may use.
ALLOWED_PERIODS: dict[str, tuple[str, ...]] = {
    "brigade": (WEEK, MONTH, QUARTER),
    "detachment": (WEEK, MONTH, QUARTER),
    "corps": (WEEK, MONTH, QUARTER),
    "special": (DAY,),
}


def _month_end(year: int, month: int) -> datetime.date:
    if month == 12:
        return datetime.date(year, 12, 31)
    return datetime.date(year, month + 1, 1) - ONE_DAY


def bounds(kind: str, day: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The (first, last) day of the period of `kind` containing `day`."""
    if kind == DAY:
        return day, day
    if kind == WEEK:
        start = day - datetime.timedelta(days=day.weekday())
        return start, start + datetime.timedelta(days=6)
    if kind == MONTH:
        return day.replace(day=1), _month_end(day.year, day.month)
    if kind == QUARTER:
        first_month = (day.month - 1) // 3 * 3 + 1
        return datetime.date(day.year, first_month, 1), _month_end(day.year, first_month + 2)
    raise ValueError(f"unknown period kind {kind!r}")


def is_period_start(kind: str, day: datetime.date) -> bool:
    return bounds(kind, day)[0] == day


def next_start(kind: str, start: datetime.date) -> datetime.date:
    return bounds(kind, start)[1] + ONE_DAY


def starts_within(kind: str, first: datetime.date, last: datetime.date) -> list[tuple[datetime.date, datetime.date]]:
    """Every period of `kind` whose first day falls in [first, last] (how lower reports roll up into a higher
    period: a week belongs to the month of its Monday)."""
    out: list[tuple[datetime.date, datetime.date]] = []
    start, end = bounds(kind, first)
    if start < first:
        start = end + ONE_DAY
    while start <= last:
        end = bounds(kind, start)[1]
        out.append((start, end))
        start = end + ONE_DAY
    return out


def due_on(rule: Rule, start: datetime.date, end: datetime.date) -> datetime.date:
    base = (start if rule.anchor == START else end) + datetime.timedelta(days=rule.offset_days)
    return next_workday(base) if rule.shift_to_workday else base


def asked_period(rule: Rule, day: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The period whose report a unit under `rule` is being asked for on `day` (see the module docstring)."""
    start, end = bounds(rule.period, day)
    if rule.anchor == END and rule.period != DAY:
        return bounds(rule.period, start - ONE_DAY)
    return start, end


def period_label(kind: str, start: datetime.date) -> str:
    """Chinese label: 2026年第14周（3月30日—4月5日）, 2026年3月, 2026年第1季度, 2026年10月1日."""
    if kind == DAY:
        return f"{start.year}年{start.month}月{start.day}日"
    if kind == MONTH:
        return f"{start.year}年{start.month}月"
    if kind == QUARTER:
        return f"{start.year}年第{(start.month - 1) // 3 + 1}季度"
    if kind == WEEK:
        end = start + datetime.timedelta(days=6)
        return f"{start.year}年{start.month}月{start.day}日—{end.month}月{end.day}日当周"
    raise ValueError(f"unknown period kind {kind!r}")


def rule_key_for_level(level: str) -> str | None:
    """The cadence rule of a unit level ("brigade", "detachment", "corps"), None if it does not report."""
    return level if level in ("brigade", "detachment", "corps") else None
