"""领导责任 (seed 一, REQUIREMENTS R1.2–R1.5): party-committee meetings, leader reception, leader case ownership
(包案) and listed supervision (挂牌督办).

Reading order: Quota (the yearly and periodic minimums, kept as data), Meeting (党委会研究部署信访工作),
ReceptionDay (the published schedule) and Reception (the 接访台账) with its visitors, Ownership (包案) with its
progress notes, Supervision (挂牌督办) with its progress reports.

Scope: meetings, reception days and receptions belong to a unit (its subtree sees them). Ownerships and supervisions
belong to a case: they are seen from the case's unit and from the owning unit, and never when the case itself is
hidden from the user (条例 Art 30 confidentiality, through `Case.objects.visible_to`).

Boundary (REQUIREMENTS §4): nothing here records where a petitioner is or goes; visitors are recorded only as the
people a leader received, to link the visit to their case.
"""

from __future__ import annotations

import datetime
import secrets
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q

from xinfang.core.fields import EncryptedTextField
from xinfang.core.scope import ScopedQuerySet, scope_paths, shared_ids
from xinfang.orgs.roles import Role

VIEW_PERM = "leadership.view"
RECORD_PERM = "leadership.record"
ASSIGN_PERM = "leadership.ownership.assign"
SUPERVISE_PERM = "leadership.supervision.manage"
SETTINGS_PERM = "core.settings.manage"

# 班子成员: the posts that make a person a unit leader (主官, 分管领导, other members of the leadership).
LEADER_ROLES = (Role.CHIEF, Role.LEADER, Role.MEMBER)


# ---------------------------------------------------------------------------------------------------
# Quotas


class Period(models.TextChoices):
    QUARTER = "quarter", "每季度"
    HALF = "half", "每半年"
    YEAR = "year", "每年"


PERIODS_PER_YEAR = {Period.QUARTER: 4, Period.HALF: 2, Period.YEAR: 1}


class QuotaCode(models.TextChoices):
    MEETING_DETACHMENT = "meeting.detachment", "支队党委会研究部署信访工作"
    MEETING_BRIGADE = "meeting.brigade", "大队党委会研究部署信访工作"
    RECEPTION_CHIEF = "reception.chief", "支队主官接待群众来访"
    RECEPTION_MEMBER = "reception.member", "支队其他班子成员接待群众来访"


# Seed 一(一)(二): 支队 ≥ 2 meetings a year, 大队 ≥ 4; each 支队主官 at least one reception day a quarter; the other
# 支队 班子成员 "定期" — one day a half-year unless the 系统管理员 sets otherwise.
QUOTA_DEFAULTS: dict[str, tuple[int, str]] = {
    QuotaCode.MEETING_DETACHMENT: (2, Period.YEAR),
    QuotaCode.MEETING_BRIGADE: (4, Period.YEAR),
    QuotaCode.RECEPTION_CHIEF: (1, Period.QUARTER),
    QuotaCode.RECEPTION_MEMBER: (1, Period.HALF),
}
MEETING_QUOTAS = (QuotaCode.MEETING_DETACHMENT, QuotaCode.MEETING_BRIGADE)


class Quota(models.Model):
    """A minimum kept as data (edited by holders of core.settings.manage); a missing row means the default."""

    code = models.CharField("项目", max_length=32, unique=True, choices=QuotaCode.choices)
    minimum = models.PositiveSmallIntegerField("最低次数（天数）")
    period = models.CharField("周期", max_length=16, choices=Period.choices)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["code"]
        verbose_name = "领导责任配额"
        verbose_name_plural = "领导责任配额"

    def __str__(self) -> str:
        return f"{self.get_code_display()}：{self.get_period_display()}不少于{self.minimum}"


# ---------------------------------------------------------------------------------------------------
# 党委会研究部署信访工作 (R1.2)


class UnitScopedQuerySet(ScopedQuerySet[Any]):
    scope_path_lookup = "unit__path"
    view_perm = VIEW_PERM


def minutes_path(instance: Meeting, filename: str) -> str:
    # A random name under MEDIA_ROOT (outside the web root); the original name is kept in a column.
    today = datetime.date.today()
    return f"leadership/minutes/{today:%Y/%m}/{secrets.token_hex(16)}"


