"""The dashboard (R6.1): one per level — 总队 / 支队 / 大队 — read from the same selectors as the lists behind it.

    dashboard_units(user)          the units whose dashboard the user may open (cases.case.view scope)
    units_offered(user, unit)      those of them the page's drop-down lists
    default_unit(user)             his own unit when in scope, else the top of his scope
    access_dashboard_unit(user, pk) 404 outside his scope
    parse_year(value)              a year the dashboard shows (2000 … next year) or ValueError
    dashboard(user, unit, year)    every figure of the page and the API, each with the URL of the list behind it

Nothing is defined twice: the rates are xinfang/accountability/indicators.py (`compute`, drilled on the assessment's
drill pages); counts, monthly series, mixes and overdue-by-unit are aggregates of `cases.selectors.case_list` with
exactly the filters the case list page (/cases/) takes, so following a link shows the rows behind the number; my
work is `cases.selectors.my_work`; screening reports owed are `screening.selectors.status_board`; quotas behind
pace `leadership.selectors.compliance_for_year`; open warnings `screening.selectors.warning_list`; supervisions
`leadership.selectors.supervision_list`.

Queries are constant in the number of cases and units: every breakdown is one GROUP BY query (by status, month,
category, topic, channel, handling unit path), rolled up into the child units in Python (case_figures_live).
On PostgreSQL the same counts come from the tally when the user's scope holds the unit's subtree (dashboard/tally.py,
accountability/tally.py): per-unit counts kept while none of the unit's cases changed, summed, less the cases Art 30
hides from the user — so a 总队 or the 局 does not group a year of a million cases on every page.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.db.models import Count, QuerySet
from django.db.models.functions import ExtractMonth
from django.urls import reverse
from django.utils import timezone

from xinfang.accountability import indicators as ind
from xinfang.cases import selectors as cases
from xinfang.cases.models import CLOSED_STATUSES, Category, Channel, Status
from xinfang.cases.models import VIEW_PERM as CASE_VIEW
from xinfang.core.legal_calendar import DUE_OVERDUE
from xinfang.core.scope import access_object, has_perm, scope_paths
from xinfang.dashboard import kept
from xinfang.orgs.models import Level, Unit
from xinfang.orgs.selectors import drill_down

ASSESS_VIEW = "accountability.view"
SCREENING_VIEW = "screening.view"
LEADERSHIP_VIEW = "leadership.view"

TITLES: dict[str, str] = {
    Level.BUREAU: "消防救援局工作台",
    Level.CORPS: "总队工作台",
    Level.DETACHMENT: "支队工作台",
    Level.BRIGADE: "大队工作台",
    Level.STATION: "站工作台",
}
RATE_CODES: tuple[str, ...] = ("timely_ack", "on_time", "participation", "satisfaction", "repeat_rate")
TABLE_CODES: tuple[str, ...] = (*RATE_CODES, "overdue_cases")
DRILLABLE_LEVELS = (Level.DETACHMENT, Level.BRIGADE)  # the assessment's drill pages assess these levels
FIRST_YEAR = 2000


# ---------------------------------------------------------------------------------------------------
# Which dashboard


def dashboard_units(user: Any) -> QuerySet[Unit]:
    return Unit.objects.visible_to(user, CASE_VIEW).filter(is_active=True).order_by("path")


def units_offered(user: Any, unit: Unit) -> list[Unit]:
    """The page's drop-down: orgs.selectors.drill_down around the shown unit. Any unit of dashboard_units may still
    be opened by ?unit=."""
    return drill_down(user, CASE_VIEW, dashboard_units(user).only("pk", "name", "path", "parent_id"), unit)


def default_unit(user: Any) -> Unit | None:
    """The user's own unit when he may see its cases, else the highest unit of his scope."""
    paths = scope_paths(user, CASE_VIEW)
    if not paths:
        return None
    home = getattr(user, "unit", None)
    if home is not None and home.is_active and any(home.path.startswith(p) for p in paths):
        return home
    top = min(paths, key=lambda p: (p.count("/"), p))
    return Unit.objects.filter(path=top).first()


