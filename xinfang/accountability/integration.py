"""Where the assessment meets the leadership and screening apps (written separately).

Each provider returns {unit id: (numerator, denominator)} for the assessed units and the year, or None when the other
app is not installed (or lacks what is needed) — the indicator is then "not applicable (未接入)" for every unit,
never 0 %. The arithmetic is the other app's own: leadership.quotas (meeting pace, reception periods) and
screening.selectors (report obligations and their states); only the gathering of the year's rows is done here,
unscoped, because a figure is a fact about the unit (the pages show the records through each app's own scope).

    meeting_quota         党委会研究部署完成率  held (capped at the quota) / the yearly quota pro rata (支队 2, 大队 4)
    reception_quota       领导接访完成率        支队 班子成员's reception periods met / periods met or missed
                                                (running and future periods are not yet due; 大队: no quota)
    screening_timeliness  排查报告及时率        reports filed on time / reports due (on time, late or missing),
                                                over the unit's subtree, periods starting in the year
    supervision_activity  挂牌督办 listed and lifted in the year (annual report)

and the records behind each of the three figures, for the drill-down (unscoped, like the figures; the page shows
them through each model's `visible_to(user)`): meeting_records (the meetings), reception_records (the reception
periods, with reception_period_records: the held reception days and ledger receptions they were judged on),
screening_records (the report obligations, each with its report if filed). The leadership and screening selectors
(quota_meetings, quota_leader_posts, quota_reception_days, quota_receptions, assessed_obligations) gather the rows
for both, so a figure and its drill-down cannot disagree.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from types import ModuleType
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.db.models import Count, QuerySet
from django.utils import timezone

from xinfang.orgs.models import Level, Post

if TYPE_CHECKING:
    from xinfang.accountability.indicators import Period
    from xinfang.orgs.models import Unit


def _modules(app: str, *names: str) -> list[ModuleType] | None:
    """The named modules of xinfang.<app> if the app is installed and they import; None otherwise."""
    if not apps.is_installed(f"xinfang.{app}"):
        return None
    import importlib

    try:
        return [importlib.import_module(f"xinfang.{app}.{name}") for name in names]
    except ImportError:
        return None


def _has(module: ModuleType, *attrs: str) -> bool:
    return all(hasattr(module, a) for a in attrs)


def _kept(name: str, sources: tuple[str, ...], units: list[Unit], period: Period, compute: Any) -> Any:
    """A figure kept (dashboard/kept.py) while none of the tables it is read from changed: these figures read no
    case (the tally keeps those), only units, posts, meetings, receptions and screening reports — a few changes a
    day, against ~0.3 s for the 局's 400 支队 on every assessment page."""
    from xinfang.dashboard import kept

    key = (tuple(sorted(u.pk for u in units)), period.year, period.as_of)
    return kept.kept(f"assessment:{name}", sources, key, compute)


def _created(unit: Unit) -> datetime.date:
    return timezone.localdate(unit.created_at)


def meeting_quota(units: list[Unit], period: Period) -> dict[int, tuple[int, int]] | None:
    return _kept("meeting_quota", ("org", "leadership"), units, period, lambda: _meeting_quota(units, period))


def _meeting_quota(units: list[Unit], period: Period) -> dict[int, tuple[int, int]] | None:
    """党委会研究部署信访工作 (R1.2): min(held, required) / required, per unit (its own committee)."""
    found = _modules("leadership", "models", "quotas", "selectors")
    if found is None:
        return None
    lm, lq, ls = found
    if not (_has(lm, "QuotaCode") and _has(lq, "quota_values", "meeting_pace") and _has(ls, "quota_meetings")):
        return None
    quotas = lq.quota_values()
    held = dict(
        ls.quota_meetings(units, *period.span)
        .order_by()
        .values("unit_id")
        .annotate(n=Count("pk"))
        .values_list("unit_id", "n")
    )
    result: dict[int, tuple[int, int]] = {}
    for u in units:
        code = lm.QuotaCode.MEETING_DETACHMENT if u.level == Level.DETACHMENT else lm.QuotaCode.MEETING_BRIGADE
        pace = lq.meeting_pace(
            quota=quotas[code].minimum, year=period.year, created_on=_created(u), held=held.get(u.pk, 0),
            today=period.as_of,
        )  # fmt: skip
        required = pace.required if pace.applicable else 0
        result[u.pk] = (min(pace.held, required), required)
    return result


