"""Every write of the screening app. Each service is keyword-only, actor first, atomic; it checks the actor's
permission at the unit concerned (DomainError code "forbidden" — pages and the API have already answered 403
through the access helpers, this is the services' own guard), locks the row whose state changes, validates,
writes, and records the audit event in the same transaction. A refusal raises DomainError with a Chinese message
and a stable code, and changes nothing.

The clock is `_now()` (tests replace it); dates are local (Asia/Shanghai).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from xinfang.cases.models import Case, Petitioner, Topic
from xinfang.core.audit import audit_record
from xinfang.core.errors import DomainError
from xinfang.core.scope import has_perm
from xinfang.documents.services import document_generate
from xinfang.orgs.models import Level, Post, Unit, User
from xinfang.screening import letters, periods, selectors
from xinfang.screening.models import (
    DECLARE_PERM,
    INSPECT_PERM,
    REPORT_PERM,
    REPORTING_LEVELS,
    SETTINGS_PERM,
    TRAIN_PERM,
    WARN_PERM,
    Bulletin,
    Cadence,
    CadenceKey,
    Conflict,
    ConflictProgress,
    ConflictStatus,
    DutyShift,
    EarlyWarning,
    Inspection,
    RectificationItem,
    RiskLevel,
    ScreeningItem,
    ScreeningReport,
    ScreeningSettings,
    SpecialPeriod,
    SpecialPeriodKind,
    Training,
    WarningEscalation,
    WarningHop,
    WarningRisk,
)

MAX_SPECIAL_PERIOD_DAYS = 92
MAX_SHIFT_HOURS = 24
MAX_ACK_HOURS = 168
PERIOD_WORDS = {periods.WEEK: "每周", periods.MONTH: "每月", periods.QUARTER: "每季度", periods.DAY: "每日"}


def _now() -> datetime.datetime:
    return timezone.now()


def _today() -> datetime.date:
    return timezone.localdate(_now())


def _require(actor: Any, perm: str, unit: Unit, message: str = "您无权进行此操作") -> None:
    if not has_perm(actor, perm, unit):
        raise DomainError(message, code="forbidden")


def _text(value: Any, label: str, field: str, *, required: bool = True, max_length: int | None = None) -> str:
    text = (value or "").strip() if isinstance(value, str) or value is None else str(value).strip()
    if required and not text:
        raise DomainError(f"请填写{label}", code="required", field=field)
    if max_length and len(text) > max_length:
        raise DomainError(f"{label}不能超过{max_length}个字", code="too_long", field=field)
    return text


def _not_future(day: datetime.date, label: str, field: str) -> None:
    if day > _today():
        raise DomainError(f"{label}不能晚于今天", code="future_date", field=field)


def _within(unit: Unit, root: Unit) -> bool:
    return unit.path.startswith(root.path)


# ---------------------------------------------------------------------------------------------------
# Rules as data (core.settings.manage)


@transaction.atomic
def cadence_set(
    *,
    actor: Any,
    key: str,
    period: str,
    anchor: str,
    offset_days: int,
    shift_to_workday: bool,
    request: Any = None,
) -> Cadence:
    """Change one reporting rule (who reports how often, and when it is due). Reports already filed keep the due
    date they were filed against; the board and the roll-ups use the new rule from now on."""
    if not has_perm(actor, SETTINGS_PERM, None):
        raise DomainError("您无权维护业务参数", code="forbidden")
    if key not in CadenceKey.values:
        raise DomainError("未知的报告周期设置", code="invalid", field="key")
    if period not in periods.ALLOWED_PERIODS[key]:
        raise DomainError("该单位层级不能使用此报告周期", code="invalid_period", field="period")
    if anchor not in (periods.START, periods.END):
        raise DomainError("起算方式无效", code="invalid", field="anchor")
    if not 0 <= int(offset_days) <= periods.MAX_OFFSET_DAYS:
        raise DomainError(f"起算后天数应在0至{periods.MAX_OFFSET_DAYS}之间", code="invalid", field="offset_days")
    row = Cadence.objects.select_for_update().filter(key=key).first()
    default = periods.DEFAULT_RULES[key]
    before = (
        {"period": row.period, "anchor": row.anchor, "offset_days": row.offset_days, "shift": row.shift_to_workday}
        if row
        else {"period": default.period, "anchor": default.anchor, "offset_days": default.offset_days,
              "shift": default.shift_to_workday, "default": True}
    )  # fmt: skip
    if row is None:
        row = Cadence(key=key)
    row.period = period
    row.anchor = anchor
    row.offset_days = int(offset_days)
    row.shift_to_workday = bool(shift_to_workday)
    row.updated_by = actor
    row.save()
    audit_record(
        actor=actor,
        action="screening.cadence.changed",
        target=row,
        before=before,
        after={"period": period, "anchor": anchor, "offset_days": int(offset_days), "shift": bool(shift_to_workday)},
        request=request,
    )
    return row


@transaction.atomic
def settings_set(*, actor: Any, warning_ack_hours: int, request: Any = None) -> ScreeningSettings:
    if not has_perm(actor, SETTINGS_PERM, None):
        raise DomainError("您无权维护业务参数", code="forbidden")
    if not 1 <= int(warning_ack_hours) <= MAX_ACK_HOURS:
        raise DomainError(f"预警签收时限应在1至{MAX_ACK_HOURS}小时之间", code="invalid", field="warning_ack_hours")
    row = ScreeningSettings.objects.select_for_update().filter(pk=1).first()
    before = row.warning_ack_hours if row else periods.DEFAULT_ACK_HOURS
    if row is None:
        row = ScreeningSettings(pk=1)
    row.warning_ack_hours = int(warning_ack_hours)
    row.updated_by = actor
    row.save()
    audit_record(
        actor=actor,
        action="screening.settings.changed",
        target=row,
        before={"warning_ack_hours": before},
        after={"warning_ack_hours": row.warning_ack_hours},
        request=request,
    )
    return row


# ---------------------------------------------------------------------------------------------------
# Conflict ledger


def _conflict_snapshot(c: Conflict) -> dict[str, Any]:
    return {
        "unit": c.unit_id,
        "title": c.title,
        "topic": c.topic_id,
        "risk_level": c.risk_level,
        "collective_risk": c.collective_risk,
        "headcount": c.headcount,
        "leader": c.leader_id,
        "measures": c.measures,
        "status": c.status,
        "found_on": c.found_on,
        "resolved_on": c.resolved_on,
        "cases": sorted(c.cases.values_list("pk", flat=True)) if c.pk else [],
        "petitioners": sorted(c.petitioners.values_list("pk", flat=True)) if c.pk else [],
    }


def _check_leader(leader: User | None, unit: Unit) -> User:
    if leader is None:
        raise DomainError("请指定责任领导", code="required", field="leader")
    if not selectors.leader_candidates(unit).filter(pk=leader.pk).exists():
        raise DomainError(
            "责任领导应为本单位或上级单位在岗的主官、分管领导、班子成员或领导小组成员",
            code="invalid_leader",
            field="leader",
        )
    return leader


def _check_links(
    actor: Any, unit: Unit, cases: Sequence[Case | int], petitioners: Sequence[Petitioner | int]
) -> tuple[list[int], list[int]]:
    """Linked cases must be visible to the actor; linked petitioners must be people of the linked cases."""
    case_ids = sorted({c.pk if isinstance(c, Case) else int(c) for c in cases})
    visible = set(Case.objects.visible_to(actor).filter(pk__in=case_ids).values_list("pk", flat=True))
    if len(visible) != len(case_ids):
        raise DomainError("关联的信访事项不存在或不在您的权限范围内", code="invalid_case", field="cases")
    person_ids = sorted({p.pk if isinstance(p, Petitioner) else int(p) for p in petitioners})
    if person_ids:
        ok = set(Petitioner.objects.filter(pk__in=person_ids, case_id__in=case_ids).values_list("pk", flat=True))
        if len(ok) != len(person_ids):
            raise DomainError("涉及的信访人应为所关联信访事项的信访人", code="invalid_petitioner", field="petitioners")
    return case_ids, person_ids


def _topic(topic: Topic | str | int | None) -> Topic:
    if isinstance(topic, Topic):
        return topic
    found = None
    if topic not in (None, ""):
        found = (
            Topic.objects.filter(pk=int(str(topic))).first()
            if str(topic).isdigit()
            else Topic.objects.filter(code=str(topic)).first()
        )
    if found is None or not found.active:
        raise DomainError("请选择有效的类别", code="invalid_topic", field="topic")
    return found


@transaction.atomic
def conflict_create(
    *,
    actor: Any,
    unit: Unit,
    title: str,
    description: str,
    topic: Topic | str | int,
    risk_level: str,
    leader: User | None,
    measures: str,
    found_on: datetime.date,
    collective_risk: bool = False,
    headcount: int = 1,
    cases: Sequence[Case | int] = (),
    petitioners: Sequence[Petitioner | int] = (),
    request: Any = None,
) -> Conflict:
    """Open a ledger entry (逐案逐人逐项建档立账)."""
    _require(actor, REPORT_PERM, unit)
    if risk_level not in RiskLevel.values:
        raise DomainError("请选择风险等级", code="invalid", field="risk_level")
    if int(headcount) < 1:
        raise DomainError("涉及人数至少为1", code="invalid", field="headcount")
    _not_future(found_on, "发现日期", "found_on")
    case_ids, person_ids = _check_links(actor, unit, cases, petitioners)
    conflict = Conflict.objects.create(
        unit=unit,
        title=_text(title, "矛盾纠纷事项", "title", max_length=200),
        description=_text(description, "基本情况", "description"),
        topic=_topic(topic),
        risk_level=risk_level,
        collective_risk=bool(collective_risk),
        headcount=int(headcount),
        leader=_check_leader(leader, unit),
        measures=_text(measures, "化解措施", "measures"),
        found_on=found_on,
        created_by=actor,
    )
    conflict.cases.set(case_ids)
    conflict.petitioners.set(person_ids)
    audit_record(
        actor=actor,
        action="screening.conflict.created",
        target=conflict,
        unit=unit,
        after=_conflict_snapshot(conflict),
        request=request,
    )
    return conflict


CONFLICT_EDITABLE = (
    "title",
    "description",
    "topic",
    "risk_level",
    "collective_risk",
    "headcount",
    "leader",
    "measures",
)


@transaction.atomic
def conflict_update(
    *, actor: Any, conflict: Conflict, version: int | None = None, request: Any = None, **changes: Any
) -> Conflict:
    """Change an open entry's facts (risk level, measures, leader, links …). `version` guards against lost
    updates: a form submitted against an older version is refused."""
    conflict = Conflict.objects.select_for_update().select_related("unit").get(pk=conflict.pk)
    _require(actor, REPORT_PERM, conflict.unit)
    if version is not None and int(version) != conflict.version:
        raise DomainError("该台账已被他人修改，请刷新后重试", code="stale", field="version")
    if conflict.is_resolved:
        raise DomainError("已化解的矛盾纠纷不能再修改", code="already_resolved")
    before = _conflict_snapshot(conflict)
    cases = changes.pop("cases", None)
    people = changes.pop("petitioners", None)
    unknown = set(changes) - set(CONFLICT_EDITABLE)
    if unknown:
        raise DomainError(f"不能修改：{'、'.join(sorted(unknown))}", code="invalid")
    if "title" in changes:
        conflict.title = _text(changes["title"], "矛盾纠纷事项", "title", max_length=200)
    if "description" in changes:
        conflict.description = _text(changes["description"], "基本情况", "description")
    if "measures" in changes:
        conflict.measures = _text(changes["measures"], "化解措施", "measures")
    if "topic" in changes:
        conflict.topic = _topic(changes["topic"])
    if "risk_level" in changes:
        if changes["risk_level"] not in RiskLevel.values:
            raise DomainError("请选择风险等级", code="invalid", field="risk_level")
        conflict.risk_level = changes["risk_level"]
    if "collective_risk" in changes:
        conflict.collective_risk = bool(changes["collective_risk"])
    if "headcount" in changes:
        if int(changes["headcount"]) < 1:
            raise DomainError("涉及人数至少为1", code="invalid", field="headcount")
        conflict.headcount = int(changes["headcount"])
    if "leader" in changes:
        conflict.leader = _check_leader(changes["leader"], conflict.unit)
    if cases is not None or people is not None:
        case_ids, person_ids = _check_links(
            actor,
            conflict.unit,
            cases if cases is not None else list(conflict.cases.values_list("pk", flat=True)),
            people if people is not None else list(conflict.petitioners.values_list("pk", flat=True)),
        )
        conflict.cases.set(case_ids)
        conflict.petitioners.set(person_ids)
    conflict.version += 1
    conflict.save()
    audit_record(
        actor=actor,
        action="screening.conflict.updated",
        target=conflict,
        unit=conflict.unit,
        before=before,
        after=_conflict_snapshot(conflict),
        request=request,
    )
    return conflict


@transaction.atomic
def conflict_progress_add(
    *,
    actor: Any,
    conflict: Conflict,
    on: datetime.date,
    note: str,
    status: str | None = None,
    request: Any = None,
) -> ConflictProgress:
    """Record a dated step of the resolution work; `status` moves the entry (未化解 → 化解中 → 已化解). 已化解 is
    final and dated by this step."""
    conflict = Conflict.objects.select_for_update().select_related("unit").get(pk=conflict.pk)
    _require(actor, REPORT_PERM, conflict.unit)
    if conflict.is_resolved:
        raise DomainError("该矛盾纠纷已化解，不能再记录进展", code="already_resolved")
    note = _text(note, "进展情况", "note")
    _not_future(on, "进展日期", "on")
    if on < conflict.found_on:
        raise DomainError("进展日期不能早于发现日期", code="invalid_date", field="on")
    last = conflict.progress.order_by("-on", "-id").first()
    if last is not None and on < last.on:
        raise DomainError(f"进展日期不能早于上一条进展（{last.on:%Y-%m-%d}）", code="invalid_date", field="on")
    new_status = status or conflict.status
    if new_status not in ConflictStatus.values:
        raise DomainError("状态无效", code="invalid", field="status")
    if new_status == ConflictStatus.PENDING and conflict.status != ConflictStatus.PENDING:
        raise DomainError("已开始化解的矛盾纠纷不能改回未化解", code="invalid_status", field="status")
    before = {"status": conflict.status}
    conflict.status = new_status
    if new_status == ConflictStatus.RESOLVED:
        conflict.resolved_on = on
    conflict.version += 1
    conflict.save(update_fields=["status", "resolved_on", "version", "updated_at"])
    step = ConflictProgress.objects.create(
        conflict=conflict, on=on, note=note, status_after=new_status, recorded_by=actor
    )
    audit_record(
        actor=actor,
        action="screening.conflict.resolved"
        if new_status == ConflictStatus.RESOLVED
        else "screening.conflict.progressed",
        target=conflict,
        unit=conflict.unit,
        before=before,
        after={"status": new_status, "on": on, "note": note},
        request=request,
    )
    return step


# ---------------------------------------------------------------------------------------------------
# Screening reports


@transaction.atomic
def report_file(
    *,
    actor: Any,
    unit: Unit,
    period: str,
    period_start: datetime.date,
    is_zero: bool,
    conflicts: Sequence[Conflict | int] = (),
    summary: str = "",
    request: Any = None,
) -> ScreeningReport:
    """File a unit's screening report for one period (R3.2; daily during a special period, R3.3).

    Refused: a unit that does not report, a period kind other than the unit's rule (or a daily report without an
    active special period covering the unit that day), a period_start that is not the first day of a period, a
    period not yet begun (future_period), a second report for the same unit and period (duplicate_report), a
    report with neither items nor an explicit 零报告 (empty_report — an empty report is not a zero report), a zero
    report listing items (zero_with_items), items outside the unit's area or the actor's sight (invalid_conflict).
    Filed after its due date it is recorded as late. A higher unit's report keeps the roll-up of its lower units'
    reports for the period as it stood at filing."""
    unit = Unit.objects.select_for_update().get(pk=unit.pk)  # one filing per unit at a time
    _require(actor, REPORT_PERM, unit, "您无权填报该单位的排查报告")
    if not unit.is_active or unit.level not in REPORTING_LEVELS:
        raise DomainError("该单位不填报排查报告", code="not_reporting_unit", field="unit")
    if period not in periods.KINDS:
        raise DomainError("报告周期无效", code="invalid_period", field="period")
    today = _today()
    rules = selectors.cadence_rules()
    if period == periods.DAY:
        rule = rules["special"]
        covering = selectors.covering(
            unit, selectors.special_periods_prefetched(SpecialPeriod.objects.active_on(period_start))
        )
        if not covering:
            raise DomainError(
                f"{period_start:%Y-%m-%d}本单位不在特殊时期范围内，无需填报每日报告",
                code="no_special_period",
                field="period",
            )
    else:
        level_rule = selectors.rule_for(unit, rules)
        assert level_rule is not None
        rule = level_rule
        if period != rule.period:
            raise DomainError(
                f"{unit.get_level_display()}应{PERIOD_WORDS[rule.period]}报送排查报告",
                code="wrong_period",
                field="period",
            )
    if not periods.is_period_start(period, period_start):
        raise DomainError(
            "周期起始日期无效（周报为周一，月报为1日，季报为季度首日）",
            code="invalid_period_start",
            field="period_start",
        )
    if period_start > today:
        raise DomainError("不能填报尚未开始的周期的排查报告", code="future_period", field="period_start")
    if ScreeningReport.objects.filter(unit=unit, period=period, period_start=period_start).exists():
        raise DomainError("该单位本周期的排查报告已报送，不能重复报送", code="duplicate_report", field="period_start")
    ids = list(dict.fromkeys(c.pk if isinstance(c, Conflict) else int(c) for c in conflicts))
    if is_zero and ids:
        raise DomainError("零报告不能列出排查发现的矛盾纠纷", code="zero_with_items", field="items")
    if not is_zero and not ids:
        raise DomainError(
            "未列出排查发现的矛盾纠纷，也未声明零报告：空报告不是零报告，请列出发现的事项或明确声明零报告",
            code="empty_report",
            field="items",
        )
    found = {
        c.pk: c
        for c in Conflict.objects.visible_to(actor)
        .filter(pk__in=ids, unit__path__startswith=unit.path)
        .select_related("topic")
    }
    if len(found) != len(ids):
        raise DomainError("所列矛盾纠纷不存在，或不属于本单位及下级单位", code="invalid_conflict", field="items")
    start, end = periods.bounds(period, period_start)
    due = periods.due_on(rule, start, end)
    now = _now()
    rollup: dict[str, Any] = {}
    if unit.level != Level.BRIGADE:
        rollup = selectors.rollup(unit, period, start, end, today).to_dict()
    try:
        with transaction.atomic():
            report = ScreeningReport.objects.create(
                unit=unit,
                period=period,
                period_start=start,
                period_end=end,
                due_on=due,
                is_zero=bool(is_zero),
                summary=_text(summary, "排查情况", "summary", required=False),
                submitted_by=actor,
                submitted_at=now,
                submitted_on=today,
                is_late=today > due,
                rollup=rollup,
            )
    except IntegrityError:
        raise DomainError("该单位本周期的排查报告已报送，不能重复报送", code="duplicate_report", field="period_start")
    seen_before = set(ScreeningItem.objects.filter(conflict_id__in=ids).values_list("conflict_id", flat=True))
    ScreeningItem.objects.bulk_create(
        [
            ScreeningItem(
                report=report,
                conflict=found[i],
                is_new=i not in seen_before,
                risk_level=found[i].risk_level,
                topic=found[i].topic,
                status=found[i].status,
                collective_risk=found[i].collective_risk,
            )
            for i in ids
        ]
    )
    audit_record(
        actor=actor,
        action="screening.report.filed",
        target=report,
        unit=unit,
        after={
            "period": period,
            "period_start": start,
            "due_on": due,
            "zero": report.is_zero,
            "late": report.is_late,
            "items": ids,
        },
        request=request,
    )
    return report


# ---------------------------------------------------------------------------------------------------
# Special periods and duty rosters


@transaction.atomic
def special_period_declare(
    *,
    actor: Any,
    unit: Unit,
    name: str,
    kind: str,
    start_on: datetime.date,
    end_on: datetime.date,
    scope_units: Iterable[Unit] = (),
    holiday_key: str = "",
    note: str = "",
    request: Any = None,
) -> SpecialPeriod:
    """A 总队 (or a 支队 for its own area) declares a special period: every reporting unit in scope files a daily
    report and keeps a 24-hour duty roster from start_on to end_on."""
    _require(actor, DECLARE_PERM, unit, "您无权宣布特殊时期")
    if unit.level not in (Level.CORPS, Level.DETACHMENT):
        raise DomainError("特殊时期由总队或支队宣布", code="level_cannot_declare", field="unit")
    if kind not in SpecialPeriodKind.values:
        raise DomainError("请选择类型", code="invalid", field="kind")
    if end_on < start_on:
        raise DomainError("结束日期不能早于开始日期", code="invalid_dates", field="end_on")
    if (end_on - start_on).days + 1 > MAX_SPECIAL_PERIOD_DAYS:
        raise DomainError(f"特殊时期不能超过{MAX_SPECIAL_PERIOD_DAYS}天", code="too_long", field="end_on")
    if end_on < _today():
        raise DomainError("不能宣布已经结束的特殊时期", code="past_period", field="end_on")
    scope = list(scope_units)
    for u in scope:
        if not _within(u, unit):
            raise DomainError("范围只能是本单位及其下级单位", code="invalid_scope", field="scope_units")
    holiday_key = (holiday_key or "").strip()
    if (
        holiday_key
        and SpecialPeriod.objects.filter(unit=unit, holiday_key=holiday_key, cancelled_at__isnull=True).exists()
    ):
        raise DomainError("该节日的特殊时期已经宣布", code="duplicate_period", field="holiday_key")
    period = SpecialPeriod.objects.create(
        unit=unit,
        name=_text(name, "名称", "name", max_length=100),
        kind=kind,
        start_on=start_on,
        end_on=end_on,
        holiday_key=holiday_key,
        note=_text(note, "工作要求", "note", required=False),
        declared_by=actor,
    )
    period.scope_units.set(scope)
    audit_record(
        actor=actor,
        action="screening.period.declared",
        target=period,
        unit=unit,
        after={
            "name": period.name,
            "kind": kind,
            "start_on": start_on,
            "end_on": end_on,
            "scope_units": [u.pk for u in scope],
            "holiday_key": holiday_key,
        },
        request=request,
    )
    return period


@transaction.atomic
def special_period_declare_holiday(*, actor: Any, unit: Unit, key: str, request: Any = None) -> SpecialPeriod:
    """One-click declaration of a suggested holiday period (selectors.holiday_suggestions) for the unit's area."""
    suggestion = selectors.holiday_suggestion(key)
    if suggestion is None:
        raise DomainError("未找到该节假日建议", code="unknown_holiday", field="holiday_key")
    return special_period_declare(
        actor=actor,
        unit=unit,
        name=suggestion.name,
        kind=SpecialPeriodKind.FESTIVAL,
        start_on=suggestion.start_on,
        end_on=suggestion.end_on,
        holiday_key=suggestion.key,
        note="节日期间实行全天候排查、24小时信访值班和“零报告”制度。",
        request=request,
    )