def access_dashboard_unit(user: Any, pk: Any) -> Unit:
    """A unit in the user's case scope (404 otherwise, the same as a nonexistent id)."""
    return access_object(Unit.objects.all(), user, pk, CASE_VIEW, CASE_VIEW)


def parse_year(value: Any, today: datetime.date | None = None) -> int:
    """The year asked for (default: this year); ValueError when it is not a year the dashboard shows."""
    today = today or timezone.localdate()
    if value in (None, ""):
        return today.year
    text = str(value).strip()
    if not text.isdigit() or len(text) != 4:
        raise ValueError("年度格式不正确")
    year = int(text)
    if not FIRST_YEAR <= year <= today.year + 1:
        raise ValueError(f"年度应在{FIRST_YEAR}年至{today.year + 1}年之间")
    return year


def years(today: datetime.date | None = None) -> list[int]:
    today = today or timezone.localdate()
    return list(range(today.year + 1, max(FIRST_YEAR, today.year - 9) - 1, -1))


# ---------------------------------------------------------------------------------------------------
# The figures


@dataclass
class Link:
    """A number and the list behind it."""

    label: str
    count: int
    url: str
    key: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"key": self.key, "label": self.label, "count": self.count, "url": self.url}


@dataclass
class Cell:
    figure: ind.Figure
    numerator_url: str
    denominator_url: str

    @property
    def value_percent(self) -> float | None:
        return None if self.figure.value is None else round(float(self.figure.value) * 100, 1)


@dataclass
class RateRow:
    unit: Unit
    is_total: bool
    cells: dict[str, Cell]

    @property
    def ordered(self) -> list[tuple[ind.Indicator, Cell]]:
        return [(ind.BY_CODE[c], self.cells[c]) for c in TABLE_CODES]


@dataclass
class Month:
    month: int
    new: Link
    concluded: Link


@dataclass
class Section:
    """A card fed by another app; `available` is False when the user may not open that app's pages there."""

    available: bool
    url: str = ""
    counts: list[Link] = field(default_factory=list)
    items: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(c.count for c in self.counts)


@dataclass
class Dashboard:
    unit: Unit
    year: int
    today: datetime.date
    children: list[Unit]
    my_work: list[Link]
    my_work_url: str
    status_counts: list[Link]
    received: Link
    open_cases: Link
    rates: list[RateRow]
    months: list[Month]
    categories: list[Link]
    topics: list[Link]
    channels: list[Link]
    overdue_by_unit: list[Link]
    overdue_total: Link
    screening: Section
    quotas: Section
    warnings: Section
    supervisions: Section

    @property
    def title(self) -> str:
        return TITLES.get(self.unit.level, "工作台")

    @property
    def indicators(self) -> list[ind.Indicator]:
        return [ind.BY_CODE[c] for c in TABLE_CODES]


def _url(name: str, query: dict[str, Any] | None = None, **kwargs: Any) -> str:
    base = reverse(name, kwargs=kwargs or None)
    params = {k: v for k, v in (query or {}).items() if v not in (None, "")}
    return f"{base}?{urlencode(params)}" if params else base


def case_list_url(**filters: Any) -> str:
    """/cases/ with the list page's own filter names (CaseFilterForm)."""
    return _url("cases:case-list", filters)


def _year_span(year: int) -> tuple[datetime.date, datetime.date]:
    return datetime.date(year, 1, 1), datetime.date(year, 12, 31)


def _month_span(year: int, month: int) -> tuple[datetime.date, datetime.date]:
    first = datetime.date(year, month, 1)
    nxt = datetime.date(year + (month == 12), month % 12 + 1, 1)
    return first, nxt - datetime.timedelta(days=1)