class Meeting(models.Model):
    """A party-committee meeting that studied and deployed petition work."""

    unit = models.ForeignKey(
        "orgs.Unit", verbose_name="单位", on_delete=models.PROTECT, related_name="leadership_meetings"
    )
    held_on = models.DateField("会议日期")
    topics = models.TextField("研究议题")
    decisions = models.TextField("部署事项和决定")
    attendees = models.CharField("参会人员", max_length=300, blank=True)
    minutes = models.FileField("会议纪要", upload_to=minutes_path, max_length=200, blank=True)
    minutes_name = models.CharField("纪要文件名", max_length=255, blank=True)
    minutes_type = models.CharField(max_length=100, blank=True)
    minutes_size = models.PositiveBigIntegerField(default=0)
    minutes_sha256 = models.CharField(max_length=64, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="记录人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("记录时间", auto_now_add=True)

    objects = UnitScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-held_on", "-id"]
        verbose_name = "党委会研究信访工作"
        verbose_name_plural = "党委会研究信访工作"
        indexes = [models.Index(fields=["unit", "held_on"])]

    def __str__(self) -> str:
        return f"{self.unit} {self.held_on:%Y-%m-%d} 党委会"

    @property
    def scope_unit(self) -> Any:
        return self.unit


# ---------------------------------------------------------------------------------------------------
# 领导接访 (R1.3)


class DayStatus(models.TextChoices):
    PLANNED = "planned", "计划接访"
    HELD = "held", "已接访"
    CANCELLED = "cancelled", "已取消"


class ReceptionDay(models.Model):
    """A planned reception day of one leader (接访日安排). Published days appear on the public side (条例 Art 18)
    with the leader's name and post only."""

    unit = models.ForeignKey(
        "orgs.Unit", verbose_name="单位", on_delete=models.PROTECT, related_name="leadership_reception_days"
    )
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="接访领导", on_delete=models.PROTECT, related_name="reception_days"
    )
    role = models.CharField("岗位", max_length=16, choices=Role.choices)
    planned_on = models.DateField("接访日期")
    time_text = models.CharField("接访时间", max_length=50, blank=True, help_text="如“上午9:00—12:00”")
    place = models.CharField("接访地点", max_length=100, blank=True)
    note = models.CharField("说明", max_length=200, blank=True)
    published = models.BooleanField("向社会公布", default=False)
    status = models.CharField("状态", max_length=16, choices=DayStatus.choices, default=DayStatus.PLANNED)
    held_note = models.TextField("接访情况", blank=True)
    cancel_reason = models.CharField("取消原因", max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = UnitScopedQuerySet.as_manager()

    class Meta:
        ordering = ["planned_on", "unit__path", "id"]
        verbose_name = "领导接访日"
        verbose_name_plural = "领导接访日"
        indexes = [models.Index(fields=["leader", "planned_on"]), models.Index(fields=["published", "planned_on"])]
        constraints = [
            models.UniqueConstraint(
                fields=["leader", "planned_on"],
                condition=~Q(status="cancelled"),
                name="leadership_day_leader_date",
            )
        ]

    def __str__(self) -> str:
        return f"{self.planned_on:%Y-%m-%d} {self.leader}"

    @property
    def scope_unit(self) -> Any:
        return self.unit

    @property
    def post_label(self) -> str:
        return f"{self.unit.name}{self.get_role_display()}"


class Reception(models.Model):
    """One entry of the 接访台账: a leader received visitors on a day about a matter."""

    unit = models.ForeignKey(
        "orgs.Unit", verbose_name="单位", on_delete=models.PROTECT, related_name="leadership_receptions"
    )
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="接访领导", on_delete=models.PROTECT, related_name="receptions"
    )
    role = models.CharField("岗位", max_length=16, choices=Role.choices)
    reception_day = models.ForeignKey(
        ReceptionDay,
        verbose_name="接访日",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="receptions",
    )
    received_on = models.DateField("接访日期")
    matter = models.TextField("反映事项")
    outcome = models.TextField("处理情况", blank=True)
    headcount = models.PositiveSmallIntegerField("来访人数", default=1)
    case = models.ForeignKey(
        "cases.Case",
        verbose_name="信访事项",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="leader_receptions",
    )
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = UnitScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-received_on", "-id"]
        verbose_name = "领导接访记录"
        verbose_name_plural = "领导接访台账"
        indexes = [models.Index(fields=["leader", "received_on"]), models.Index(fields=["unit", "received_on"])]

    def __str__(self) -> str:
        return f"{self.received_on:%Y-%m-%d} {self.leader} 接访"

    @property
    def scope_unit(self) -> Any:
        return self.unit


