"""The quota arithmetic of seed 一, in one place: pure functions of dates and counts, exact (fractions).

Meetings (R1.2), for unit U, year Y, evaluated on day T:
    active period   from max(1 January Y, the day U was created) to 31 December Y (a unit created after Y owes
                    nothing for Y);
    required        the yearly quota pro rata to the active period, rounded half up: a full year owes the whole
                    quota (支队 2, 大队 4); a 大队 created on 1 July owes round(4 × 184/365) = 2;
    share gone      the days of the active period up to and including T, over its length (0 before it starts,
                    1 after 31 December);
    share met       held / required, at most 1 (1 when nothing is required);
    behind pace     share gone > share met — the issue's rule, literally: on 1 January a unit that owes
                    meetings and has held none is already (slightly) behind;
    owed            required − held, at least 0: what the unit still owes this year.

Receptions (R1.3): the year splits into periods (quarters, halves or the year, per quota); a leader meets a period
when his distinct reception days in it reach the minimum. A period is
    "na"      when the leader's post or the unit did not exist in any part of it,
    "met"     when the minimum is reached,
    "missed"  when it ended before T without it,
    "due"     while it runs (T inside it) without it,
    "future"  when it starts after T.
"""

from __future__ import annotations

import datetime
import functools
import math
from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction

from xinfang.leadership.models import PERIODS_PER_YEAR, QUOTA_DEFAULTS, Period, Quota, QuotaCode

MET = "met"
MISSED = "missed"
DUE = "due"
FUTURE = "future"
NA = "na"
STATE_LABELS = {MET: "已完成", MISSED: "未完成", DUE: "待完成", FUTURE: "未到期", NA: "不适用"}
STATE_COLORS = {MET: "success", MISSED: "danger", DUE: "warning", FUTURE: "secondary", NA: "light"}


@dataclass(frozen=True)
class QuotaValue:
    code: str
    label: str
    minimum: int
    period: str

    @property
    def period_label(self) -> str:
        return Period(self.period).label


def quota_values(rows: Iterable[Quota] | None = None) -> dict[str, QuotaValue]:
    """Every quota, from its row or its default (one query when `rows` is not given)."""
    stored = {q.code: q for q in (Quota.objects.all() if rows is None else rows)}
    values: dict[str, QuotaValue] = {}
    for code in QuotaCode:
        minimum, period = QUOTA_DEFAULTS[code]
        row = stored.get(code)
        if row is not None:
            minimum, period = row.minimum, row.period
        values[code] = QuotaValue(code, QuotaCode(code).label, minimum, period)
    return values


def year_bounds(year: int) -> tuple[datetime.date, datetime.date]:
    return datetime.date(year, 1, 1), datetime.date(year, 12, 31)


def active_start(year: int, created_on: datetime.date) -> datetime.date | None:
    """The first day of `year` on which the unit existed; None when it was created after the year."""
    first, last = year_bounds(year)
    if created_on > last:
        return None
    return max(first, created_on)


def _days(start: datetime.date, end: datetime.date) -> int:
    return (end - start).days + 1


def required_meetings(quota: int, year: int, start: datetime.date) -> int:
    """The yearly quota pro rata to the active period [start, 31 Dec], rounded half up."""
    first, last = year_bounds(year)
    share = Fraction(_days(start, last), _days(first, last))
    return math.floor(quota * share + Fraction(1, 2))


def share_gone(start: datetime.date, end: datetime.date, today: datetime.date) -> Fraction:
    """The share of [start, end] gone by the end of `today` (today counts as gone)."""
    if today < start:
        return Fraction(0)
    if today >= end:
        return Fraction(1)
    return Fraction(_days(start, today), _days(start, end))


def share_met(held: int, required: int) -> Fraction:
    if required <= 0:
        return Fraction(1)
    return min(Fraction(held, required), Fraction(1))


@dataclass(frozen=True)
class MeetingPace:
    year: int
    quota: int
    required: int
    held: int
    start: datetime.date | None
    share_gone: Fraction
    share_met: Fraction

    @property
    def behind_pace(self) -> bool:
        return self.start is not None and self.share_gone > self.share_met

    @property
    def owed(self) -> int:
        return max(self.required - self.held, 0)

    @property
    def applicable(self) -> bool:
        return self.start is not None

    @property
    def percent_gone(self) -> int:
        return round(float(self.share_gone) * 100)

    @property
    def percent_met(self) -> int:
        return round(float(self.share_met) * 100)


def meeting_pace(*, quota: int, year: int, created_on: datetime.date, held: int, today: datetime.date) -> MeetingPace:
    start = active_start(year, created_on)
    if start is None:
        return MeetingPace(year, quota, 0, held, None, Fraction(0), Fraction(1))
    required = required_meetings(quota, year, start)
    gone = share_gone(start, datetime.date(year, 12, 31), today)
    return MeetingPace(year, quota, required, held, start, gone, share_met(held, required))


# --- reception periods -----------------------------------------------------------------------------


@dataclass(frozen=True)
class PeriodSpan:
    index: int  # 1-based
    start: datetime.date
    end: datetime.date
    label: str


def period_spans(year: int, period: str) -> list[PeriodSpan]:
    """The periods of a year (a fresh list; the spans themselves are immutable and computed once per year/period —
    the dashboard of the 局 asks ~10,000 times)."""
    return list(_period_spans(year, str(period)))


@functools.lru_cache(maxsize=128)
def _period_spans(year: int, period: str) -> tuple[PeriodSpan, ...]:
    n = PERIODS_PER_YEAR[Period(period)]
    months = 12 // n
    spans = []
    for i in range(n):
        start = datetime.date(year, i * months + 1, 1)
        end_month = (i + 1) * months
        end = (
            datetime.date(year, 12, 31)
            if end_month == 12
            else datetime.date(year, end_month + 1, 1) - datetime.timedelta(days=1)
        )
        if period == Period.QUARTER:
            label = f"第{'一二三四'[i]}季度"
        elif period == Period.HALF:
            label = "上半年" if i == 0 else "下半年"
        else:
            label = f"{year}年"
        spans.append(PeriodSpan(i + 1, start, end, label))
    return tuple(spans)


@dataclass(frozen=True)
class PeriodCell:
    span: PeriodSpan
    days: int
    required: int
    state: str

    @property
    def state_label(self) -> str:
        return STATE_LABELS[self.state]

    @property
    def color(self) -> str:
        return STATE_COLORS[self.state]


def period_state(
    *,
    span: PeriodSpan,
    days: int,
    required: int,
    today: datetime.date,
    serving_from: datetime.date,
    serving_to: datetime.date | None,
) -> str:
    if serving_from > span.end or (serving_to is not None and serving_to < span.start):
        return NA
    if required <= 0 or days >= required:
        return MET
    if span.end < today:
        return MISSED
    if span.start <= today:
        return DUE
    return FUTURE


def reception_cells(
    *,
    year: int,
    period: str,
    minimum: int,
    dates: Iterable[datetime.date],
    today: datetime.date,
    serving_from: datetime.date,
    serving_to: datetime.date | None = None,
) -> list[PeriodCell]:
    """One cell per period of the year: the distinct reception days in it and its state."""
    days = sorted(set(dates))
    cells = []
    for span in period_spans(year, period):
        n = sum(1 for d in days if span.start <= d <= span.end)
        state = period_state(
            span=span,
            days=n,
            required=minimum,
            today=today,
            serving_from=serving_from,
            serving_to=serving_to,
        )
        cells.append(PeriodCell(span, n, minimum, state))
    return cells