def _grouped(qs: QuerySet[Any], key: Any) -> dict[Any, int]:
    """One GROUP BY query: {key value: row count}."""
    if isinstance(key, str):
        rows = qs.order_by().values(key).annotate(n=Count("pk")).values_list(key, "n")
    else:
        rows = qs.order_by().annotate(k=key).values("k").annotate(n=Count("pk")).values_list("k", "n")
    return dict(rows)


def _drill_url(user: Any, unit: Unit, year: int, code: str, part: str) -> str:
    """The assessment's drill page of one figure (the records behind it), when the user may open it; for the 总队
    itself (not assessed) the year's assessment page."""
    if not has_perm(user, ASSESS_VIEW, unit):
        return ""
    if unit.level in DRILLABLE_LEVELS:
        return _url("accountability:assessment-drill", year=year, pk=unit.pk, code=code, part=part)
    return _url("accountability:assessment", {"year": year})


def _rates(user: Any, units: list[Unit], selected: Unit, period: ind.Period) -> list[RateRow]:
    figures = ind.compute(units, period, codes=TABLE_CODES)  # one grouped query per indicator
    rows = []
    for u in units:
        cells = {}
        for code in TABLE_CODES:
            num = _drill_url(user, u, period.year, code, ind.NUMERATOR)
            kind = ind.BY_CODE[code].kind
            den = _drill_url(user, u, period.year, code, ind.DENOMINATOR) if kind == ind.RATE else ""
            cells[code] = Cell(figures[u.pk][code], num, den)
        rows.append(RateRow(u, u.pk == selected.pk, cells))
    return rows


def _my_work(user: Any, today: datetime.date) -> tuple[list[Link], str]:
    base = reverse("cases:my-work")
    rows = [
        Link("全部待办", cases.my_work(user, today).count(), base, "total"),
        Link("已逾期", cases.my_work(user, today, due="overdue").count(), f"{base}?due=overdue", "overdue"),
        Link("7日内到期", cases.my_work(user, today, due="soon").count(), f"{base}?due=soon", "soon"),
        Link("待我审批", cases.my_work(user, today, approval=True).count(), f"{base}?approval=1", "approval"),
    ]
    return rows, base


def _screening(user: Any, unit: Unit, today: datetime.date) -> Section:
    if not has_perm(user, SCREENING_VIEW, unit):
        return Section(False)
    key = (user.pk, unit.pk, today)
    return kept.kept("screening", ("org", "screening"), key, lambda: _screening_live(user, unit, today))


def _screening_live(user: Any, unit: Unit, today: datetime.date) -> Section:
    from xinfang.screening import selectors as screening
    from xinfang.screening.models import ReportState

    board = [o for o in screening.status_board(user, today, light=True) if o.unit.path.startswith(unit.path)]
    url = _url("screening:board", {"date": today.isoformat()})
    counts = {s: 0 for s in ReportState.values}
    for o in board:
        counts[o.state] += 1
    links = [
        Link(ReportState(ReportState.MISSING).label, counts[ReportState.MISSING], url, ReportState.MISSING),
        Link(ReportState(ReportState.NOT_DUE).label, counts[ReportState.NOT_DUE], url, ReportState.NOT_DUE),
        Link(ReportState(ReportState.LATE).label, counts[ReportState.LATE], url, ReportState.LATE),
        Link(ReportState(ReportState.SUBMITTED).label, counts[ReportState.SUBMITTED], url, ReportState.SUBMITTED),
    ]
    owed = [f"{o.unit.name}：{o.label}" for o in board if o.state == ReportState.MISSING]
    return Section(True, url, links, owed)


def _quotas(user: Any, unit: Unit, year: int, today: datetime.date) -> Section:
    if not has_perm(user, LEADERSHIP_VIEW, unit):
        return Section(False)
    key = (user.pk, unit.pk, year, today)
    return kept.kept("quotas", ("org", "leadership"), key, lambda: _quotas_live(user, unit, year, today))


