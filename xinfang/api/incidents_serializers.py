"""Shapes of the incidents API (/api/v1/contingency-plans/, /linkage-contacts/, /incidents/, /referrals/).

Input serializers check shape only (types, choices, presence); every rule is the services' (a refusal is 400
{"code", "detail"}). Output is about the unit's duty — who had to go, did they go, the outcome — and shows linked
cases only as far as the reader may see them."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from xinfang.incidents.models import (
    ContactKind,
    ContingencyPlan,
    Incident,
    IncidentKind,
    IncidentResponder,
    LinkageContact,
    RecipientKind,
    Referral,
    ReferralStatus,
    ResponderRole,
)

DATE_HELP = "日期，格式 YYYY-MM-DD"


def choices_help(choices: list[tuple[str, str]]) -> str:
    return "；".join(f"`{value}` {label}" for value, label in choices)


def choice_field(choices: list[tuple[str, str]], **kwargs: Any) -> serializers.ChoiceField:
    """A ChoiceField whose enum is written inline in the schema (under allOf) rather than as a shared component:
    generic names like `kind` and `status` carry different choice sets in different apps, and shared enum
    components of one name would collide."""
    schema = {"allOf": [{"type": "string", "enum": [value for value, _ in choices]}]}
    field_class = extend_schema_field(schema)(type("InlineChoiceField", (serializers.ChoiceField,), {}))
    kwargs.setdefault("help_text", choices_help(choices))
    return field_class(choices=choices, **kwargs)


# ---------------------------------------------------------------------------------------------------
# Plans and contacts


class PlanCreateSerializer(serializers.Serializer):
    unit = serializers.IntegerField(label="单位", min_value=1)
    title = serializers.CharField(label="预案名称", max_length=200)
    version = serializers.CharField(label="版本", max_length=40)
    last_reviewed_on = serializers.DateField(label="最近修订/评审日期", help_text=DATE_HELP)
    file = serializers.FileField(label="预案文件", required=False, help_text="multipart/form-data；PDF 或 Word")
    note = serializers.CharField(label="说明", required=False, allow_blank=True, default="")


class PlanSerializer(serializers.ModelSerializer):
    review_due = serializers.DateField(read_only=True, help_text="应重新评审的日期（最近评审后一年）")
    review_overdue = serializers.SerializerMethodField(help_text="已超过一年未评审")
    has_file = serializers.SerializerMethodField()

    class Meta:
        model = ContingencyPlan
        fields = [
            "id", "unit", "title", "version", "last_reviewed_on", "review_due", "review_overdue", "has_file",
            "original_name", "sha256", "note", "is_active", "created_at",
        ]  # fmt: skip
        read_only_fields = fields

    def get_review_overdue(self, obj: ContingencyPlan) -> bool:
        from django.utils import timezone

        return obj.review_overdue(timezone.localdate())

    def get_has_file(self, obj: ContingencyPlan) -> bool:
        return bool(obj.file)


class ContactCreateSerializer(serializers.Serializer):
    unit = serializers.IntegerField(label="单位", min_value=1)
    kind = choice_field(ContactKind.choices, label="类别")
    name = serializers.CharField(label="联动单位名称", max_length=100)
    duty_phone = serializers.CharField(label="值班电话", max_length=40)
    note = serializers.CharField(label="备注", required=False, allow_blank=True, default="", max_length=200)


class ContactSerializer(serializers.ModelSerializer):
    kind = serializers.CharField(read_only=True, help_text=choices_help(ContactKind.choices))

    class Meta:
        model = LinkageContact
        fields = ["id", "unit", "kind", "name", "duty_phone", "note", "is_active", "created_at"]
        read_only_fields = fields


# ---------------------------------------------------------------------------------------------------
# Incidents


class IncidentCreateSerializer(serializers.Serializer):
    kind = choice_field(IncidentKind.choices, label="事件类型")
    unit = serializers.IntegerField(label="责任单位", min_value=1, help_text="到总队上访、进京上访：属事支队的 id")
    occurred_on = serializers.DateField(label="发生日期", help_text=DATE_HELP)
    occurred_at = serializers.TimeField(label="发生时间", required=False, allow_null=True, default=None)
    summary = serializers.CharField(label="事由及经过", help_text="只记载事件本身，不记载信访人行踪")
    place = serializers.CharField(label="地点", required=False, allow_blank=True, default="", max_length=100)
    headcount = serializers.IntegerField(label="人数", required=False, default=1, min_value=1)
    case = serializers.IntegerField(label="关联信访事项", required=False, allow_null=True, default=None, min_value=1)
    cases = serializers.ListField(
        label="关联信访事项（多件）", child=serializers.IntegerField(min_value=1), required=False, default=list
    )


class ResponderInputSerializer(serializers.Serializer):
    user = serializers.IntegerField(label="人员", min_value=1, help_text="用户 id")
    role = choice_field(ResponderRole.choices, label="身份")
    arrived_at = serializers.DateTimeField(label="到场/赴京时间", help_text="ISO 8601，如 2026-05-01T10:30:00+08:00")
    note = serializers.CharField(label="说明", required=False, allow_blank=True, default="", max_length=200)


class IncidentCloseSerializer(serializers.Serializer):
    handling = serializers.CharField(label="处置情况")
    outcome = serializers.CharField(label="处置结果")
    closed_on = serializers.DateField(label="处置完毕日期", required=False, allow_null=True, default=None)


class LinkCaseSerializer(serializers.Serializer):
    case = serializers.IntegerField(label="信访事项", min_value=1)


class ResponderSerializer(serializers.ModelSerializer):
    user_name = serializers.CharField(source="user.display_name", read_only=True)
    role = serializers.CharField(read_only=True, help_text=choices_help(ResponderRole.choices))

    class Meta:
        model = IncidentResponder
        fields = ["id", "user", "user_name", "role", "arrived_at", "note", "recorded_at"]
        read_only_fields = fields


class IncidentSerializer(serializers.ModelSerializer):
    kind = serializers.CharField(read_only=True, help_text=choices_help(IncidentKind.choices))
    status = serializers.CharField(read_only=True, help_text="`open` 处置中；`closed` 已处置完毕")
    required_role = serializers.CharField(
        allow_null=True, read_only=True, help_text="应到人员：leader 分管领导；chief 主官"
    )
    compliant = serializers.SerializerMethodField(help_text="应到人员已登记（或无要求）")
    responders = ResponderSerializer(many=True, read_only=True)
    case = serializers.SerializerMethodField(help_text="第一件关联信访事项（读者可见的）")
    cases = serializers.SerializerMethodField(help_text="关联信访事项（读者可见的）")

    class Meta:
        model = Incident
        fields = [
            "id", "kind", "unit", "occurred_on", "occurred_at", "place", "summary", "headcount", "required_role",
            "compliant", "responders", "case", "cases", "handling", "outcome", "status", "closed_on", "created_at",
        ]  # fmt: skip
        read_only_fields = fields

    def get_compliant(self, obj: Incident) -> bool:
        return obj.compliant()

    def _visible(self, obj: Incident) -> list[int]:
        ids: dict[int, list[int]] = self.context.get("visible_cases", {})
        return ids.get(obj.pk, [])

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_case(self, obj: Incident) -> int | None:
        ids = self._visible(obj)
        return ids[0] if ids else None

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_cases(self, obj: Incident) -> list[int]:
        return self._visible(obj)


# ---------------------------------------------------------------------------------------------------
# Referrals


class ReferralCreateSerializer(serializers.Serializer):
    unit = serializers.IntegerField(label="移交单位", min_value=1)
    case = serializers.IntegerField(label="信访事项", required=False, allow_null=True, default=None, min_value=1)
    ledger_entry = serializers.IntegerField(
        label="矛盾纠纷台账条目", required=False, allow_null=True, default=None, min_value=1
    )
    subject = serializers.CharField(
        label="矛盾纠纷（诉求）", required=False, allow_blank=True, default="", max_length=200
    )
    reason = serializers.CharField(label="移交理由")
    referred_on = serializers.DateField(label="移交日期", help_text=DATE_HELP)
    recipient_kind = serializers.ChoiceField(
        label="接收方类别", choices=RecipientKind.choices, help_text=choices_help(RecipientKind.choices)
    )
    recipient = serializers.CharField(label="接收方", max_length=100)


class ReferralOutcomeSerializer(serializers.Serializer):
    status = choice_field(ReferralStatus.choices, label="结果")
    outcome = serializers.CharField(label="协调结果")
    outcome_on = serializers.DateField(label="结果日期", required=False, allow_null=True, default=None)


class ReferralSerializer(serializers.ModelSerializer):
    status = serializers.CharField(read_only=True, help_text=choices_help(ReferralStatus.choices))
    recipient_kind = serializers.CharField(read_only=True, help_text=choices_help(RecipientKind.choices))
    case = serializers.SerializerMethodField()
    subject = serializers.SerializerMethodField()
    reason = serializers.SerializerMethodField()

    class Meta:
        model = Referral
        fields = [
            "id", "unit", "case", "ledger_entry_id", "subject", "reason", "referred_on", "recipient_kind",
            "recipient", "status", "outcome", "outcome_on", "created_at",
        ]  # fmt: skip
        read_only_fields = fields

    def _hidden(self, obj: Any) -> bool:
        return getattr(obj, "case_visible", True) is False

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_case(self, obj: Referral) -> int | None:
        return None if self._hidden(obj) else obj.case_id

    def get_subject(self, obj: Referral) -> str:
        return "" if self._hidden(obj) else obj.subject

    def get_reason(self, obj: Referral) -> str:
        return "" if self._hidden(obj) else obj.reason
