"""Incident response and coordination — seed 四, REQUIREMENTS R4.1–R4.3.

Reading order: ContingencyPlan (each unit's 应急处置预案, reviewed yearly) and LinkageContact (属地街道、公安、
信访部门 as organisations), Incident (到总队 / 进京 / 集体访 / 其他) with its IncidentResponder rows (the officials who
went) and IncidentNotice rows (whom the system told when it opened), Referral (an unresolved grievance handed to
the local 信访联席会议 or a government department).

Boundary (REQUIREMENTS §4): these records are about the UNIT'S DUTY — who had to go, did they go, what was done and
with what outcome. Nothing here names, lists or follows petitioners; an incident never changes a case or a
petitioner's rights (linking a case only points at it).
"""

from __future__ import annotations

import datetime
import secrets
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q

from xinfang.core.scope import ScopedQuerySet
from xinfang.orgs.roles import Role

VIEW_PERM = "incidents.view"
MANAGE_PERM = "incidents.manage"


# ---------------------------------------------------------------------------------------------------
# Contingency plans and linkage contacts (R4.1)


def plan_file_path(instance: ContingencyPlan, filename: str) -> str:
    today = datetime.date.today()
    return f"incidents/plans/{today:%Y}/{secrets.token_hex(16)}"


def add_one_year(day: datetime.date) -> datetime.date:
    """The same day a year later (29 February → 28 February)."""
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return day.replace(year=day.year + 1, day=28)


class PlanQuerySet(ScopedQuerySet["ContingencyPlan"]):
    scope_path_lookup = "unit__path"
    view_perm = VIEW_PERM