def _quotas_live(user: Any, unit: Unit, year: int, today: datetime.date) -> Section:
    from xinfang.leadership import selectors as leadership

    rows = leadership.compliance_for_year(user, year, today=today, root=unit, designations=False)
    url = _url("leadership:compliance", {"year": year, "unit": unit.pk})
    meetings = [r for r in rows if r.meeting_gap]
    receptions = [r for r in rows if r.reception_gaps]
    links = [
        Link("党委会研究落后进度的单位", len(meetings), url, "meetings"),
        Link("领导接访未达要求的单位", len(receptions), url, "receptions"),
    ]
    items = [f"{r.unit.name}：{g}" for r in rows for g in [r.meeting_gap, *r.reception_gaps] if g]
    return Section(True, url, links, items)


def _warnings(user: Any, unit: Unit) -> Section:
    if not has_perm(user, SCREENING_VIEW, unit):
        return Section(False)
    from xinfang.screening import selectors as screening
    from xinfang.screening.models import WarningStage

    links = []
    for stage in (WarningStage.DISCOVERED, WarningStage.REPORTED, WarningStage.CONTROLLED):
        n = screening.warning_list(user, unit=unit, stage=stage).count()
        links.append(
            Link(WarningStage(stage).label, n, _url("screening:warning-list", {"unit": unit.pk, "stage": stage}), stage)
        )
    return Section(True, _url("screening:warning-list", {"unit": unit.pk}), links)


def _supervisions(user: Any, unit: Unit) -> Section:
    if not has_perm(user, LEADERSHIP_VIEW, unit):
        return Section(False)
    from xinfang.leadership import selectors as leadership
    from xinfang.leadership.models import SupervisionLevel, SupervisionStatus

    by_level = _grouped(leadership.supervision_list(user, unit=unit, status=SupervisionStatus.ACTIVE), "level")
    links = [
        Link(
            f"{label}挂牌督办",
            by_level.get(level, 0),
            _url("leadership:supervision-list", {"unit": unit.pk, "status": SupervisionStatus.ACTIVE, "level": level}),
            level,
        )
        for level, label in SupervisionLevel.choices
    ]
    return Section(
        True, _url("leadership:supervision-list", {"unit": unit.pk, "status": SupervisionStatus.ACTIVE}), links
    )


@dataclass
class CaseFigures:
    """The case counts of a dashboard: those of `cases.case_list(user, unit=…)` with the list page's filters —
    received in the year (by status, month, category, channel, topic), concluded in the year by month, overdue now
    by handling unit path."""

    status: dict[str, int]
    new_by_month: dict[int, int]
    concluded_by_month: dict[int, int]
    category: dict[str, int]
    channel: dict[str, int]
    topics: list[dict[str, Any]]  # {"topic__code", "topic__name", "topic__order", "n"} of the topics with cases
    overdue_paths: dict[str, int]


def case_figures_live(user: Any, unit: Unit, year: int, today: datetime.date) -> CaseFigures:
    """THE definition: grouped counts of cases.case_list (one GROUP BY query each)."""
    start, end = _year_span(year)
    year_filters: dict[str, Any] = {"unit": unit, "received_from": start, "received_to": end}
    received = cases.case_list(user, today=today, **year_filters)
    concluded = cases.case_list(user, today=today, unit=unit, concluded_from=start, concluded_to=end)
    topic_rows = received.order_by().values("topic__code", "topic__name", "topic__order").annotate(n=Count("pk"))
    return CaseFigures(
        status=cases.case_counts(user, today=today, **year_filters),
        new_by_month=_grouped(received, ExtractMonth("received_on")),
        concluded_by_month=_grouped(concluded, ExtractMonth("concluded_on")),
        category=_grouped(received, "category"),
        channel=_grouped(received, "channel"),
        topics=list(topic_rows),
        overdue_paths=_grouped(cases.case_list(user, today=today, unit=unit, due_state=DUE_OVERDUE), "unit__path"),
    )