def meeting_records(unit: Unit, period: Period) -> QuerySet[Any] | None:
    """The meetings behind the unit's meeting quota (both parts: the numerator counts them up to the required
    number; the denominator is that number). Unscoped."""
    found = _modules("leadership", "selectors")
    if found is None or not _has(found[0], "quota_meetings"):
        return None
    records: QuerySet[Any] = found[0].quota_meetings([unit], *period.span)
    return records


@dataclass(frozen=True)
class ReceptionPeriod:
    """One 班子成员's reception period (a quarter or month) of the year, as the reception quota judges it."""

    unit_id: int
    post: Post
    cell: Any  # leadership.quotas.PeriodCell

    @property
    def met(self) -> bool:
        return bool(self.cell.state == "met")

    @property
    def settled(self) -> bool:
        """Met, or ended without the minimum; running and future periods are not yet due."""
        return self.cell.state in ("met", "missed")


def reception_periods(units: list[Unit], period: Period, *, light: bool = False) -> list[ReceptionPeriod] | None:
    """Every reception period of the year of every 支队 班子成员 (posts active on the reference day); None when the
    leadership app is absent. 大队 have no minimum (大队主官随时接访): no periods. `light`: the posts only as the
    facts the quota reads (for the figure, which counts)."""
    found = _modules("leadership", "models", "quotas", "selectors")
    if found is None:
        return None
    lm, lq, ls = found
    needed = ("quota_leader_posts", "quota_reception_days", "quota_receptions")
    if not (
        _has(lm, "QuotaCode") and _has(lq, "quota_values", "reception_cells", "MET", "MISSED") and _has(ls, *needed)
    ):
        return None
    first, last = period.span
    ref = min(max(period.as_of, first), last)
    detachments = {u.pk: u for u in units if u.level == Level.DETACHMENT}
    posts = (
        ls.quota_leader_posts(detachments.values(), ref, light=True)
        if light
        else ls.quota_leader_posts(detachments.values(), ref)
    )
    leaders = {p.user_id for p in posts}
    dates: dict[int, set[datetime.date]] = defaultdict(set)
    held_days = ls.quota_reception_days(leaders, first, last).values_list("leader_id", "planned_on")
    ledger = ls.quota_receptions(leaders, first, last).values_list("leader_id", "received_on")
    for leader_id, day in [*held_days, *ledger]:
        dates[leader_id].add(day)
    quotas = lq.quota_values()
    rows: list[ReceptionPeriod] = []
    for p in posts:
        quota = quotas[lm.QuotaCode.RECEPTION_CHIEF if p.role == "chief" else lm.QuotaCode.RECEPTION_MEMBER]
        cells = lq.reception_cells(
            year=period.year, period=quota.period, minimum=quota.minimum, dates=dates.get(p.user_id, ()),
            today=period.as_of, serving_from=max(p.start_on, _created(detachments[p.unit_id])), serving_to=p.end_on,
        )  # fmt: skip
        rows.extend(ReceptionPeriod(p.unit_id, p, cell) for cell in cells)
    return rows


def reception_quota(units: list[Unit], period: Period) -> dict[int, tuple[int, int]] | None:
    return _kept("reception_quota", ("org", "leadership"), units, period, lambda: _reception_quota(units, period))


def _reception_quota(units: list[Unit], period: Period) -> dict[int, tuple[int, int]] | None:
    """领导接访 (R1.3): of the 支队 班子成员's reception periods that are settled (met, or ended without the minimum),
    the share met. 大队 have no minimum (大队主官随时接访): not applicable."""
    rows = reception_periods(units, period, light=True)
    if rows is None:
        return None
    totals: dict[int, list[int]] = {u.pk: [0, 0] for u in units}
    for row in rows:
        if row.settled:
            totals[row.unit_id][1] += 1
            totals[row.unit_id][0] += row.met
    return {pk: (met, settled) for pk, (met, settled) in totals.items()}


