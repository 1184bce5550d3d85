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
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from types import ModuleType
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.db.models import Count
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


def _created(unit: Unit) -> datetime.date:
    return timezone.localdate(unit.created_at)


def meeting_quota(units: list[Unit], period: Period) -> dict[int, tuple[int, int]] | None:
    """党委会研究部署信访工作 (R1.2): min(held, required) / required, per unit (its own committee)."""
    found = _modules("leadership", "models", "quotas")
    if found is None:
        return None
    lm, lq = found
    if not (_has(lm, "Meeting", "QuotaCode") and _has(lq, "quota_values", "meeting_pace")):
        return None
    quotas = lq.quota_values()
    held = dict(
        lm.Meeting.objects.filter(unit_id__in=[u.pk for u in units], held_on__range=period.span)
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


def reception_quota(units: list[Unit], period: Period) -> dict[int, tuple[int, int]] | None:
    """领导接访 (R1.3): of the 支队 班子成员's reception periods that are settled (met, or ended without the minimum),
    the share met. 大队 have no minimum (大队主官随时接访): not applicable."""
    found = _modules("leadership", "models", "quotas")
    if found is None:
        return None
    lm, lq = found
    needed_models = ("ReceptionDay", "Reception", "DayStatus", "QuotaCode", "LEADER_ROLES")
    if not (_has(lm, *needed_models) and _has(lq, "quota_values", "reception_cells", "MET", "MISSED")):
        return None
    first, last = period.span
    ref = min(max(period.as_of, first), last)
    detachments = {u.pk: u for u in units if u.level == Level.DETACHMENT}
    posts = list(
        Post.objects.active(ref)
        .filter(unit_id__in=list(detachments), role__in=list(lm.LEADER_ROLES), user__is_active=True)
        .order_by("unit_id", "pk")
    )
    leaders = {p.user_id for p in posts}
    dates: dict[int, set[datetime.date]] = defaultdict(set)
    held_days = lm.ReceptionDay.objects.filter(
        leader_id__in=leaders, status=lm.DayStatus.HELD, planned_on__range=period.span
    ).values_list("leader_id", "planned_on")
    ledger = lm.Reception.objects.filter(leader_id__in=leaders, received_on__range=period.span).values_list(
        "leader_id", "received_on"
    )
    for leader_id, day in [*held_days, *ledger]:
        dates[leader_id].add(day)
    quotas = lq.quota_values()
    totals: dict[int, list[int]] = {pk: [0, 0] for pk in detachments}
    for p in posts:
        quota = quotas[lm.QuotaCode.RECEPTION_CHIEF if p.role == "chief" else lm.QuotaCode.RECEPTION_MEMBER]
        cells = lq.reception_cells(
            year=period.year, period=quota.period, minimum=quota.minimum, dates=dates.get(p.user_id, ()),
            today=period.as_of, serving_from=max(p.start_on, _created(detachments[p.unit_id])), serving_to=p.end_on,
        )  # fmt: skip
        for cell in cells:
            if cell.state in (lq.MET, lq.MISSED):
                totals[p.unit_id][1] += 1
                totals[p.unit_id][0] += cell.state == lq.MET
    return {u.pk: (totals[u.pk][0], totals[u.pk][1]) if u.pk in totals else (0, 0) for u in units}


def screening_timeliness(units: list[Unit], period: Period) -> dict[int, tuple[int, int]] | None:
    """Periodic screening reports (R3.2, R3.3) of the unit's subtree for periods starting in the year: filed on
    time / due (on time + late + missing); reports not yet due, and periods that ended before the reporting unit
    existed, are left out."""
    found = _modules("screening", "models", "selectors")
    if found is None:
        return None
    sm, ss = found
    if not (_has(sm, "REPORTING_LEVELS") and _has(ss, "obligations_between", "timeliness")):
        return None
    from xinfang.orgs.models import Unit as UnitModel

    reporting = UnitModel.objects.filter(is_active=True, level__in=list(sm.REPORTING_LEVELS)).order_by("path")
    owed = ss.obligations_between(reporting, period.start, period.end, period.as_of)
    # A unit owes no report for a period that ended before it existed.
    rows = ss.timeliness([o for o in owed if o.period_end >= _created(o.unit)])
    result: dict[int, tuple[int, int]] = {}
    for u in units:
        on_time = due = 0
        for row in rows:
            if row.unit.path.startswith(u.path):
                on_time += row.submitted
                due += row.submitted + row.late + row.missing
        result[u.pk] = (on_time, due)
    return result


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