def case_figures(user: Any, unit: Unit, year: int, today: datetime.date) -> CaseFigures:
    """The same figures from the dashboard tally when it applies (tally.py: a 总队 or the 局 reads per-unit counts
    instead of grouping a year of cases), else live."""
    from xinfang.dashboard import tally as dash_tally

    return dash_tally.case_figures(user, unit, year, today) or case_figures_live(user, unit, year, today)


def dashboard(user: Any, unit: Unit, year: int, today: datetime.date | None = None) -> Dashboard:
    """Every figure of the dashboard of `unit` for `year`, as `user` may see them (see the module docstring)."""
    today = today or timezone.localdate()
    start, end = _year_span(year)
    children = list(Unit.objects.filter(parent=unit, is_active=True).order_by("path"))
    figures = case_figures(user, unit, year, today)

    def year_url(**extra: Any) -> str:
        return case_list_url(unit=unit.pk, received_from=start, received_to=end, **extra)

    counts = figures.status
    status_counts = [Link(label, counts[s], year_url(status=s), s) for s, label in Status.choices]
    open_n = sum(counts[s] for s in Status.values if s not in CLOSED_STATUSES)

    new_by_month = figures.new_by_month
    concluded_by_month = figures.concluded_by_month
    months = []
    for m in range(1, 13):
        first, last = _month_span(year, m)
        months.append(
            Month(
                m,
                Link(
                    f"{m}月新收",
                    new_by_month.get(m, 0),
                    case_list_url(unit=unit.pk, received_from=first, received_to=last),
                ),
                Link(
                    f"{m}月办结",
                    concluded_by_month.get(m, 0),
                    case_list_url(unit=unit.pk, concluded_from=first, concluded_to=last),
                ),
            )
        )

    by_category = figures.category
    categories = [Link(label, by_category.get(c, 0), year_url(category=c), c) for c, label in Category.choices]
    by_channel = figures.channel
    channels = [Link(label, by_channel.get(c, 0), year_url(channel=c), c) for c, label in Channel.choices]
    topics = [
        Link(r["topic__name"], r["n"], year_url(topic=r["topic__code"]), r["topic__code"])
        for r in sorted(figures.topics, key=lambda r: (-r["n"], r["topic__order"] or 0, r["topic__code"]))
    ]

    overdue_paths = figures.overdue_paths
    under_child: dict[str, int] = {}  # child path: overdue cases in its subtree
    for p, n in overdue_paths.items():
        if p and p.startswith(unit.path) and p != unit.path:
            child = unit.path + p[len(unit.path) :].split("/", 1)[0] + "/"
            under_child[child] = under_child.get(child, 0) + n
    overdue_by_unit = [
        Link(c.name, under_child.get(c.path, 0), case_list_url(unit=c.pk, due_state=DUE_OVERDUE), str(c.pk))
        for c in children
    ]
    overdue_total = Link(unit.name, sum(overdue_paths.values()), case_list_url(unit=unit.pk, due_state=DUE_OVERDUE))

    my_work, my_work_url = _my_work(user, today)
    return Dashboard(
        unit=unit,
        year=year,
        today=today,
        children=children,
        my_work=my_work,
        my_work_url=my_work_url,
        status_counts=status_counts,
        received=Link("本年度收到", counts["total"], year_url(), "total"),
        open_cases=Link("其中未办结", open_n, year_url(status="open"), "open"),
        rates=_rates(user, [unit, *children], unit, ind.Period.of(year, today)),
        months=months,
        categories=categories,
        topics=topics,
        channels=channels,
        overdue_by_unit=overdue_by_unit,
        overdue_total=overdue_total,
        screening=_screening(user, unit, today),
        quotas=_quotas(user, unit, year, today),
        warnings=_warnings(user, unit),
        supervisions=_supervisions(user, unit),
    )