@transaction.atomic
def special_period_end(
    *, actor: Any, period: SpecialPeriod, on: datetime.date, reason: str, request: Any = None
) -> SpecialPeriod:
    """End a period early on `on` (its last day), or — if it has not begun — cancel it. Days already past keep
    their obligations."""
    period = SpecialPeriod.objects.select_for_update().select_related("unit").get(pk=period.pk)
    _require(actor, DECLARE_PERM, period.unit, "您无权变更该特殊时期")
    reason = _text(reason, "原因", "reason", max_length=200)
    today = _today()
    if period.cancelled_at is not None:
        raise DomainError("该特殊时期已撤销", code="cancelled")
    before = {"start_on": period.start_on, "end_on": period.end_on}
    if period.start_on > today:
        period.cancelled_at = _now()
        period.cancel_reason = reason
        period.save(update_fields=["cancelled_at", "cancel_reason"])
        action = "screening.period.cancelled"
    else:
        if on < today or on < period.start_on:
            raise DomainError("只能从今天起提前结束", code="invalid_dates", field="on")
        if on >= period.end_on:
            raise DomainError("提前结束的日期应早于原结束日期", code="invalid_dates", field="on")
        period.end_on = on
        period.cancel_reason = reason
        period.save(update_fields=["end_on", "cancel_reason"])
        action = "screening.period.ended"
    audit_record(
        actor=actor,
        action=action,
        target=period,
        unit=period.unit,
        before=before,
        after={"end_on": period.end_on, "cancelled": period.cancelled_at is not None, "reason": reason},
        request=request,
    )
    return period


