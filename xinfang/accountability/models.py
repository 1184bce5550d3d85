"""Accountability — seed 五, REQUIREMENTS R5.1–R5.4.

Reading order: AssessmentScheme (the scoring scheme as data, versioned per year) and ScoreAdjustment (a manual
adjustment with its reason) — the indicators themselves are computed from the records in indicators.py, never
stored; ReviewCheck with its six ReviewCheckItem rows (复查复核核查) and the Lookback (倒查) a failed standard opens;
AccountabilityAction (约谈、通报、挂牌督办、责令限期整改、追责) with its Rectification reports; Recommendation and
AnnualReport (条例 Art 41).
"""

from __future__ import annotations

import datetime
import secrets
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q

from xinfang.core.scope import ScopedQuerySet

VIEW_PERM = "accountability.view"
ASSESS_PERM = "accountability.assess"
CHECK_PERM = "accountability.check"
GUIDE_PERM = "cases.case.guide"
ISSUE_PERM = "accountability.action.issue"
RECTIFY_PERM = "accountability.rectify"
SETTINGS_PERM = "core.settings.manage"


# ---------------------------------------------------------------------------------------------------
# The assessment (R5.1)


class AssessmentScheme(models.Model):
    """One version of the scoring scheme for one year. Rows are never edited: a change is a new version.

    `data` = {"items": [{"indicator", "weight"}], "deductions": [{"indicator", "points", "cap"}], "max_score"};
    see scoring.py for its meaning and validation."""

    year = models.PositiveSmallIntegerField("考核年度")
    version = models.PositiveIntegerField("版本")
    name = models.CharField("方案名称", max_length=100)
    data = models.JSONField("评分规则")
    note = models.TextField("修订说明", blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-year", "-version"]
        verbose_name = "考核评分方案"
        verbose_name_plural = "考核评分方案"
        constraints = [models.UniqueConstraint(fields=["year", "version"], name="accountability_scheme_year_version")]

    def __str__(self) -> str:
        return f"{self.year}年度 第{self.version}版 {self.name}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise PermissionError("考核方案不可修改，请新建版本")
        super().save(*args, **kwargs)


class AdjustmentQuerySet(ScopedQuerySet["ScoreAdjustment"]):
    scope_path_lookup = "unit__path"
    view_perm = VIEW_PERM


class ScoreAdjustment(models.Model):
    """A manual adjustment of a unit's score for a year (加分/减分), with its reason; made by the level above."""

    year = models.PositiveSmallIntegerField("考核年度")
    unit = models.ForeignKey("orgs.Unit", verbose_name="被考核单位", on_delete=models.PROTECT, related_name="+")
    points = models.DecimalField("调整分值", max_digits=6, decimal_places=2)
    reason = models.TextField("调整理由")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = AdjustmentQuerySet.as_manager()

    class Meta:
        ordering = ["year", "unit__path", "id"]
        verbose_name = "考核分值调整"
        verbose_name_plural = "考核分值调整"
        indexes = [models.Index(fields=["year", "unit"])]

    def __str__(self) -> str:
        return f"{self.year} {self.unit_id} {self.points:+}"

    @property
    def scope_unit(self) -> Any:
        return self.unit


# ---------------------------------------------------------------------------------------------------
# Review check and lookback (R5.2)


class Standard(models.TextChoices):
    """Seed 五(二): the six standards every 复查/复核 case is checked against."""

    FACTS = "facts", "事实清楚"
    BASIS = "basis", "依据充分"
    CHARACTERISATION = "characterisation", "定性准确"
    HANDLING = "handling", "处理恰当"
    PROCEDURE = "procedure", "程序规范"
    FORMALITIES = "formalities", "手续完备"


def _visible_cases(user: Any) -> Any:
    from xinfang.cases.models import Case

    return Case.objects.visible_to(user).values("pk")


class CheckQuerySet(ScopedQuerySet["ReviewCheck"]):
    """Scoped by the unit whose handling was checked (its subtree and the units above), and only where the user may
    see the checked case (scope and Art 30 confidentiality)."""

    scope_path_lookup = "subject_unit__path"
    view_perm = VIEW_PERM

    def visible_to(self, user: Any, perm: str | None = None) -> CheckQuerySet:
        # The checked handling is the parent case (the review copies its category and accused unit, Art 30).
        return super().visible_to(user, perm).filter(case__parent_case__in=_visible_cases(user))


class ReviewCheck(models.Model):
    """复查复核核查: the check of a 复查/复核 case (the request against an earlier opinion) by the 总队/支队 department,
    against the six standards, of the handling under review (the parent case at `subject_unit`)."""

    case = models.OneToOneField(
        "cases.Case", verbose_name="复查/复核事项", on_delete=models.PROTECT, related_name="review_check"
    )
    subject_unit = models.ForeignKey(
        "orgs.Unit", verbose_name="被核查单位（原办理单位）", on_delete=models.PROTECT, related_name="+"
    )
    checked_on = models.DateField("核查日期")
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="核查人", on_delete=models.PROTECT, related_name="+"
    )
    passed = models.BooleanField("全部达标")
    note = models.TextField("核查意见", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CheckQuerySet.as_manager()

    class Meta:
        ordering = ["-checked_on", "-id"]
        verbose_name = "复查复核核查"
        verbose_name_plural = "复查复核核查"

    def __str__(self) -> str:
        return f"核查 {self.case_id}"

    @property
    def scope_unit(self) -> Any:
        return self.subject_unit


class ReviewCheckItem(models.Model):
    review_check = models.ForeignKey(ReviewCheck, on_delete=models.CASCADE, related_name="items")
    standard = models.CharField("标准", max_length=20, choices=Standard.choices)
    passed = models.BooleanField("达标")
    note = models.TextField("说明", blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = "核查标准"
        verbose_name_plural = "核查标准"
        constraints = [
            models.UniqueConstraint(fields=["review_check", "standard"], name="accountability_check_standard")
        ]

    def __str__(self) -> str:
        return f"{self.get_standard_display()} {'达标' if self.passed else '不达标'}"


class LookbackStatus(models.TextChoices):
    OPEN = "open", "待倒查"
    PROPOSED = "proposed", "已提出处理意见"
    DECIDED = "decided", "已作出决定"


class LookbackQuerySet(ScopedQuerySet["Lookback"]):
    scope_path_lookup = "unit__path"
    view_perm = VIEW_PERM

    def visible_to(self, user: Any, perm: str | None = None) -> LookbackQuerySet:
        return super().visible_to(user, perm).filter(case__in=_visible_cases(user))


class Lookback(models.Model):
    """倒查: opened by a failed standard; names the persons responsible for the original handling, the findings, the
    proposed handling, and the decision."""

    review_check = models.OneToOneField(
        ReviewCheck, verbose_name="核查", on_delete=models.PROTECT, related_name="lookback"
    )
    case = models.ForeignKey("cases.Case", verbose_name="被倒查的信访事项", on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey("orgs.Unit", verbose_name="被倒查单位", on_delete=models.PROTECT, related_name="+")
    status = models.CharField("状态", max_length=16, choices=LookbackStatus.choices, default=LookbackStatus.OPEN)
    responsible_persons = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name="相关责任人", blank=True, related_name="+"
    )
    responsible_others = models.CharField("其他责任人（系统外）", max_length=200, blank=True)
    findings = models.TextField("倒查发现", blank=True)
    proposed_handling = models.TextField("处理意见", blank=True)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    proposed_on = models.DateField("提出日期", null=True, blank=True)
    decision = models.TextField("处理决定", blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_on = models.DateField("决定日期", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = LookbackQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "倒查"
        verbose_name_plural = "倒查"

    def __str__(self) -> str:
        return f"倒查 {self.case_id}"

    @property
    def scope_unit(self) -> Any:
        return self.unit


# ---------------------------------------------------------------------------------------------------
# Accountability actions (R5.3)


class ActionKind(models.TextChoices):
    ADMONITION = "admonition", "约谈"
    BULLETIN = "bulletin", "通报"
    SUPERVISION = "supervision", "挂牌督办"
    RECTIFICATION = "rectification", "责令限期整改"
    PURSUIT = "pursuit", "追责"


# Kinds that set a deadline (约谈: the day of the talk; the others: the rectification deadline).
DEADLINE_KINDS = frozenset({ActionKind.ADMONITION, ActionKind.SUPERVISION, ActionKind.RECTIFICATION})
# Kinds that close only after a rectification report.
REPORT_REQUIRED_KINDS = frozenset({ActionKind.SUPERVISION, ActionKind.RECTIFICATION})


class ActionStatus(models.TextChoices):
    ISSUED = "issued", "已下达"
    REPORTED = "reported", "已报送整改情况"
    CLOSED = "closed", "已办结"


class ActionQuerySet(ScopedQuerySet["AccountabilityAction"]):
    scope_path_lookup = "target_unit__path"
    view_perm = VIEW_PERM

    def overdue(self, today: datetime.date) -> ActionQuerySet:
        """Rectification overdue: a deadline passed, not closed, and no report made on or before the deadline."""
        on_time = Rectification.objects.filter(
            action=models.OuterRef("pk"), reported_on__lte=models.OuterRef("deadline")
        )
        return self.filter(deadline__lt=today).exclude(status=ActionStatus.CLOSED).exclude(models.Exists(on_time))


class AccountabilityAction(models.Model):
    """约谈、通报、挂牌督办、责令限期整改、追责 against a unit (or a person in it), issued by the 总队 leading group."""

    kind = models.CharField("问责方式", max_length=16, choices=ActionKind.choices)
    target_unit = models.ForeignKey("orgs.Unit", verbose_name="问责单位", on_delete=models.PROTECT, related_name="+")
    target_person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="问责人员",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    issuing_unit = models.ForeignKey("orgs.Unit", verbose_name="下达单位", on_delete=models.PROTECT, related_name="+")
    reason = models.TextField("事由")
    cases = models.ManyToManyField("cases.Case", verbose_name="关联信访事项", blank=True, related_name="+")
    incidents = models.ManyToManyField("incidents.Incident", verbose_name="关联事件", blank=True, related_name="+")
    lookbacks = models.ManyToManyField(Lookback, verbose_name="关联倒查", blank=True, related_name="actions")
    requirements = models.TextField("整改要求", blank=True)
    deadline = models.DateField("期限", null=True, blank=True)
    issued_on = models.DateField("下达日期")
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField("状态", max_length=16, choices=ActionStatus.choices, default=ActionStatus.ISSUED)
    closed_on = models.DateField("办结日期", null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closing_note = models.TextField("办结意见", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = ActionQuerySet.as_manager()

    class Meta:
        ordering = ["-issued_on", "-id"]
        verbose_name = "问责"
        verbose_name_plural = "问责"
        indexes = [models.Index(fields=["status", "deadline"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(deadline__isnull=True) | Q(deadline__gt=models.F("issued_on")),
                name="accountability_action_deadline_after_issue",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.target_unit_id} {self.issued_on}"

    @property
    def scope_unit(self) -> Any:
        return self.target_unit

    def is_overdue(self, today: datetime.date) -> bool:
        if self.deadline is None or self.status == ActionStatus.CLOSED or today <= self.deadline:
            return False
        reports = self.__dict__.get("_prefetched_objects_cache", {}).get("rectifications")
        if reports is None:
            reports = list(self.rectifications.all())
        return not any(r.reported_on <= self.deadline for r in reports)


class Rectification(models.Model):
    """A rectification report (整改情况报告) by the unit held to account."""

    action = models.ForeignKey(AccountabilityAction, on_delete=models.CASCADE, related_name="rectifications")
    report = models.TextField("整改情况")
    reported_on = models.DateField("报送日期")
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["reported_on", "id"]
        verbose_name = "整改情况报告"
        verbose_name_plural = "整改情况报告"

    def __str__(self) -> str:
        return f"{self.action_id} {self.reported_on}"


# ---------------------------------------------------------------------------------------------------
# Recommendations and the annual report (R5.4, 条例 Art 41)


class RecommendationStatus(models.TextChoices):
    PENDING = "pending", "待采纳"
    ADOPTED = "adopted", "已采纳"
    PARTLY = "partly", "部分采纳"
    REJECTED = "rejected", "未采纳"


class RecommendationQuerySet(ScopedQuerySet["Recommendation"]):
    scope_path_lookup = "unit__path"
    view_perm = VIEW_PERM


class Recommendation(models.Model):
    """A recommendation for improving work or policy drawn from the year's petitions, and whether it was adopted."""

    unit = models.ForeignKey("orgs.Unit", verbose_name="提出单位", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField("年度")
    title = models.CharField("建议事项", max_length=200)
    content = models.TextField("建议内容")
    addressed_to = models.CharField("建议对象", max_length=100)
    made_on = models.DateField("提出日期")
    status = models.CharField(
        "采纳情况", max_length=16, choices=RecommendationStatus.choices, default=RecommendationStatus.PENDING
    )
    response = models.TextField("采纳/落实情况", blank=True)
    responded_on = models.DateField("反馈日期", null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RecommendationQuerySet.as_manager()

    class Meta:
        ordering = ["-year", "-made_on", "-id"]
        verbose_name = "工作建议"
        verbose_name_plural = "工作建议"

    def __str__(self) -> str:
        return self.title

    @property
    def scope_unit(self) -> Any:
        return self.unit


def report_path(instance: AnnualReport, filename: str) -> str:
    return f"accountability/reports/{instance.year}/{secrets.token_hex(16)}.docx"


class ReportQuerySet(ScopedQuerySet["AnnualReport"]):
    scope_path_lookup = "unit__path"
    view_perm = VIEW_PERM


class AnnualReport(models.Model):
    """One generated version of a unit's annual petition-work report: the frozen statistics (`context`) and the DOCX
    rendered from them, with its sha256. Never changed: regenerating makes version n+1."""

    unit = models.ForeignKey("orgs.Unit", verbose_name="单位", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField("年度")
    version = models.PositiveIntegerField("版本")
    context = models.JSONField("统计快照")
    file = models.FileField("DOCX文件", upload_to=report_path, max_length=200)
    sha256 = models.CharField(max_length=64)
    generated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    generated_at = models.DateTimeField(auto_now_add=True)

    objects = ReportQuerySet.as_manager()

    class Meta:
        ordering = ["-year", "-version"]
        verbose_name = "年度信访工作报告"
        verbose_name_plural = "年度信访工作报告"
        constraints = [
            models.UniqueConstraint(fields=["unit", "year", "version"], name="accountability_report_version")
        ]

    def __str__(self) -> str:
        return f"{self.year}年度信访工作报告（第{self.version}版）"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise PermissionError("已生成的报告不可修改，请重新生成新版本")
        super().save(*args, **kwargs)

    @property
    def scope_unit(self) -> Any:
        return self.unit


# ---------------------------------------------------------------------------------------------------
# The indicator tally (a cache of the case indicators' counts per handling unit; see tally.py)


class IndicatorTally(models.Model):
    """The counts of one batch (indicators.figures_of, the dashboard's case counts) of the records of ONE unit
    (not its subtree) for one period (year, as of a day), computed by the definitions themselves, valid while the
    unit's TallyVersion is still `version`; or (version 0, `fingerprint` set) a roll-up of such counts over
    subtrees, valid while every unit in them has the version and path in `fingerprint` (tally.py)."""

    unit = models.ForeignKey("orgs.Unit", on_delete=models.DO_NOTHING, related_name="+", db_constraint=False)
    batch = models.CharField(max_length=100)
    year = models.PositiveSmallIntegerField()
    as_of = models.DateField()
    version = models.BigIntegerField()
    counts = models.JSONField(default=dict)
    fingerprint = models.TextField(blank=True)  # a roll-up row: the units and versions it was summed from

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["batch", "year", "as_of", "unit", "version"], name="accountability_tally_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.batch} {self.year} @{self.as_of} unit {self.unit_id} v{self.version}"


class TallyVersion(models.Model):
    """Bumped by database triggers (PostgreSQL; migration 0002) in the transaction of every change to a case,
    opinion or evaluation that can move a figure of the unit (the handling unit, and the unit of the parent case
    of a 复查/复核). No row = version 0."""

    unit = models.OneToOneField(
        "orgs.Unit", on_delete=models.DO_NOTHING, primary_key=True, related_name="+", db_constraint=False
    )
    version = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"unit {self.unit_id} v{self.version}"