class ReceptionVisitor(models.Model):
    """A person received: linked to a petitioner of a case, or entered freely. Name and phone encrypted."""

    reception = models.ForeignKey(Reception, on_delete=models.CASCADE, related_name="visitors")
    petitioner = models.ForeignKey(
        "cases.Petitioner",
        verbose_name="信访人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    name = EncryptedTextField("姓名", blank=True)
    phone = EncryptedTextField("联系电话", blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = "来访人"
        verbose_name_plural = "来访人"

    def __str__(self) -> str:
        from xinfang.core.masking import mask_name

        return mask_name(self.name) or "来访人"

    @property
    def scope_unit(self) -> Any:
        return self.reception.unit


# ---------------------------------------------------------------------------------------------------
# Records bound to a case: seen from the case's unit (and the owning/listing unit), never past Art 30.


class CaseBoundQuerySet(ScopedQuerySet[Any]):
    scope_path_lookup = "case__unit__path"
    view_perm = VIEW_PERM
    extra_path_lookups: tuple[str, ...] = ()

    def visible_to(self, user: Any, perm: str | None = None) -> Any:
        from xinfang.cases.models import Case

        perm = perm or self.view_perm
        condition = Q(pk__in=[])
        for p in scope_paths(user, perm):
            condition |= Q(case__unit__path__startswith=p)
            for lookup in self.extra_path_lookups:
                condition |= Q(**{f"{lookup}__startswith": p})
        shared = shared_ids(user, self.model)
        if shared:
            condition |= Q(pk__in=shared)
        return self.filter(condition).filter(case__in=Case.objects.visible_to(user).values("pk"))


class OwnershipQuerySet(CaseBoundQuerySet):
    extra_path_lookups = ("unit__path",)


class Basis(models.TextChoices):
    SUPERVISED = "supervised", "挂牌督办案件"
    MAJOR = "major", "重大疑难信访问题"
    OTHER = "other", "其他信访事项"


class PlanKind(models.TextChoices):
    CASE = "case", "一案一策"
    PERSON = "person", "一人一策"


class OwnershipStatus(models.TextChoices):
    OPEN = "open", "包案中"
    SETTLED = "settled", "已停诉息访"
    UNSETTLED = "unsettled", "包案结束（未息访）"
    HANDED_OVER = "handed_over", "已移交其他领导"


# 三到位一处理 (《信访工作条例》 Art 27; seed 一(三)).
CHECKLIST: tuple[tuple[str, str], ...] = (
    ("resolve", "诉求合理的解决问题到位"),
    ("educate", "诉求无理的思想教育到位"),
    ("assist", "生活困难的帮扶救助到位"),
    ("legal", "行为违法的依法处理"),
)
CHECKLIST_LABELS = dict(CHECKLIST)


def empty_checklist() -> dict[str, dict[str, Any]]:
    return {key: {"applies": False, "done": False, "note": ""} for key, _label in CHECKLIST}


class Ownership(models.Model):
    """领导包案, in writing: the leader, the work team, the tasks, the plan, the deadline, progress until 停诉息访."""

    case = models.ForeignKey("cases.Case", verbose_name="信访事项", on_delete=models.PROTECT, related_name="ownerships")
    unit = models.ForeignKey(
        "orgs.Unit", verbose_name="包案单位", on_delete=models.PROTECT, related_name="leadership_ownerships"
    )
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="包案领导", on_delete=models.PROTECT, related_name="ownerships"
    )
    role = models.CharField("岗位", max_length=16, choices=Role.choices)
    basis = models.CharField("包案依据", max_length=16, choices=Basis.choices, default=Basis.MAJOR)
    plan_kind = models.CharField("化解方式", max_length=16, choices=PlanKind.choices, default=PlanKind.CASE)
    plan = models.TextField("化解方案")
    tasks = models.TextField("工作任务")
    team = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name="工作专班", blank=True, related_name="ownership_teams"
    )
    team_note = models.CharField("专班其他成员", max_length=200, blank=True)
    assigned_on = models.DateField("包案日期")
    deadline = models.DateField("限期解决日期")
    checklist = models.JSONField("三到位一处理", default=empty_checklist)
    status = models.CharField("状态", max_length=16, choices=OwnershipStatus.choices, default=OwnershipStatus.OPEN)
    closed_on = models.DateField("结束日期", null=True, blank=True)
    outcome = models.TextField("包案结果", blank=True)
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = OwnershipQuerySet.as_manager()

    class Meta:
        ordering = ["deadline", "id"]
        verbose_name = "领导包案"
        verbose_name_plural = "领导包案"
        indexes = [models.Index(fields=["status", "deadline"]), models.Index(fields=["leader", "status"])]
        constraints = [
            models.UniqueConstraint(fields=["case"], condition=Q(status="open"), name="leadership_one_open_ownership"),
            models.CheckConstraint(condition=Q(deadline__gte=models.F("assigned_on")), name="leadership_own_dates"),
        ]

    def __str__(self) -> str:
        return f"{self.leader} 包案 {self.case_id}"

    @property
    def scope_unit(self) -> Any:
        return self.case.unit

    @property
    def is_open(self) -> bool:
        return self.status == OwnershipStatus.OPEN

    def checklist_items(self) -> list[dict[str, Any]]:
        data = self.checklist or {}
        return [
            {"key": key, "label": label, **{"applies": False, "done": False, "note": ""}, **data.get(key, {})}
            for key, label in CHECKLIST
        ]