def _on_post_at(user: User, unit: Unit, day: datetime.date) -> bool:
    return Post.objects.active(day).filter(user=user, unit=unit).exists()


@transaction.atomic
def duty_shift_add(
    *,
    actor: Any,
    special_period: SpecialPeriod,
    unit: Unit,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    officer: User,
    phone: str,
    note: str = "",
    request: Any = None,
) -> DutyShift:
    """Add a shift to a unit's 24-hour duty roster for a special period: the officer on duty (who holds a post at
    the unit) and a contact number, inside the period's days, at most 24 hours long."""
    _require(actor, REPORT_PERM, unit, "您无权安排该单位值班")
    period = SpecialPeriod.objects.select_related("unit").prefetch_related("scope_units").get(pk=special_period.pk)
    if period.cancelled_at is not None:
        raise DomainError("该特殊时期已撤销", code="cancelled", field="special_period")
    if not period.covers_path(unit.path, [u.path for u in period.scope_units.all()]):
        raise DomainError("该单位不在此特殊时期的范围内", code="not_in_scope", field="unit")
    if ends_at <= starts_at:
        raise DomainError("结束时间应晚于开始时间", code="invalid_dates", field="ends_at")
    if ends_at - starts_at > datetime.timedelta(hours=MAX_SHIFT_HOURS):
        raise DomainError(f"一个班次不能超过{MAX_SHIFT_HOURS}小时", code="shift_too_long", field="ends_at")
    first, _ = selectors.day_bounds(period.start_on)
    _, last = selectors.day_bounds(period.end_on)
    if starts_at < first or ends_at > last:
        raise DomainError("值班时间应在特殊时期之内", code="outside_period", field="starts_at")
    local_day = timezone.localtime(starts_at).date()
    if not _on_post_at(officer, unit, local_day):
        raise DomainError("值班人员应为该单位在岗人员", code="invalid_officer", field="officer")
    phone = _text(phone, "值班电话", "phone", max_length=30)
    if not any(ch.isdigit() for ch in phone):
        raise DomainError("值班电话无效", code="invalid_phone", field="phone")
    shift = DutyShift.objects.create(
        special_period=period,
        unit=unit,
        starts_at=starts_at,
        ends_at=ends_at,
        officer=officer,
        phone=phone,
        note=_text(note, "备注", "note", required=False, max_length=200),
        created_by=actor,
    )
    audit_record(
        actor=actor,
        action="screening.shift.added",
        target=shift,
        unit=unit,
        after={"period": period.pk, "starts_at": starts_at, "ends_at": ends_at, "officer": officer.pk, "phone": phone},
        request=request,
    )
    return shift