# ---------------------------------------------------------------------------------------------------
# As data (the API and the charts)


def _figure(cell: Cell) -> dict[str, Any]:
    f = cell.figure
    return {
        "numerator": f.numerator,
        "denominator": f.denominator,
        "value": float(f.value) if f.value is not None else None,
        "applicable": f.applicable,
        "numerator_url": cell.numerator_url,
        "denominator_url": cell.denominator_url,
    }


def _section(s: Section) -> dict[str, Any]:
    return {
        "available": s.available,
        "url": s.url,
        "total": s.total,
        "counts": [c.as_dict() for c in s.counts],
        "items": s.items,
    }


def _unit_ref(u: Unit) -> dict[str, Any]:
    return {"id": u.pk, "code": u.code, "name": u.name, "level": u.level}


def as_data(d: Dashboard) -> dict[str, Any]:
    """The whole dashboard as JSON-able data: the API's body (rates as numerator/denominator/value, like
    /api/v1/assessments/), and what the charts draw (each segment carries the URL of its list)."""
    return {
        "unit": _unit_ref(d.unit),
        "year": d.year,
        "as_of": d.today.isoformat(),
        "level_title": d.title,
        "my_work": {link.key: link.count for link in d.my_work},
        "my_work_links": [link.as_dict() for link in d.my_work],
        "received": d.received.as_dict(),
        "open": d.open_cases.as_dict(),
        "status_counts": [link.as_dict() for link in d.status_counts],
        "rates": [
            {
                "unit": _unit_ref(r.unit),
                "is_total": r.is_total,
                "indicators": {code: _figure(cell) for code, cell in r.cells.items()},
            }
            for r in d.rates
        ],
        "indicator_labels": {i.code: i.label for i in d.indicators},
        "monthly": [
            {
                "month": m.month,
                "new": m.new.count,
                "concluded": m.concluded.count,
                "new_url": m.new.url,
                "concluded_url": m.concluded.url,
            }
            for m in d.months
        ],
        "categories": [link.as_dict() for link in d.categories],
        "topics": [link.as_dict() for link in d.topics],
        "channels": [link.as_dict() for link in d.channels],
        "overdue_by_unit": [
            {"unit_id": int(link.key), "name": link.label, "count": link.count, "url": link.url}
            for link in d.overdue_by_unit
        ],
        "overdue_total": d.overdue_total.as_dict(),
        "screening_owed": _section(d.screening),
        "quotas_behind": _section(d.quotas),
        "open_warnings": _section(d.warnings),
        "supervisions": _section(d.supervisions),
    }


def chart_data(d: Dashboard) -> dict[str, Any]:
    """What dashboard.js draws: each data point is {value, url} so a click opens the list behind it."""

    def points(links: list[Link]) -> list[dict[str, Any]]:
        return [{"name": link.label, "value": link.count, "url": link.url} for link in links]

    rate_rows = [r for r in d.rates if not r.is_total] or d.rates
    return {
        "trend": {
            "months": [f"{m.month}月" for m in d.months],
            "new": [{"value": m.new.count, "url": m.new.url} for m in d.months],
            "concluded": [{"value": m.concluded.count, "url": m.concluded.url} for m in d.months],
        },
        "categories": points([link for link in d.categories if link.count]),
        "topics": points(d.topics[:12]),
        "channels": points([link for link in d.channels if link.count]),
        "overdue": {
            "units": [link.label for link in d.overdue_by_unit],
            "data": [{"value": link.count, "url": link.url} for link in d.overdue_by_unit],
        },
        "rates": {
            "units": [r.unit.name for r in rate_rows],
            "series": [
                {
                    "name": ind.BY_CODE[code].label,
                    "data": [
                        {"value": r.cells[code].value_percent, "url": r.cells[code].numerator_url} for r in rate_rows
                    ],
                }
                for code in RATE_CODES
            ],
        },
    }
