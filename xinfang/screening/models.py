"""排查预警 — seed 三 (矛盾排查化解), seed 二(三) (training); REQUIREMENTS R3.1–R3.5, R2.13.

Reading order:
    Cadence, ScreeningSettings   the reporting rules as data (who reports how often, when it is due; the warning
                                 acknowledgement time), edited by core.settings.manage holders
    Conflict, ConflictProgress   矛盾纠纷台账: one entry per grievance, until 已化解 (R3.4)
    ScreeningReport, ScreeningItem   排查报告 (weekly / monthly / quarterly / daily in a special period), listing
                                 the conflicts found, or an explicit 零报告 (R3.2)
    SpecialPeriod, DutyShift     特殊时期 and its 24-hour 值班表 (R3.3)
    EarlyWarning, WarningHop, WarningEscalation   预警信息 reported upward level by level (R3.1)
    Inspection, RectificationItem, Bulletin        督查 and 通报 (R3.5)
    Training                     信访业务培训 (R2.13)

Boundary (REQUIREMENTS §4): these records serve resolving grievances and the officials' duties. Nothing here
records where anyone is or goes, and nothing is meant to stop a person from petitioning.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q

from xinfang.core.scope import ScopedQuerySet, scope_paths, shared_ids
from xinfang.orgs.models import Level

VIEW_PERM = "screening.view"
REPORT_PERM = "screening.report"
WARN_PERM = "screening.warning.raise"
DECLARE_PERM = "screening.period.declare"
INSPECT_PERM = "screening.inspection.manage"
TRAIN_PERM = "screening.training.manage"
SETTINGS_PERM = "core.settings.manage"

# The levels that file periodic screening reports (seed 三(二): 大队每周、支队每月、总队每季度).
REPORTING_LEVELS: tuple[str, ...] = (Level.CORPS, Level.DETACHMENT, Level.BRIGADE)


# ---------------------------------------------------------------------------------------------------
# Choices


class PeriodKind(models.TextChoices):
    WEEK = "week", "周"
    MONTH = "month", "月"
    QUARTER = "quarter", "季度"
    DAY = "day", "日（特殊时期）"


class DueAnchor(models.TextChoices):
    START = "start", "周期首日"
    END = "end", "周期末日"


class CadenceKey(models.TextChoices):
    CORPS = "corps", "总队"
    DETACHMENT = "detachment", "支队"
    BRIGADE = "brigade", "大队"
    SPECIAL = "special", "特殊时期每日报告"


class RiskLevel(models.TextChoices):
    GENERAL = "general", "一般"
    SERIOUS = "serious", "较大"
    MAJOR = "major", "重大"


class ConflictStatus(models.TextChoices):
    PENDING = "pending", "未化解"
    RESOLVING = "resolving", "化解中"
    RESOLVED = "resolved", "已化解"


class ReportState(models.TextChoices):
    SUBMITTED = "submitted", "按时报送"
    LATE = "late", "逾期报送"
    MISSING = "missing", "未报送（已逾期）"
    NOT_DUE = "not_due", "待报送（未到期）"


class SpecialPeriodKind(models.TextChoices):
    FESTIVAL = "festival", "重大节日"
    EVENT = "event", "重要活动"
    SENSITIVE = "sensitive", "敏感时期"


class WarningRisk(models.TextChoices):
    COLLECTIVE = "collective", "可能引发集体上访"
    MASS = "mass", "可能引发群体性事件"


class WarningStage(models.TextChoices):
    DISCOVERED = "discovered", "早发现"
    REPORTED = "reported", "早报告"
    CONTROLLED = "controlled", "早控制"
    RESOLVED = "resolved", "早解决"


# ---------------------------------------------------------------------------------------------------
# Rules as data


class Cadence(models.Model):
    """One reporting rule: the period a level reports for and when the report is due.

    due_on = (period_start if anchor is "start" else period_end) + offset_days, moved to the next working day
    when `shift_to_workday` and that day is a rest day (legal calendar). Rows override the built-in defaults
    (periods.DEFAULT_RULES); a missing row means the default applies."""

    key = models.CharField("适用", max_length=16, choices=CadenceKey.choices, unique=True)
    period = models.CharField("报告周期", max_length=16, choices=PeriodKind.choices)
    anchor = models.CharField("起算", max_length=8, choices=DueAnchor.choices)
    offset_days = models.PositiveSmallIntegerField("起算后天数")
    shift_to_workday = models.BooleanField("遇节假日顺延至工作日", default=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "排查报告周期"
        verbose_name_plural = "排查报告周期"

    def __str__(self) -> str:
        return f"{self.get_key_display()}：{self.get_period_display()}"


class ScreeningSettings(models.Model):
    """Single row (pk=1) of further parameters; absent → defaults (periods.DEFAULT_ACK_HOURS)."""

    warning_ack_hours = models.PositiveSmallIntegerField("预警签收时限（小时）")
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "排查预警参数"
        verbose_name_plural = "排查预警参数"

    def __str__(self) -> str:
        return f"预警签收时限{self.warning_ack_hours}小时"


# ---------------------------------------------------------------------------------------------------
# Conflict ledger (R3.4)


class ScopedByUnit(ScopedQuerySet[Any]):
    scope_path_lookup = "unit__path"
    view_perm = VIEW_PERM


class Conflict(models.Model):
    """矛盾纠纷/不稳定因素台账: one entry per grievance (逐案逐人逐项建档立账), kept until 已化解.

    Its purpose is resolving the grievance: the matter, the people concerned (petitioners of linked cases),
    the responsible leader, the measures and their dated progress. It records nothing about movements."""

    unit = models.ForeignKey("orgs.Unit", verbose_name="责任单位", on_delete=models.PROTECT, related_name="conflicts")
    title = models.CharField("矛盾纠纷事项", max_length=200)
    description = models.TextField("基本情况")
    topic = models.ForeignKey("cases.Topic", verbose_name="类别", on_delete=models.PROTECT, related_name="+")
    risk_level = models.CharField("风险等级", max_length=16, choices=RiskLevel.choices)
    collective_risk = models.BooleanField("可能引发集体访", default=False)
    headcount = models.PositiveIntegerField("涉及人数", default=1)
    cases = models.ManyToManyField("cases.Case", verbose_name="关联信访事项", blank=True, related_name="conflicts")
    petitioners = models.ManyToManyField(
        "cases.Petitioner", verbose_name="涉及信访人", blank=True, related_name="conflicts"
    )
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="责任领导", on_delete=models.PROTECT, related_name="led_conflicts"
    )
    measures = models.TextField("化解措施")
    status = models.CharField("状态", max_length=16, choices=ConflictStatus.choices, default=ConflictStatus.PENDING)
    found_on = models.DateField("发现日期")
    resolved_on = models.DateField("化解日期", null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = ScopedByUnit.as_manager()

    class Meta:
        ordering = ["-found_on", "-id"]
        verbose_name = "矛盾纠纷"
        verbose_name_plural = "矛盾纠纷台账"
        indexes = [models.Index(fields=["unit", "status"]), models.Index(fields=["risk_level", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="resolved", resolved_on__isnull=False) | (~Q(status="resolved")),
                name="screening_conflict_resolved_on",
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def scope_unit(self) -> Any:
        return self.unit

    @property
    def is_resolved(self) -> bool:
        return self.status == ConflictStatus.RESOLVED


class ConflictProgress(models.Model):
    """A dated step of the resolution work."""

    conflict = models.ForeignKey(Conflict, on_delete=models.CASCADE, related_name="progress")
    on = models.DateField("日期")
    note = models.TextField("进展情况")
    status_after = models.CharField("状态", max_length=16, choices=ConflictStatus.choices)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["on", "id"]
        verbose_name = "化解进展"
        verbose_name_plural = "化解进展"

    def __str__(self) -> str:
        return f"{self.on} {self.note[:20]}"


# ---------------------------------------------------------------------------------------------------
# Screening reports (R3.2)


class ScreeningReport(models.Model):
    """One unit's report for one period: the conflicts found (items), or an explicit 零报告. Immutable once filed.

    `due_on` and `is_late` are fixed when filing (the rule in force then); `rollup` is the frozen roll-up of the
    lower units' reports for the period as it stood when this report was filed (逐级汇总上报)."""

    unit = models.ForeignKey(
        "orgs.Unit", verbose_name="报告单位", on_delete=models.PROTECT, related_name="screening_reports"
    )
    period = models.CharField("报告周期", max_length=16, choices=PeriodKind.choices)
    period_start = models.DateField("周期起")
    period_end = models.DateField("周期止")
    due_on = models.DateField("报送期限")
    is_zero = models.BooleanField("零报告", default=False)
    summary = models.TextField("排查情况", blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="填报人", on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField("报送时间")
    submitted_on = models.DateField("报送日期")
    is_late = models.BooleanField("逾期", default=False)
    rollup = models.JSONField("下级汇总（报送时）", default=dict, blank=True)

    objects = ScopedByUnit.as_manager()

    class Meta:
        ordering = ["-period_start", "unit__path", "period"]
        verbose_name = "排查报告"
        verbose_name_plural = "排查报告"
        indexes = [models.Index(fields=["period", "period_start"])]
        constraints = [
            models.UniqueConstraint(fields=["unit", "period", "period_start"], name="screening_report_unique"),
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")), name="screening_report_dates"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit} {self.period_start}{self.get_period_display()}排查报告"

    @property
    def scope_unit(self) -> Any:
        return self.unit

    @property
    def state(self) -> str:
        return ReportState.LATE if self.is_late else ReportState.SUBMITTED


class ScreeningItem(models.Model):
    """A conflict listed in a report, with its risk, category and status as they stood when it was reported."""

    report = models.ForeignKey(ScreeningReport, on_delete=models.CASCADE, related_name="items")
    conflict = models.ForeignKey(Conflict, on_delete=models.PROTECT, related_name="report_items")
    is_new = models.BooleanField("新发现", default=False)
    risk_level = models.CharField("风险等级", max_length=16, choices=RiskLevel.choices)
    topic = models.ForeignKey("cases.Topic", verbose_name="类别", on_delete=models.PROTECT, related_name="+")
    status = models.CharField("状态", max_length=16, choices=ConflictStatus.choices)
    collective_risk = models.BooleanField("可能引发集体访", default=False)

    class Meta:
        ordering = ["id"]
        verbose_name = "排查发现"
        verbose_name_plural = "排查发现"
        constraints = [models.UniqueConstraint(fields=["report", "conflict"], name="screening_item_unique")]

    def __str__(self) -> str:
        return f"{self.report_id}:{self.conflict_id}"


# ---------------------------------------------------------------------------------------------------
# Special periods (R3.3)


class SpecialPeriodQuerySet(ScopedQuerySet["SpecialPeriod"]):
    """Visible: periods declared in the user's scope, and periods declared above it that cover part of it."""

    scope_path_lookup = "unit__path"
    view_perm = VIEW_PERM

    def visible_to(self, user: Any, perm: str | None = None) -> SpecialPeriodQuerySet:
        paths = scope_paths(user, perm or self.view_perm)
        condition = Q(pk__in=[])
        scope_link = SpecialPeriod.scope_units.through.objects.filter(specialperiod_id=OuterRef("pk"))
        for p in paths:
            ids = [x for x in p.strip("/").split("/") if x]
            ancestors = [int(x) for x in ids[:-1]]
            prefixes = ["/" + "/".join(ids[: i + 1]) + "/" for i in range(len(ids))]
            covers = ~Q(Exists(scope_link)) | Q(
                Exists(scope_link.filter(Q(unit__path__in=prefixes) | Q(unit__path__startswith=p)))
            )
            condition |= Q(unit__path__startswith=p) | (Q(unit_id__in=ancestors) & covers)
        shared = shared_ids(user, SpecialPeriod)
        if shared:
            condition |= Q(pk__in=shared)
        return self.filter(condition)

    def active_on(self, day: Any) -> SpecialPeriodQuerySet:
        return self.filter(cancelled_at__isnull=True, start_on__lte=day, end_on__gte=day)

    def overlapping(self, start: Any, end: Any) -> SpecialPeriodQuerySet:
        return self.filter(cancelled_at__isnull=True, start_on__lte=end, end_on__gte=start)


class SpecialPeriod(models.Model):
    """重大节日、重要活动、敏感时期: every reporting unit in scope files a daily report (零报告 allowed) and keeps a
    24-hour duty roster while it lasts. Scope: the declaring unit's subtree, or the subtrees of `scope_units`."""

    unit = models.ForeignKey(
        "orgs.Unit", verbose_name="宣布单位", on_delete=models.PROTECT, related_name="special_periods"
    )
    name = models.CharField("名称", max_length=100)
    kind = models.CharField("类型", max_length=16, choices=SpecialPeriodKind.choices)
    start_on = models.DateField("开始日期")
    end_on = models.DateField("结束日期")
    scope_units = models.ManyToManyField(
        "orgs.Unit", verbose_name="范围（空为本单位全辖区）", blank=True, related_name="+"
    )
    holiday_key = models.CharField("节日代码", max_length=40, blank=True, help_text="由节假日建议一键宣布时填写")
    note = models.TextField("工作要求", blank=True)
    declared_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    declared_at = models.DateTimeField(auto_now_add=True)
    cancelled_at = models.DateTimeField("撤销时间", null=True, blank=True)
    cancel_reason = models.CharField("撤销原因", max_length=200, blank=True)

    objects = SpecialPeriodQuerySet.as_manager()

    class Meta:
        ordering = ["-start_on", "-id"]
        verbose_name = "特殊时期"
        verbose_name_plural = "特殊时期"
        constraints = [
            models.CheckConstraint(condition=Q(end_on__gte=models.F("start_on")), name="screening_period_dates")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def scope_unit(self) -> Any:
        return self.unit

    def is_active_on(self, day: Any) -> bool:
        return self.cancelled_at is None and self.start_on <= day <= self.end_on

    def covers_path(self, path: str, scope_paths: list[str]) -> bool:
        """Does the period cover the unit at `path`? `scope_paths`: its scope units' paths (prefetched)."""
        if not path.startswith(self.unit.path):
            return False
        return not scope_paths or any(path.startswith(p) for p in scope_paths)


class DutyShift(models.Model):
    """One shift of a unit's 24-hour 值班表 during a special period: who is on duty and the contact number."""

    special_period = models.ForeignKey(
        SpecialPeriod, verbose_name="特殊时期", on_delete=models.PROTECT, related_name="shifts"
    )
    unit = models.ForeignKey("orgs.Unit", verbose_name="值班单位", on_delete=models.PROTECT, related_name="duty_shifts")
    starts_at = models.DateTimeField("开始时间")
    ends_at = models.DateTimeField("结束时间")
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="值班人员", on_delete=models.PROTECT, related_name="duty_shifts"
    )
    phone = models.CharField("值班电话", max_length=30)
    note = models.CharField("备注", max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedByUnit.as_manager()

    class Meta:
        ordering = ["starts_at", "unit__path", "id"]
        verbose_name = "值班"
        verbose_name_plural = "值班表"
        indexes = [models.Index(fields=["unit", "starts_at"])]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="screening_shift_dates")
        ]

    def __str__(self) -> str:
        return f"{self.unit} {self.starts_at:%Y-%m-%d %H:%M} {self.officer}"

    @property
    def scope_unit(self) -> Any:
        return self.unit


# ---------------------------------------------------------------------------------------------------
# Early warning (R3.1)


class EarlyWarning(models.Model):
    """预警信息: a risk of a collective petition or a mass incident, raised by any unit and reported upward level by
    level. The lifecycle 早发现 → 早报告 → 早控制 → 早解决 keeps a timestamp per step."""

    unit = models.ForeignKey("orgs.Unit", verbose_name="发现单位", on_delete=models.PROTECT, related_name="warnings")
    title = models.CharField("预警事项", max_length=200)
    description = models.TextField("基本情况")
    risk = models.CharField("风险类型", max_length=16, choices=WarningRisk.choices)
    headcount = models.PositiveIntegerField("预计涉及人数", null=True, blank=True)
    conflict = models.ForeignKey(
        Conflict, verbose_name="关联矛盾纠纷", null=True, blank=True, on_delete=models.PROTECT, related_name="warnings"
    )
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="报告人", on_delete=models.PROTECT, related_name="+"
    )
    discovered_at = models.DateTimeField("发现时间")
    reported_at = models.DateTimeField("报告时间", null=True, blank=True)
    controlled_at = models.DateTimeField("控制时间", null=True, blank=True)
    control_note = models.TextField("控制措施", blank=True)
    resolved_at = models.DateTimeField("解决时间", null=True, blank=True)
    resolve_note = models.TextField("解决情况", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedByUnit.as_manager()

    class Meta:
        ordering = ["-discovered_at", "-id"]
        verbose_name = "预警信息"
        verbose_name_plural = "预警信息"

    def __str__(self) -> str:
        return self.title

    @property
    def scope_unit(self) -> Any:
        return self.unit

    @property
    def stage(self) -> str:
        if self.resolved_at:
            return WarningStage.RESOLVED
        if self.controlled_at:
            return WarningStage.CONTROLLED
        if self.reported_at:
            return WarningStage.REPORTED
        return WarningStage.DISCOVERED

    def get_stage_display(self) -> str:
        return WarningStage(self.stage).label


class WarningHop(models.Model):
    """One step up the tree: sent by `from_unit` to `to_unit` (its parent), acknowledged by `to_unit` or — after
    escalation, or taking it over — by a unit above it (`ack_unit`)."""

    warning = models.ForeignKey(EarlyWarning, on_delete=models.CASCADE, related_name="hops")
    from_unit = models.ForeignKey("orgs.Unit", verbose_name="报告单位", on_delete=models.PROTECT, related_name="+")
    to_unit = models.ForeignKey("orgs.Unit", verbose_name="接收单位", on_delete=models.PROTECT, related_name="+")
    sent_at = models.DateTimeField("报告时间")
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    acknowledged_at = models.DateTimeField("签收时间", null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    ack_unit = models.ForeignKey(
        "orgs.Unit", verbose_name="签收单位", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    ack_note = models.CharField("签收意见", max_length=200, blank=True)

    class Meta:
        ordering = ["sent_at", "id"]
        verbose_name = "逐级报告"
        verbose_name_plural = "逐级报告"
        indexes = [models.Index(fields=["to_unit", "acknowledged_at"])]

    def __str__(self) -> str:
        return f"{self.from_unit_id}→{self.to_unit_id} {self.sent_at:%Y-%m-%d %H:%M}"


class WarningEscalation(models.Model):
    """An escalation recorded by `manage.py escalate_warnings` (idempotent: one row per hop and level). Pages and
    the API compute escalation from the timestamps; these rows are the record of it (and what reminders use)."""

    hop = models.ForeignKey(WarningHop, on_delete=models.CASCADE, related_name="escalations")
    to_unit = models.ForeignKey("orgs.Unit", verbose_name="升级至", on_delete=models.PROTECT, related_name="+")
    due_at = models.DateTimeField("超时时间")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due_at", "id"]
        verbose_name = "预警升级"
        verbose_name_plural = "预警升级"
        constraints = [models.UniqueConstraint(fields=["hop", "to_unit"], name="screening_escalation_unique")]

    def __str__(self) -> str:
        return f"{self.hop_id}→{self.to_unit_id}"


# ---------------------------------------------------------------------------------------------------
# Inspections and bulletins (R3.5)


class InspectionQuerySet(ScopedQuerySet["Inspection"]):
    """Visible: inspections held by a unit in the user's scope, and those that visited a unit in his scope or gave
    one of its units a rectification item (the inspected see what was found about them)."""

    scope_path_lookup = "unit__path"
    view_perm = VIEW_PERM

    def visible_to(self, user: Any, perm: str | None = None) -> InspectionQuerySet:
        condition = Q(pk__in=[])
        visited = Inspection.units_visited.through.objects.filter(inspection_id=OuterRef("pk"))
        owned = RectificationItem.objects.filter(inspection_id=OuterRef("pk"))
        for p in scope_paths(user, perm or self.view_perm):
            condition |= (
                Q(unit__path__startswith=p)
                | Q(Exists(visited.filter(unit__path__startswith=p)))
                | Q(Exists(owned.filter(owner_unit__path__startswith=p)))
            )
        shared = shared_ids(user, Inspection)
        if shared:
            condition |= Q(pk__in=shared)
        return self.filter(condition)


class Inspection(models.Model):
    """督查 by a 支队's leading group (quarterly): units visited, findings, problems, rectification items."""

    unit = models.ForeignKey("orgs.Unit", verbose_name="督查单位", on_delete=models.PROTECT, related_name="inspections")
    on = models.DateField("督查日期")
    inspectors = models.CharField("督查组成员", max_length=200)
    units_visited = models.ManyToManyField("orgs.Unit", verbose_name="被督查单位", related_name="+")
    findings = models.TextField("督查情况")
    problems = models.TextField("存在问题", blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    closed_on = models.DateField("整改完毕日期", null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = InspectionQuerySet.as_manager()

    class Meta:
        ordering = ["-on", "-id"]
        verbose_name = "督查"
        verbose_name_plural = "督查"

    def __str__(self) -> str:
        return f"{self.unit} {self.on}督查"

    @property
    def scope_unit(self) -> Any:
        return self.unit


class RectificationItem(models.Model):
    """限期整改 item of an inspection: what, which unit and person own it, by when, and its closure."""

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="items")
    description = models.TextField("整改事项")
    owner_unit = models.ForeignKey("orgs.Unit", verbose_name="责任单位", on_delete=models.PROTECT, related_name="+")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="责任人", on_delete=models.PROTECT, related_name="rectification_items"
    )
    deadline = models.DateField("整改期限")
    closed_on = models.DateField("整改完成日期", null=True, blank=True)
    closure_note = models.TextField("整改情况", blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["deadline", "id"]
        verbose_name = "整改事项"
        verbose_name_plural = "整改事项"

    def __str__(self) -> str:
        return self.description[:30]


class BulletinQuerySet(ScopedQuerySet["Bulletin"]):
    """A 通报 is addressed to the issuing unit's whole area: visible to the units in scope of the user and to those
    below the issuing unit (bulletins issued above him)."""

    scope_path_lookup = "unit__path"
    view_perm = VIEW_PERM

    def visible_to(self, user: Any, perm: str | None = None) -> BulletinQuerySet:
        condition = Q(pk__in=[])
        for p in scope_paths(user, perm or self.view_perm):
            ancestors = [int(x) for x in p.strip("/").split("/") if x][:-1]
            condition |= Q(unit__path__startswith=p) | Q(unit_id__in=ancestors)
        shared = shared_ids(user, Bulletin)
        if shared:
            condition |= Q(pk__in=shared)
        return self.filter(condition)


class Bulletin(models.Model):
    """通报 of a period's screening work, generated as DOCX/PDF through the documents engine; `stats` is the
    frozen set of figures the document was written from."""

    unit = models.ForeignKey("orgs.Unit", verbose_name="通报单位", on_delete=models.PROTECT, related_name="bulletins")
    period = models.CharField("通报周期", max_length=16, choices=PeriodKind.choices)
    period_start = models.DateField("周期起")
    period_end = models.DateField("周期止")
    title = models.CharField("标题", max_length=200)
    remarks = models.TextField("工作要求", blank=True)
    stats = models.JSONField("通报数据", default=dict)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = BulletinQuerySet.as_manager()

    class Meta:
        ordering = ["-period_start", "-id"]
        verbose_name = "通报"
        verbose_name_plural = "通报"

    def __str__(self) -> str:
        return self.title

    @property
    def scope_unit(self) -> Any:
        return self.unit


# ---------------------------------------------------------------------------------------------------
# Training (R2.13)


class TrainingQuerySet(ScopedQuerySet["Training"]):
    """Visible: trainings held by a unit in the user's scope, and those attended by people of his scope."""

    scope_path_lookup = "unit__path"
    view_perm = VIEW_PERM

    def visible_to(self, user: Any, perm: str | None = None) -> TrainingQuerySet:
        condition = Q(pk__in=[])
        attended = Training.trainees.through.objects.filter(training_id=OuterRef("pk"))
        for p in scope_paths(user, perm or self.view_perm):
            condition |= Q(unit__path__startswith=p) | Q(Exists(attended.filter(user__unit__path__startswith=p)))
        shared = shared_ids(user, Training)
        if shared:
            condition |= Q(pk__in=shared)
        return self.filter(condition)


class Training(models.Model):
    """信访业务培训 held by a 总队 or 支队 (seed 二(三)), with the officers who attended."""

    unit = models.ForeignKey("orgs.Unit", verbose_name="举办单位", on_delete=models.PROTECT, related_name="trainings")
    on = models.DateField("培训日期")
    topic = models.CharField("培训主题", max_length=200)
    hours = models.DecimalField("学时", max_digits=5, decimal_places=1)
    location = models.CharField("地点", max_length=100, blank=True)
    trainees = models.ManyToManyField(settings.AUTH_USER_MODEL, verbose_name="参训人员", related_name="trainings")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TrainingQuerySet.as_manager()

    class Meta:
        ordering = ["-on", "-id"]
        verbose_name = "培训"
        verbose_name_plural = "培训"
        constraints = [models.CheckConstraint(condition=Q(hours__gt=0), name="screening_training_hours")]

    def __str__(self) -> str:
        return f"{self.on} {self.topic}"

    @property
    def scope_unit(self) -> Any:
        return self.unit