@transaction.atomic
def duty_shift_remove(*, actor: Any, shift: DutyShift, request: Any = None) -> None:
    """Remove a shift that has not begun (a roster entered by mistake); shifts already worked stay on record."""
    shift = DutyShift.objects.select_for_update().select_related("unit").get(pk=shift.pk)
    _require(actor, REPORT_PERM, shift.unit, "您无权安排该单位值班")
    if shift.starts_at <= _now():
        raise DomainError("已开始的班次不能删除", code="shift_started")
    audit_record(
        actor=actor,
        action="screening.shift.removed",
        target=shift,
        unit=shift.unit,
        before={"starts_at": shift.starts_at, "ends_at": shift.ends_at, "officer": shift.officer_id},
        request=request,
    )
    shift.delete()


# ---------------------------------------------------------------------------------------------------
# Early warning


def _send_up(warning: EarlyWarning, from_unit: Unit, actor: Any, at: datetime.datetime) -> WarningHop | None:
    parent = from_unit.parent
    if parent is None:
        return None
    return WarningHop.objects.create(warning=warning, from_unit=from_unit, to_unit=parent, sent_at=at, sent_by=actor)


@transaction.atomic
def warning_raise(
    *,
    actor: Any,
    unit: Unit,
    title: str,
    description: str,
    risk: str,
    discovered_at: datetime.datetime | None = None,
    headcount: int | None = None,
    conflict: Conflict | None = None,
    request: Any = None,
) -> EarlyWarning:
    """早发现 + 早报告: record a warning at the unit that found it and report it to the level above at once
    (the 总队, having none above in the system, records it as reported itself)."""
    _require(actor, WARN_PERM, unit, "您无权报告该单位的预警信息")
    if risk not in WarningRisk.values:
        raise DomainError("请选择风险类型", code="invalid", field="risk")
    now = _now()
    discovered_at = discovered_at or now
    if discovered_at > now:
        raise DomainError("发现时间不能晚于现在", code="future_date", field="discovered_at")
    if headcount is not None and int(headcount) < 1:
        raise DomainError("预计涉及人数至少为1", code="invalid", field="headcount")
    if conflict is not None and not _within(conflict.unit, unit) and not _within(unit, conflict.unit):
        raise DomainError("关联的矛盾纠纷应属于本单位或其上下级单位", code="invalid_conflict", field="conflict")
    warning = EarlyWarning.objects.create(
        unit=unit,
        title=_text(title, "预警事项", "title", max_length=200),
        description=_text(description, "基本情况", "description"),
        risk=risk,
        headcount=headcount,
        conflict=conflict,
        raised_by=actor,
        discovered_at=discovered_at,
        reported_at=now,
    )
    hop = _send_up(warning, unit, actor, now)
    audit_record(
        actor=actor,
        action="screening.warning.raised",
        target=warning,
        unit=unit,
        after={"risk": risk, "discovered_at": discovered_at, "reported_to": hop.to_unit_id if hop else None},
        request=request,
    )
    return warning