def reception_records(unit: Unit, period: Period, part: str) -> list[ReceptionPeriod] | None:
    """The reception periods behind the unit's figure: met ones (numerator) or all settled ones (denominator)."""
    rows = reception_periods([unit], period)
    if rows is None:
        return None
    return [r for r in rows if (r.met if part == "numerator" else r.settled)]


def reception_period_records(rows: list[ReceptionPeriod]) -> tuple[QuerySet[Any], QuerySet[Any]] | None:
    """The held reception days and the ledger receptions of the leaders of `rows` within the spans of the rows'
    periods (unscoped) — the records each period was judged on."""
    found = _modules("leadership", "selectors")
    if found is None or not rows:
        return None
    ls = found[0]
    leaders = {r.post.user_id for r in rows}
    first = min(r.cell.span.start for r in rows)
    last = max(r.cell.span.end for r in rows)
    return ls.quota_reception_days(leaders, first, last), ls.quota_receptions(leaders, first, last)


def _screening_selectors() -> ModuleType | None:
    found = _modules("screening", "selectors")
    if found is None or not _has(found[0], "assessed_obligations", "timeliness"):
        return None
    return found[0]


def screening_timeliness(units: list[Unit], period: Period) -> dict[int, tuple[int, int]] | None:
    return _kept(
        "screening_timeliness", ("org", "screening"), units, period, lambda: _screening_timeliness(units, period)
    )


def _screening_timeliness(units: list[Unit], period: Period) -> dict[int, tuple[int, int]] | None:
    """Periodic screening reports (R3.2, R3.3) of the unit's subtree for periods starting in the year: filed on
    time / due (on time + late + missing); reports not yet due, and periods that ended before the reporting unit
    existed, are left out."""
    ss = _screening_selectors()
    if ss is None:
        return None
    from xinfang.accountability.indicators import _rollup

    rows: list[tuple[str, int, int]]  # (unit path, due, on time)
    if _has(ss, "assessed_due_counts"):  # the same states, counted without building each obligation
        counted = ss.assessed_due_counts(period.start, period.end, period.as_of)
        rows = [(r.path, r.submitted + r.late + r.missing, r.submitted) for r in counted]
    else:
        owed = ss.timeliness(ss.assessed_obligations(period.start, period.end, period.as_of))
        rows = [(r.unit.path, r.submitted + r.late + r.missing, r.submitted) for r in owed]
    totals = _rollup(rows, units)
    return {pk: (on_time, due) for pk, (due, on_time) in totals.items()}


def screening_records(unit: Unit, period: Period, part: str) -> list[Any] | None:
    """The report obligations behind the unit's figure: filed on time (numerator), or due — on time, late or
    missing (denominator); each with its report, if one was filed. Unscoped."""
    ss = _screening_selectors()
    if ss is None:
        return None
    wanted = ("submitted",) if part == "numerator" else ("submitted", "late", "missing")
    owed = ss.assessed_obligations(period.start, period.end, period.as_of, within=unit)
    return sorted((o for o in owed if o.state in wanted), key=lambda o: (o.period_start, o.unit.path, o.period))


def supervision_activity(unit: Unit, period: Period) -> dict[str, int] | None:
    """挂牌督办 (R1.5) of cases in the unit's subtree in the year: listed / lifted — from the leadership app."""
    found = _modules("leadership", "models")
    if found is None or not _has(found[0], "Supervision"):
        return None
    supervision: Any = found[0].Supervision
    inside = supervision.objects.filter(case__unit__path__startswith=unit.path)
    return {
        "listed": inside.filter(listed_on__range=period.span).count(),
        "lifted": inside.filter(lifted_on__range=period.span).count(),
    }