class ContingencyPlan(models.Model):
    """应急处置预案 of a unit. Due for review one year after its last review."""

    unit = models.ForeignKey("orgs.Unit", verbose_name="单位", on_delete=models.PROTECT, related_name="+")
    title = models.CharField("预案名称", max_length=200)
    version = models.CharField("版本", max_length=40)
    file = models.FileField("预案文件", upload_to=plan_file_path, max_length=200, blank=True)
    original_name = models.CharField("文件名", max_length=255, blank=True)
    content_type = models.CharField("文件类型", max_length=100, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    last_reviewed_on = models.DateField("最近修订/评审日期")
    note = models.TextField("说明", blank=True)
    is_active = models.BooleanField("有效", default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PlanQuerySet.as_manager()

    class Meta:
        ordering = ["unit__path", "title", "-id"]
        verbose_name = "应急处置预案"
        verbose_name_plural = "应急处置预案"

    def __str__(self) -> str:
        return f"{self.title}（{self.version}）"

    @property
    def scope_unit(self) -> Any:
        return self.unit

    @property
    def review_due(self) -> datetime.date:
        return add_one_year(self.last_reviewed_on)

    def review_overdue(self, today: datetime.date) -> bool:
        return self.is_active and today > self.review_due


class ContactKind(models.TextChoices):
    STREET = "street", "属地街道（乡镇）"
    POLICE = "police", "公安机关"
    PETITION = "petition", "信访部门"
    OTHER = "other", "其他部门"


class ContactQuerySet(ScopedQuerySet["LinkageContact"]):
    scope_path_lookup = "unit__path"
    view_perm = VIEW_PERM


class LinkageContact(models.Model):
    """An organisation the unit works with in an emergency (应急联动): name and duty phone — not a person."""

    unit = models.ForeignKey("orgs.Unit", verbose_name="单位", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField("类别", max_length=16, choices=ContactKind.choices)
    name = models.CharField("联动单位名称", max_length=100)
    duty_phone = models.CharField("值班电话", max_length=40)
    note = models.CharField("备注", max_length=200, blank=True)
    is_active = models.BooleanField("有效", default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ContactQuerySet.as_manager()

    class Meta:
        ordering = ["unit__path", "kind", "name"]
        verbose_name = "联动单位"
        verbose_name_plural = "联动单位"

    def __str__(self) -> str:
        return self.name

    @property
    def scope_unit(self) -> Any:
        return self.unit


# ---------------------------------------------------------------------------------------------------
# Incidents (R4.2)


class IncidentKind(models.TextChoices):
    AT_CORPS = "at_corps", "到总队上访"
    IN_BEIJING = "in_beijing", "进京上访"
    COLLECTIVE = "collective", "集体访"
    OTHER = "other", "其他"


class IncidentStatus(models.TextChoices):
    OPEN = "open", "处置中"
    CLOSED = "closed", "已处置完毕"


class ResponderRole(models.TextChoices):
    CHIEF = Role.CHIEF.value, "主官"
    LEADER = Role.LEADER.value, "分管领导"
    MEMBER = Role.MEMBER.value, "班子成员"
    OFFICER = Role.OFFICER.value, "信访干部"
    OTHER = "other", "其他人员"


# Seed 四(二): 到总队 — the responsible 支队's 分管领导 goes on site; 进京 — the 支队主官 goes to Beijing.
REQUIRED_ROLE: dict[str, str] = {
    IncidentKind.AT_CORPS: ResponderRole.LEADER,
    IncidentKind.IN_BEIJING: ResponderRole.CHIEF,
}
REQUIRED_DUTY: dict[str, str] = {
    IncidentKind.AT_CORPS: "属事支队分管领导到场处置",
    IncidentKind.IN_BEIJING: "支队主官赴京处置",
}
# Kinds whose responsible unit is a 支队.
DETACHMENT_KINDS = frozenset(REQUIRED_ROLE)


def compliant_condition(prefix: str = "") -> Q:
    """SQL condition: the incident needs nobody, or the required official is recorded. `prefix` is the lookup to the
    incident from the queried model ("" on Incident itself)."""
    outer = f"{prefix}pk" if prefix else "pk"
    kind = f"{prefix}kind"
    cond = ~Q(**{f"{kind}__in": list(REQUIRED_ROLE)})
    for incident_kind, role in REQUIRED_ROLE.items():
        responders = IncidentResponder.objects.filter(incident=OuterRef(outer), role=role)
        cond |= Q(**{kind: incident_kind}) & Q(Exists(responders))
    return cond


class IncidentQuerySet(ScopedQuerySet["Incident"]):
    scope_path_lookup = "unit__path"
    view_perm = VIEW_PERM

    def with_compliance(self) -> IncidentQuerySet:
        return self.annotate(
            is_compliant=models.ExpressionWrapper(compliant_condition(), output_field=models.BooleanField())
        )

    def noncompliant(self) -> IncidentQuerySet:
        return self.exclude(compliant_condition())


class Incident(models.Model):
    """A petition incident and the responsible unit's response. `unit` is the unit whose duty it is (for 到总队 and
    进京 the responsible 支队)."""

    unit = models.ForeignKey("orgs.Unit", verbose_name="责任单位", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField("类型", max_length=16, choices=IncidentKind.choices)
    occurred_on = models.DateField("发生日期")
    occurred_at = models.TimeField("发生时间", null=True, blank=True)
    place = models.CharField("地点", max_length=100, blank=True)
    summary = models.TextField("事由及经过")
    headcount = models.PositiveIntegerField("人数", default=1)
    cases = models.ManyToManyField("cases.Case", verbose_name="关联信访事项", blank=True, related_name="+")
    handling = models.TextField("处置情况", blank=True)
    outcome = models.TextField("处置结果", blank=True)
    status = models.CharField("状态", max_length=16, choices=IncidentStatus.choices, default=IncidentStatus.OPEN)
    closed_on = models.DateField("处置完毕日期", null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = IncidentQuerySet.as_manager()

    class Meta:
        ordering = ["-occurred_on", "-id"]
        verbose_name = "信访突发事件"
        verbose_name_plural = "信访突发事件"
        indexes = [models.Index(fields=["kind", "occurred_on"]), models.Index(fields=["unit", "occurred_on"])]

    def __str__(self) -> str:
        return f"{self.occurred_on:%Y-%m-%d} {self.get_kind_display()}"

    @property
    def scope_unit(self) -> Any:
        return self.unit

    @property
    def required_role(self) -> str | None:
        return REQUIRED_ROLE.get(self.kind)

    @property
    def required_duty(self) -> str:
        return REQUIRED_DUTY.get(self.kind, "")

    @property
    def required_role_label(self) -> str:
        role = self.required_role
        return ResponderRole(role).label if role else ""

    @property
    def is_open(self) -> bool:
        return self.status == IncidentStatus.OPEN

    def compliant(self) -> bool:
        """The required official is recorded (or none is required). Uses the `is_compliant` annotation if present."""
        annotated = self.__dict__.get("is_compliant")
        if annotated is not None:
            return bool(annotated)
        role = self.required_role
        if role is None:
            return True
        return self.responders.filter(role=role).exists()


class IncidentResponder(models.Model):
    """An official recorded as having gone: on site (到场) or dispatched (赴京), with the time."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="responders")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="人员", on_delete=models.PROTECT, related_name="+")
    role = models.CharField("身份", max_length=16, choices=ResponderRole.choices)
    arrived_at = models.DateTimeField("到场/赴京时间")
    note = models.CharField("说明", max_length=200, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["arrived_at", "id"]
        verbose_name = "到场处置人员"
        verbose_name_plural = "到场处置人员"
        constraints = [models.UniqueConstraint(fields=["incident", "user", "role"], name="incidents_responder_unique")]

    def __str__(self) -> str:
        return f"{self.incident_id} {self.user_id} {self.role}"


class IncidentNotice(models.Model):
    """Whom the system told when the incident was opened (the officials who must go), and how."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="notices")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="通知对象", on_delete=models.PROTECT, related_name="+"
    )
    role = models.CharField("身份", max_length=16, choices=ResponderRole.choices)
    message = models.CharField("通知内容", max_length=300)
    sent = models.BooleanField("已通过站内通知发送", default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = "事件通知"
        verbose_name_plural = "事件通知"

    def __str__(self) -> str:
        return f"{self.incident_id} → {self.user_id}"


# ---------------------------------------------------------------------------------------------------
# Referrals to the joint-meeting mechanism (R4.3)


class RecipientKind(models.TextChoices):
    JOINT_MEETING = "joint_meeting", "信访工作联席会议"
    DEPARTMENT = "department", "地方政府有关部门"


class ReferralStatus(models.TextChoices):
    PENDING = "pending", "协调中"
    RESOLVED = "resolved", "已化解"
    UNRESOLVED = "unresolved", "未化解"


class ReferralQuerySet(ScopedQuerySet["Referral"]):
    scope_path_lookup = "unit__path"
    view_perm = VIEW_PERM


class Referral(models.Model):
    """An unresolved grievance (a case or a conflict-ledger entry) referred for coordinated resolution."""

    unit = models.ForeignKey("orgs.Unit", verbose_name="移交单位", on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey(
        "cases.Case", verbose_name="信访事项", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    ledger_entry_id = models.PositiveBigIntegerField("矛盾纠纷台账条目", null=True, blank=True)
    subject = models.CharField("矛盾纠纷（诉求）", max_length=200)
    reason = models.TextField("移交理由")
    referred_on = models.DateField("移交日期")
    recipient_kind = models.CharField("接收方类别", max_length=16, choices=RecipientKind.choices)
    recipient = models.CharField("接收方", max_length=100)
    status = models.CharField("状态", max_length=16, choices=ReferralStatus.choices, default=ReferralStatus.PENDING)
    outcome = models.TextField("协调结果", blank=True)
    outcome_on = models.DateField("结果日期", null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = ReferralQuerySet.as_manager()

    class Meta:
        ordering = ["-referred_on", "-id"]
        verbose_name = "联席会议移交"
        verbose_name_plural = "联席会议移交"

    def __str__(self) -> str:
        return f"{self.referred_on:%Y-%m-%d} {self.subject}"

    @property
    def scope_unit(self) -> Any:
        return self.unit