def _open_hop(warning: EarlyWarning) -> WarningHop | None:
    return (
        WarningHop.objects.select_for_update()
        .select_related("to_unit", "from_unit")
        .filter(warning=warning, acknowledged_at__isnull=True)
        .order_by("-sent_at", "-id")
        .first()
    )


@transaction.atomic
def warning_acknowledge(*, actor: Any, warning: EarlyWarning, note: str = "", request: Any = None) -> WarningHop:
    """The receiving level (or a level above it, e.g. after escalation) acknowledges the report and passes it on
    to the next level up, until the 总队 (逐级上报，逐级签收)."""
    warning = EarlyWarning.objects.select_for_update().select_related("unit").get(pk=warning.pk)
    hop = _open_hop(warning)
    if hop is None:
        raise DomainError("该预警信息没有待签收的报告", code="nothing_to_acknowledge")
    ack_unit = selectors.ack_unit_for(actor, hop.to_unit)
    if ack_unit is None:
        raise DomainError("您无权签收该预警信息", code="forbidden")
    now = _now()
    hop.acknowledged_at = now
    hop.acknowledged_by = actor
    hop.ack_unit = ack_unit
    hop.ack_note = _text(note, "签收意见", "note", required=False, max_length=200)
    hop.save(update_fields=["acknowledged_at", "acknowledged_by", "ack_unit", "ack_note"])
    forwarded = None if warning.resolved_at else _send_up(warning, ack_unit, actor, now)
    audit_record(
        actor=actor,
        action="screening.warning.acknowledged",
        target=warning,
        unit=ack_unit,
        after={
            "hop": hop.pk,
            "to_unit": hop.to_unit_id,
            "ack_unit": ack_unit.pk,
            "forwarded_to": forwarded.to_unit_id if forwarded else None,
        },
        request=request,
    )
    return hop