class OwnershipProgress(models.Model):
    ownership = models.ForeignKey(Ownership, on_delete=models.CASCADE, related_name="progress")
    on = models.DateField("日期")
    note = models.TextField("工作进展")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="记录人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["on", "id"]
        verbose_name = "包案进展"
        verbose_name_plural = "包案进展"

    def __str__(self) -> str:
        return f"{self.on:%Y-%m-%d} {self.note[:20]}"


# ---------------------------------------------------------------------------------------------------
# 挂牌督办 (R1.5)


class SupervisionLevel(models.TextChoices):
    BUREAU = "bureau", "消防救援局"
    CORPS = "corps", "总队"


class SupervisionStatus(models.TextChoices):
    ACTIVE = "active", "督办中"
    LIFTED = "lifted", "已解除"


class SupervisionQuerySet(CaseBoundQuerySet):
    extra_path_lookups = ()


class Supervision(models.Model):
    """A case listed for supervision by the 消防救援局 or the 总队, with a deadline, until lifted with a reason."""

    case = models.ForeignKey(
        "cases.Case", verbose_name="信访事项", on_delete=models.PROTECT, related_name="supervisions"
    )
    level = models.CharField("督办机关", max_length=16, choices=SupervisionLevel.choices)
    listed_by_unit = models.ForeignKey(
        "orgs.Unit", verbose_name="挂牌单位", on_delete=models.PROTECT, related_name="leadership_supervisions"
    )
    reference_no = models.CharField("督办文号", max_length=100, blank=True)
    listed_on = models.DateField("挂牌日期")
    deadline = models.DateField("督办期限")
    requirements = models.TextField("督办要求", blank=True)
    status = models.CharField(
        "状态", max_length=16, choices=SupervisionStatus.choices, default=SupervisionStatus.ACTIVE
    )
    lifted_on = models.DateField("解除日期", null=True, blank=True)
    lift_reason = models.TextField("解除理由", blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    listed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SupervisionQuerySet.as_manager()

    class Meta:
        ordering = ["deadline", "id"]
        verbose_name = "挂牌督办"
        verbose_name_plural = "挂牌督办"
        indexes = [models.Index(fields=["status", "deadline"])]
        constraints = [
            models.UniqueConstraint(
                fields=["case"], condition=Q(status="active"), name="leadership_one_active_supervision"
            ),
            models.CheckConstraint(condition=Q(deadline__gte=models.F("listed_on")), name="leadership_sup_dates"),
        ]

    def __str__(self) -> str:
        return f"{self.get_level_display()}挂牌督办 {self.case_id}"

    @property
    def scope_unit(self) -> Any:
        return self.case.unit

    @property
    def is_active(self) -> bool:
        return self.status == SupervisionStatus.ACTIVE


class SupervisionReport(models.Model):
    supervision = models.ForeignKey(Supervision, on_delete=models.CASCADE, related_name="reports")
    on = models.DateField("报告日期")
    content = models.TextField("进展情况")
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="报告人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["on", "id"]
        verbose_name = "督办进展报告"
        verbose_name_plural = "督办进展报告"

    def __str__(self) -> str:
        return f"{self.on:%Y-%m-%d} {self.content[:20]}"