@transaction.atomic
def warning_control(
    *, actor: Any, warning: EarlyWarning, note: str, at: datetime.datetime | None = None, request: Any = None
) -> EarlyWarning:
    """早控制: the measures taken to keep the risk from growing (talking with the people concerned, solving what
    can be solved at once …), with the time."""
    warning = EarlyWarning.objects.select_for_update().select_related("unit").get(pk=warning.pk)
    _require(actor, WARN_PERM, warning.unit)
    if warning.reported_at is None:
        raise DomainError("预警信息尚未报告", code="invalid_stage")
    if warning.controlled_at is not None:
        raise DomainError("已记录控制措施", code="invalid_stage")
    at = at or _now()
    if at > _now() or at < warning.reported_at:
        raise DomainError("控制时间应在报告之后、现在之前", code="invalid_date", field="at")
    warning.controlled_at = at
    warning.control_note = _text(note, "控制措施", "note")
    warning.save(update_fields=["controlled_at", "control_note"])
    audit_record(
        actor=actor, action="screening.warning.controlled", target=warning, unit=warning.unit,
        after={"at": at, "note": warning.control_note}, request=request,
    )  # fmt: skip
    return warning


@transaction.atomic
def warning_resolve(
    *, actor: Any, warning: EarlyWarning, note: str, at: datetime.datetime | None = None, request: Any = None
) -> EarlyWarning:
    """早解决: the risk is gone (the grievance resolved or settled), with the time. Reports still waiting for
    acknowledgement stay to be acknowledged but are not passed further up."""
    warning = EarlyWarning.objects.select_for_update().select_related("unit").get(pk=warning.pk)
    _require(actor, WARN_PERM, warning.unit)
    if warning.controlled_at is None:
        raise DomainError("请先记录控制措施（早控制），再记录解决情况", code="invalid_stage")
    if warning.resolved_at is not None:
        raise DomainError("已记录解决情况", code="invalid_stage")
    at = at or _now()
    if at > _now() or at < warning.controlled_at:
        raise DomainError("解决时间应在控制之后、现在之前", code="invalid_date", field="at")
    warning.resolved_at = at
    warning.resolve_note = _text(note, "解决情况", "note")
    warning.save(update_fields=["resolved_at", "resolve_note"])
    audit_record(
        actor=actor, action="screening.warning.resolved", target=warning, unit=warning.unit,
        after={"at": at, "note": warning.resolve_note}, request=request,
    )  # fmt: skip
    return warning


@transaction.atomic
def warnings_escalate(*, now: datetime.datetime | None = None) -> list[WarningEscalation]:
    """Record every escalation that the timestamps say has happened and is not recorded yet (idempotent: a
    second run records nothing). Pages never depend on it; it leaves the record (and feeds reminders)."""
    now = now or _now()
    hops = list(
        WarningHop.objects.select_for_update()
        .filter(acknowledged_at__isnull=True)
        .select_related("to_unit", "warning")
        .order_by("id")
    )
    states = selectors.open_hop_states(hops, now)
    recorded = set(WarningEscalation.objects.filter(hop__in=[h.pk for h in hops]).values_list("hop_id", "to_unit_id"))
    created: list[WarningEscalation] = []
    for state in states:
        for unit, at in state.escalations:
            if (state.hop.pk, unit.pk) in recorded:
                continue
            row = WarningEscalation.objects.create(hop=state.hop, to_unit=unit, due_at=at)
            created.append(row)
            audit_record(
                actor=None,
                actor_username="system",
                action="screening.warning.escalated",
                target=state.hop.warning,
                unit=unit,
                after={"hop": state.hop.pk, "to_unit": unit.pk, "due_at": at},
            )
    return created


# ---------------------------------------------------------------------------------------------------
# Inspections, rectification and bulletins


def _check_item(inspection: Inspection, item: dict[str, Any]) -> dict[str, Any]:
    description = _text(item.get("description"), "整改事项", "items")
    owner_unit: Unit | None = item.get("owner_unit")
    owner: User | None = item.get("owner")
    deadline: datetime.date | None = item.get("deadline")
    if owner_unit is None or not _within(owner_unit, inspection.unit):
        raise DomainError("整改责任单位应为督查单位或其下级单位", code="invalid_owner_unit", field="items")
    if owner is None or not Post.objects.active().filter(user=owner, unit=owner_unit).exists():
        raise DomainError("整改责任人应为责任单位在岗人员", code="invalid_owner", field="items")
    if deadline is None or deadline < inspection.on:
        raise DomainError("整改期限应不早于督查日期", code="invalid_deadline", field="items")
    return {"description": description, "owner_unit": owner_unit, "owner": owner, "deadline": deadline}


@transaction.atomic
def inspection_create(
    *,
    actor: Any,
    unit: Unit,
    on: datetime.date,
    inspectors: str,
    units_visited: Iterable[Unit],
    findings: str,
    problems: str = "",
    items: Sequence[dict[str, Any]] = (),
    request: Any = None,
) -> Inspection:
    """Record an inspection by a 支队's (or the 总队's) leading group: the units visited (its own area), findings,
    problems and rectification items. With no item it is closed at once."""
    _require(actor, INSPECT_PERM, unit, "您无权组织督查")
    if unit.level not in (Level.CORPS, Level.DETACHMENT):
        raise DomainError("督查由总队或支队信访工作领导小组组织", code="level_cannot_inspect", field="unit")
    _not_future(on, "督查日期", "on")
    visited = list(units_visited)
    if not visited:
        raise DomainError("请选择被督查单位", code="required", field="units_visited")
    if any(not _within(u, unit) for u in visited):
        raise DomainError("被督查单位应为本单位或其下级单位", code="invalid_scope", field="units_visited")
    inspection = Inspection.objects.create(
        unit=unit,
        on=on,
        inspectors=_text(inspectors, "督查组成员", "inspectors", max_length=200),
        findings=_text(findings, "督查情况", "findings"),
        problems=_text(problems, "存在问题", "problems", required=False),
        created_by=actor,
    )
    inspection.units_visited.set(visited)
    checked = [_check_item(inspection, item) for item in items]
    for item in checked:
        RectificationItem.objects.create(inspection=inspection, **item)
    if not checked:
        inspection.closed_on = on
        inspection.closed_by = actor
        inspection.save(update_fields=["closed_on", "closed_by"])
    audit_record(
        actor=actor,
        action="screening.inspection.created",
        target=inspection,
        unit=unit,
        after={"on": on, "visited": [u.pk for u in visited], "items": len(checked)},
        request=request,
    )
    return inspection


@transaction.atomic
def rectification_add(
    *,
    actor: Any,
    inspection: Inspection,
    description: str,
    owner_unit: Unit,
    owner: User,
    deadline: datetime.date,
    request: Any = None,
) -> RectificationItem:
    inspection = Inspection.objects.select_for_update().select_related("unit").get(pk=inspection.pk)
    _require(actor, INSPECT_PERM, inspection.unit)
    data = _check_item(
        inspection, {"description": description, "owner_unit": owner_unit, "owner": owner, "deadline": deadline}
    )
    item = RectificationItem.objects.create(inspection=inspection, **data)
    if inspection.closed_on is not None:
        inspection.closed_on = None
        inspection.closed_by = None
        inspection.save(update_fields=["closed_on", "closed_by"])
    audit_record(
        actor=actor,
        action="screening.rectification.added",
        target=item,
        unit=inspection.unit,
        after={"inspection": inspection.pk, "owner_unit": owner_unit.pk, "owner": owner.pk, "deadline": deadline},
        request=request,
    )
    return item


@transaction.atomic
def rectification_close(
    *, actor: Any, item: RectificationItem, closed_on: datetime.date, note: str, request: Any = None
) -> RectificationItem:
    """Close a rectification item with what was done; the last one closes the inspection."""
    item = (
        RectificationItem.objects.select_for_update().select_related("inspection", "inspection__unit").get(pk=item.pk)
    )
    inspection = Inspection.objects.select_for_update().get(pk=item.inspection_id)
    _require(actor, INSPECT_PERM, item.inspection.unit)
    if item.closed_on is not None:
        raise DomainError("该整改事项已完成", code="already_closed")
    _not_future(closed_on, "整改完成日期", "closed_on")
    if closed_on < inspection.on:
        raise DomainError("整改完成日期不能早于督查日期", code="invalid_date", field="closed_on")
    item.closed_on = closed_on
    item.closure_note = _text(note, "整改情况", "note")
    item.closed_by = actor
    item.save(update_fields=["closed_on", "closure_note", "closed_by"])
    if not inspection.items.filter(closed_on__isnull=True).exists():
        inspection.closed_on = max(i.closed_on for i in inspection.items.all() if i.closed_on)
        inspection.closed_by = actor
        inspection.save(update_fields=["closed_on", "closed_by"])
    audit_record(
        actor=actor,
        action="screening.rectification.closed",
        target=item,
        unit=item.inspection.unit,
        after={"closed_on": closed_on, "note": item.closure_note, "inspection_closed": inspection.closed_on},
        request=request,
    )
    return item


@transaction.atomic
def bulletin_issue(
    *,
    actor: Any,
    unit: Unit,
    period: str,
    period_start: datetime.date,
    title: str = "",
    remarks: str = "",
    request: Any = None,
) -> Bulletin:
    """Write a 通报 of a month or quarter from the records (reports filed/late/missing, conflicts found/resolved,
    inspection problems) and generate it as DOCX and PDF through the documents engine."""
    _require(actor, INSPECT_PERM, unit, "您无权发布通报")
    if unit.level not in (Level.CORPS, Level.DETACHMENT):
        raise DomainError("通报由总队或支队发布", code="level_cannot_issue", field="unit")
    if period not in (periods.MONTH, periods.QUARTER):
        raise DomainError("通报周期应为月或季度", code="invalid_period", field="period")
    if not periods.is_period_start(period, period_start):
        raise DomainError("周期起始日期无效", code="invalid_period_start", field="period_start")
    today = _today()
    if period_start > today:
        raise DomainError("不能通报尚未开始的周期", code="future_period", field="period_start")
    start, end = periods.bounds(period, period_start)
    figures = selectors.bulletin_figures(unit, period, start, end, today)
    label = periods.period_label(period, start)
    bulletin = Bulletin.objects.create(
        unit=unit,
        period=period,
        period_start=start,
        period_end=end,
        title=_text(title, "标题", "title", required=False, max_length=200)
        or f"关于{label}信访矛盾排查化解工作情况的通报",
        remarks=_text(remarks, "工作要求", "remarks", required=False),
        stats=figures,
        created_by=actor,
    )
    spec = letters.bulletin_spec(
        unit_name=unit.name, title=bulletin.title, figures=figures, remarks=bulletin.remarks, date=today
    )
    document = document_generate(
        actor=actor,
        owner=bulletin,
        unit=unit,
        spec=spec,
        number_prefix=letters.number_prefix(unit.name),
        request=request,
    )
    audit_record(
        actor=actor,
        action="screening.bulletin.issued",
        target=bulletin,
        unit=unit,
        after={"period": period, "period_start": start, "document": document.pk, "number": document.number},
        request=request,
    )
    return bulletin


# ---------------------------------------------------------------------------------------------------
# Training


def _hours(value: Any) -> Decimal:
    try:
        hours = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise DomainError("学时无效", code="invalid", field="hours")
    if hours <= 0 or hours > 999:
        raise DomainError("学时应大于0", code="invalid", field="hours")
    return hours.quantize(Decimal("0.1"))


def _check_trainees(unit: Unit, trainees: Iterable[User]) -> list[User]:
    people = list(dict.fromkeys(trainees))
    allowed = set(selectors.trainee_candidates(unit).filter(pk__in=[u.pk for u in people]).values_list("pk", flat=True))
    if len(allowed) != len(people):
        raise DomainError("参训人员应为举办单位及其下级单位的在岗人员", code="invalid_trainee", field="trainees")
    return people


@transaction.atomic
def training_create(
    *,
    actor: Any,
    unit: Unit,
    on: datetime.date,
    topic: str,
    hours: Any,
    trainees: Iterable[User] = (),
    location: str = "",
    request: Any = None,
) -> Training:
    """Record a training held by a 总队 or 支队 (seed 二(三)) and who attended."""
    _require(actor, TRAIN_PERM, unit, "您无权记录该单位的培训")
    if unit.level not in (Level.CORPS, Level.DETACHMENT):
        raise DomainError("信访业务培训由总队、支队组织", code="level_cannot_train", field="unit")
    _not_future(on, "培训日期", "on")
    people = _check_trainees(unit, trainees)
    training = Training.objects.create(
        unit=unit,
        on=on,
        topic=_text(topic, "培训主题", "topic", max_length=200),
        hours=_hours(hours),
        location=_text(location, "地点", "location", required=False, max_length=100),
        created_by=actor,
    )
    training.trainees.set(people)
    audit_record(
        actor=actor,
        action="screening.training.created",
        target=training,
        unit=unit,
        after={"on": on, "topic": training.topic, "hours": str(training.hours), "trainees": [u.pk for u in people]},
        request=request,
    )
    return training


@transaction.atomic
def training_set_trainees(*, actor: Any, training: Training, trainees: Iterable[User], request: Any = None) -> Training:
    """Correct the attendance list of a training."""
    training = Training.objects.select_for_update().select_related("unit").get(pk=training.pk)
    _require(actor, TRAIN_PERM, training.unit)
    before = sorted(training.trainees.values_list("pk", flat=True))
    people = _check_trainees(training.unit, trainees)
    training.trainees.set(people)
    audit_record(
        actor=actor,
        action="screening.training.attendance_changed",
        target=training,
        unit=training.unit,
        before={"trainees": before},
        after={"trainees": sorted(u.pk for u in people)},
        request=request,
    )
    return training
