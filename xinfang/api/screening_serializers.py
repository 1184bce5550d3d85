"""Shapes of the screening API (排查预警, REQUIREMENTS R3.1–R3.5, R2.13). Input serializers check the shape only;
every rule is the services' (a refusal is 400 {"code", "detail"}). Output never carries petitioners' personal data:
the conflict ledger names linked petitioners masked, and only those of cases the caller may see."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from xinfang.core.masking import mask_name
from xinfang.orgs.models import Unit
from xinfang.screening.models import (
    Conflict,
    ConflictProgress,
    ConflictStatus,
    DutyShift,
    EarlyWarning,
    Inspection,
    PeriodKind,
    RectificationItem,
    ReportState,
    RiskLevel,
    ScreeningItem,
    ScreeningReport,
    SpecialPeriod,
    SpecialPeriodKind,
    Training,
    WarningRisk,
    WarningStage,
)

DATE_HELP = "日期，格式 YYYY-MM-DD"
STATE_HELP = "；".join(f"`{v}` {label}" for v, label in ReportState.choices)


def _help(choices: list[tuple[str, str]]) -> str:
    return "；".join(f"`{v}` {label}" for v, label in choices)


def _choice_text(choices: list[tuple[str, str]], **kwargs: Any) -> serializers.CharField:
    """A choice given as plain text (documented in help_text, checked on input): field names like `status` and
    `kind` already name other apps' enums in the schema."""
    kwargs.setdefault("help_text", _help(choices))
    if not kwargs.get("read_only"):
        kwargs["validators"] = [ChoiceValidator([v for v, _ in choices])]
    return serializers.CharField(**kwargs)


class ChoiceValidator:
    def __init__(self, values: list[str]) -> None:
        self.values = values

    def __call__(self, value: str) -> None:
        if value not in self.values:
            raise serializers.ValidationError(f"“{value}”不是有效选项。")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ChoiceValidator) and other.values == self.values


class ScreeningUnitSerializer(serializers.ModelSerializer):
    class Meta:
        model = Unit
        fields = ["id", "code", "name", "level"]
        read_only_fields = fields


class ScreeningUserSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    username = serializers.CharField(read_only=True)
    name = serializers.CharField(source="display_name", read_only=True)


# ---------------------------------------------------------------------------------------------------
# Reports and status


class ReportCreateSerializer(serializers.Serializer):
    unit = serializers.IntegerField(label="报告单位 id")
    period = serializers.ChoiceField(label="报告周期", choices=PeriodKind.choices, help_text=_help(PeriodKind.choices))
    period_start = serializers.DateField(
        label="周期首日", help_text="周报为周一，月报为1日，季报为季度首日，日报为当日（特殊时期）"
    )
    zero = serializers.BooleanField(
        label="零报告", help_text="true：明确声明本期未排查出矛盾纠纷（此时 items 须为空）。空报告不是零报告。"
    )
    items = serializers.ListField(
        label="排查发现的矛盾纠纷",
        child=serializers.IntegerField(),
        required=False,
        default=list,
        help_text="矛盾纠纷台账 id（/api/v1/conflicts/）；非零报告至少一项",
    )
    summary = serializers.CharField(label="排查情况", required=False, allow_blank=True, default="")


class ReportFilterSerializer(serializers.Serializer):
    unit = serializers.IntegerField(label="单位 id（含下级）", required=False)
    period = serializers.ChoiceField(label="报告周期", choices=PeriodKind.choices, required=False)
    start_from = serializers.DateField(label="周期首日自", required=False)
    start_to = serializers.DateField(label="周期首日至", required=False)
    zero = serializers.BooleanField(label="零报告", required=False, allow_null=True, default=None)
    late = serializers.BooleanField(label="逾期", required=False, allow_null=True, default=None)


class ScreeningItemSerializer(serializers.ModelSerializer):
    conflict = serializers.IntegerField(source="conflict_id", read_only=True)
    status = _choice_text(ConflictStatus.choices, read_only=True)
    title = serializers.CharField(source="conflict.title", read_only=True)
    category = serializers.CharField(source="topic.name", read_only=True)

    class Meta:
        model = ScreeningItem
        fields = ["conflict", "title", "is_new", "risk_level", "category", "status", "collective_risk"]
        read_only_fields = fields


class ReportSerializer(serializers.ModelSerializer):
    unit = ScreeningUnitSerializer(read_only=True)
    zero = serializers.BooleanField(source="is_zero", read_only=True)
    late = serializers.BooleanField(source="is_late", read_only=True)
    state = serializers.ChoiceField(choices=ReportState.choices, read_only=True, help_text="`submitted` 或 `late`")
    submitted_by = ScreeningUserSerializer(read_only=True)
    items = serializers.SerializerMethodField()

    class Meta:
        model = ScreeningReport
        fields = [
            "id", "unit", "period", "period_start", "period_end", "due_on", "zero", "late", "state",
            "submitted_at", "submitted_on", "submitted_by", "summary", "items",
        ]  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_items(self, obj: ScreeningReport) -> list[int]:
        return [i.conflict_id for i in obj.items.all()]


class ReportDetailSerializer(ReportSerializer):
    item_details = ScreeningItemSerializer(source="items", many=True, read_only=True)
    rollup_at_submission = serializers.JSONField(
        source="rollup", read_only=True, help_text="报送时下级单位的汇总（大队报告为空对象），结构同 rollup 接口"
    )

    class Meta(ReportSerializer.Meta):
        fields = [*ReportSerializer.Meta.fields, "item_details", "rollup_at_submission"]
        read_only_fields = fields


class RollupUnitSerializer(serializers.Serializer):
    unit = ScreeningUnitSerializer()
    expected = serializers.IntegerField(help_text="应报份数")
    submitted = serializers.IntegerField(help_text="按时报送")
    late = serializers.IntegerField(help_text="逾期报送")
    missing = serializers.IntegerField(help_text="已逾期未报")
    not_due = serializers.IntegerField(help_text="未到期未报")
    zero = serializers.IntegerField(help_text="其中零报告")


class RollupReportSerializer(serializers.Serializer):
    unit = ScreeningUnitSerializer()
    period = serializers.CharField()
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    label = serializers.CharField()  # type: ignore[assignment]
    due_on = serializers.DateField()
    state = serializers.ChoiceField(choices=ReportState.choices, help_text=STATE_HELP)
    zero = serializers.BooleanField(allow_null=True)
    report = serializers.IntegerField(allow_null=True)


class RollupItemsSerializer(serializers.Serializer):
    total = serializers.IntegerField(help_text="排查上报的矛盾纠纷（去重）")
    by_risk = serializers.DictField(child=serializers.IntegerField(), help_text="按风险等级 general/serious/major")
    by_risk_labels = serializers.ListField(child=serializers.ListField())
    by_category = serializers.DictField(child=serializers.IntegerField(), help_text="按类别名称")
    new = serializers.IntegerField(help_text="本期新发现")
    resolved = serializers.IntegerField(help_text="最近一次上报时已化解")
    unresolved = serializers.IntegerField()
    collective = serializers.IntegerField(help_text="可能引发集体访")


class RollupSerializer(serializers.Serializer):
    unit = ScreeningUnitSerializer()
    period = serializers.CharField()
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    label = serializers.CharField()  # type: ignore[assignment]
    as_of = serializers.DateField(help_text="统计截止日期")
    units = RollupUnitSerializer(many=True, help_text="每个下级报告单位的报送情况")
    zero_units = ScreeningUnitSerializer(many=True, help_text="报送了零报告的单位")
    missing = RollupReportSerializer(many=True, help_text="逾期未报")
    late = RollupReportSerializer(many=True, help_text="逾期报送")
    reports = RollupReportSerializer(many=True, help_text="下级单位应报的每一份报告")
    items = RollupItemsSerializer()


class StatusQuerySerializer(serializers.Serializer):
    date = serializers.DateField(label="日期", required=False, help_text=f"{DATE_HELP}；默认今天")


class StatusRowSerializer(serializers.Serializer):
    unit = ScreeningUnitSerializer()
    period = serializers.ChoiceField(choices=PeriodKind.choices, help_text=_help(PeriodKind.choices))
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    due_on = serializers.DateField(help_text="报送期限")
    state = serializers.ChoiceField(choices=ReportState.choices, help_text=STATE_HELP)
    report = serializers.SerializerMethodField()
    zero = serializers.SerializerMethodField()

    @extend_schema_field(OpenApiTypes.INT)
    def get_report(self, o: Any) -> int | None:
        r = o.counted_report
        return r.pk if r else None

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_zero(self, o: Any) -> bool | None:
        return o.is_zero


class RollupQuerySerializer(serializers.Serializer):
    date = serializers.DateField(label="统计截止日期", required=False, help_text=f"{DATE_HELP}；默认今天")


# ---------------------------------------------------------------------------------------------------
# Conflicts


class ConflictCreateSerializer(serializers.Serializer):
    unit = serializers.IntegerField(label="责任单位 id")
    title = serializers.CharField(label="矛盾纠纷事项", max_length=200)
    description = serializers.CharField(label="基本情况")
    topic = serializers.CharField(label="类别", help_text="业务分类代码（/api/v1/topics/）")
    risk_level = serializers.ChoiceField(
        label="风险等级", choices=RiskLevel.choices, help_text=_help(RiskLevel.choices)
    )
    collective_risk = serializers.BooleanField(label="可能引发集体访", required=False, default=False)
    headcount = serializers.IntegerField(label="涉及人数", min_value=1, required=False, default=1)
    leader = serializers.IntegerField(label="责任领导 用户 id")
    measures = serializers.CharField(label="化解措施")
    found_on = serializers.DateField(label="发现日期")
    cases = serializers.ListField(
        child=serializers.IntegerField(), required=False, default=list, help_text="信访事项 id"
    )
    petitioners = serializers.ListField(
        child=serializers.IntegerField(), required=False, default=list, help_text="所关联信访事项的信访人 id"
    )


class ConflictFilterSerializer(serializers.Serializer):
    unit = serializers.IntegerField(label="单位 id（含下级）", required=False)
    status = _choice_text(ConflictStatus.choices, required=False)
    risk_level = serializers.ChoiceField(choices=RiskLevel.choices, required=False)
    open = serializers.BooleanField(label="只看未化解", required=False, default=False)
    collective = serializers.BooleanField(required=False, allow_null=True, default=None)
    q = serializers.CharField(required=False, allow_blank=True, default="", max_length=100)


class ConflictProgressInputSerializer(serializers.Serializer):
    on = serializers.DateField(label="日期")
    note = serializers.CharField(label="进展情况")
    status = _choice_text(ConflictStatus.choices, label="状态", required=False)


class ConflictProgressSerializer(serializers.ModelSerializer):
    recorded_by = ScreeningUserSerializer(read_only=True)
    status_after = _choice_text(ConflictStatus.choices, read_only=True)

    class Meta:
        model = ConflictProgress
        fields = ["on", "note", "status_after", "recorded_by", "recorded_at"]
        read_only_fields = fields


class ConflictSerializer(serializers.ModelSerializer):
    unit = ScreeningUnitSerializer(read_only=True)
    category = serializers.CharField(source="topic.name", read_only=True)
    topic = serializers.CharField(source="topic.code", read_only=True)
    leader = ScreeningUserSerializer(read_only=True)
    status = _choice_text(ConflictStatus.choices, read_only=True)

    class Meta:
        model = Conflict
        fields = [
            "id", "unit", "title", "description", "topic", "category", "risk_level", "collective_risk", "headcount",
            "leader", "measures", "status", "found_on", "resolved_on", "version",
        ]  # fmt: skip
        read_only_fields = fields


class LinkedCaseSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    title = serializers.CharField()


class LinkedPetitionerSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    case = serializers.IntegerField(source="case_id")
    name = serializers.SerializerMethodField(help_text="脱敏姓名")

    @extend_schema_field(OpenApiTypes.STR)
    def get_name(self, p: Any) -> str:
        return mask_name(p.name) or "匿名"


class ConflictDetailSerializer(serializers.Serializer):
    conflict = ConflictSerializer()
    cases = LinkedCaseSerializer(many=True, help_text="关联且您有权查看的信访事项")
    petitioners = LinkedPetitionerSerializer(many=True)
    hidden_links = serializers.IntegerField(help_text="关联但不在您查看范围内的信访事项数")
    progress = ConflictProgressSerializer(many=True)


# ---------------------------------------------------------------------------------------------------
# Special periods and shifts


class SpecialPeriodCreateSerializer(serializers.Serializer):
    unit = serializers.IntegerField(label="宣布单位 id（总队或支队）")
    name = serializers.CharField(label="名称", max_length=100, required=False, allow_blank=True, default="")
    kind = _choice_text(SpecialPeriodKind.choices, label="类型", required=False)
    start_on = serializers.DateField(label="开始日期", required=False)
    end_on = serializers.DateField(label="结束日期", required=False)
    scope_units = serializers.ListField(
        child=serializers.IntegerField(), required=False, default=list, help_text="范围单位 id；空为宣布单位全辖区"
    )
    holiday_key = serializers.CharField(
        label="节假日建议代码",
        required=False,
        allow_blank=True,
        default="",
        help_text="给出时按 /special-periods/suggestions/ 的建议一键宣布，其余字段可省略",
    )
    note = serializers.CharField(label="工作要求", required=False, allow_blank=True, default="")

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        if not data.get("holiday_key"):
            missing = [f for f in ("name", "kind", "start_on", "end_on") if not data.get(f)]
            if missing:
                raise serializers.ValidationError({f: ["该字段是必填项。"] for f in missing})
        return data


class SpecialPeriodSerializer(serializers.ModelSerializer):
    unit = ScreeningUnitSerializer(read_only=True)
    scope_units = ScreeningUnitSerializer(many=True, read_only=True)
    kind = _choice_text(SpecialPeriodKind.choices, read_only=True)
    cancelled = serializers.SerializerMethodField()

    class Meta:
        model = SpecialPeriod
        fields = ["id", "unit", "name", "kind", "start_on", "end_on", "scope_units", "holiday_key", "note", "cancelled"]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_cancelled(self, p: SpecialPeriod) -> bool:
        return p.cancelled_at is not None


class HolidaySuggestionSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="一键宣布时作为 holiday_key 提交")
    name = serializers.CharField()
    start_on = serializers.DateField()
    end_on = serializers.DateField()


class SuggestionQuerySerializer(serializers.Serializer):
    year = serializers.IntegerField(min_value=2000, max_value=2999, required=False, help_text="默认今年")


class DutyShiftCreateSerializer(serializers.Serializer):
    special_period = serializers.IntegerField(label="特殊时期 id")
    unit = serializers.IntegerField(label="值班单位 id")
    starts_at = serializers.DateTimeField(label="开始时间")
    ends_at = serializers.DateTimeField(label="结束时间")
    officer = serializers.IntegerField(label="值班人员 用户 id")
    phone = serializers.CharField(label="值班电话", max_length=30)
    note = serializers.CharField(label="备注", required=False, allow_blank=True, default="", max_length=200)


class DutyShiftFilterSerializer(serializers.Serializer):
    special_period = serializers.IntegerField(required=False)
    unit = serializers.IntegerField(required=False)
    date = serializers.DateField(required=False, help_text="只列出与该日相交的班次")


class DutyShiftSerializer(serializers.ModelSerializer):
    unit = ScreeningUnitSerializer(read_only=True)
    officer = ScreeningUserSerializer(read_only=True)
    special_period = serializers.IntegerField(source="special_period_id", read_only=True)

    class Meta:
        model = DutyShift
        fields = ["id", "special_period", "unit", "starts_at", "ends_at", "officer", "phone", "note"]
        read_only_fields = fields


# ---------------------------------------------------------------------------------------------------
# Warnings


class WarningCreateSerializer(serializers.Serializer):
    unit = serializers.IntegerField(label="发现单位 id")
    title = serializers.CharField(label="预警事项", max_length=200)
    description = serializers.CharField(label="基本情况")
    risk = serializers.ChoiceField(label="风险类型", choices=WarningRisk.choices, help_text=_help(WarningRisk.choices))
    headcount = serializers.IntegerField(
        label="预计涉及人数", min_value=1, required=False, allow_null=True, default=None
    )
    discovered_at = serializers.DateTimeField(label="发现时间", required=False, allow_null=True, default=None)
    conflict = serializers.IntegerField(label="关联矛盾纠纷 id", required=False, allow_null=True, default=None)


class WarningFilterSerializer(serializers.Serializer):
    unit = serializers.IntegerField(required=False)
    stage = serializers.ChoiceField(choices=WarningStage.choices, required=False, help_text=_help(WarningStage.choices))
    risk = serializers.ChoiceField(choices=WarningRisk.choices, required=False)
    open = serializers.BooleanField(required=False, default=False, help_text="只看未解决")


class AcknowledgeSerializer(serializers.Serializer):
    note = serializers.CharField(label="签收意见", required=False, allow_blank=True, default="", max_length=200)


class WarningStepSerializer(serializers.Serializer):
    note = serializers.CharField(label="情况说明")
    at = serializers.DateTimeField(label="时间", required=False, allow_null=True, default=None, help_text="默认现在")


class WarningHopSerializer(serializers.Serializer):
    from_unit = ScreeningUnitSerializer(source="hop.from_unit")
    to_unit = ScreeningUnitSerializer(source="hop.to_unit")
    sent_at = serializers.DateTimeField(source="hop.sent_at")
    acknowledged_at = serializers.DateTimeField(source="hop.acknowledged_at", allow_null=True)
    ack_unit = ScreeningUnitSerializer(source="hop.ack_unit", allow_null=True)
    holder = ScreeningUnitSerializer(help_text="当前应签收的单位（超时未签收时为升级到的上级单位）")
    escalations = serializers.SerializerMethodField(help_text="按时间戳计算的超时升级")
    next_escalation_at = serializers.DateTimeField(allow_null=True)

    @extend_schema_field(serializers.ListField(child=serializers.DictField()))
    def get_escalations(self, s: Any) -> list[dict[str, Any]]:
        return [{"unit": ScreeningUnitSerializer(u).data, "at": at.isoformat()} for u, at in s.escalations]


class WarningSerializer(serializers.ModelSerializer):
    unit = ScreeningUnitSerializer(read_only=True)
    stage = serializers.ChoiceField(choices=WarningStage.choices, read_only=True, help_text=_help(WarningStage.choices))
    conflict = serializers.IntegerField(source="conflict_id", read_only=True, allow_null=True)

    class Meta:
        model = EarlyWarning
        fields = [
            "id", "unit", "title", "description", "risk", "headcount", "conflict", "stage", "discovered_at",
            "reported_at", "controlled_at", "control_note", "resolved_at", "resolve_note",
        ]  # fmt: skip
        read_only_fields = fields


class WarningDetailSerializer(serializers.Serializer):
    warning = WarningSerializer()
    hops = WarningHopSerializer(many=True, help_text="逐级报告与签收")


# ---------------------------------------------------------------------------------------------------
# Inspections and training


class RectificationInputSerializer(serializers.Serializer):
    description = serializers.CharField(label="整改事项")
    owner_unit = serializers.IntegerField(label="责任单位 id")
    owner = serializers.IntegerField(label="责任人 用户 id")
    deadline = serializers.DateField(label="整改期限")


class InspectionCreateSerializer(serializers.Serializer):
    unit = serializers.IntegerField(label="督查单位 id（支队或总队）")
    on = serializers.DateField(label="督查日期")
    inspectors = serializers.CharField(label="督查组成员", max_length=200)
    units_visited = serializers.ListField(child=serializers.IntegerField(), label="被督查单位 id")
    findings = serializers.CharField(label="督查情况")
    problems = serializers.CharField(label="存在问题", required=False, allow_blank=True, default="")
    items = RectificationInputSerializer(many=True, required=False, default=list)


class CloseItemSerializer(serializers.Serializer):
    item = serializers.IntegerField(label="整改事项 id")
    closed_on = serializers.DateField(label="整改完成日期")
    note = serializers.CharField(label="整改情况")


class RectificationItemSerializer(serializers.ModelSerializer):
    owner_unit = ScreeningUnitSerializer(read_only=True)
    owner = ScreeningUserSerializer(read_only=True)

    class Meta:
        model = RectificationItem
        fields = ["id", "description", "owner_unit", "owner", "deadline", "closed_on", "closure_note"]
        read_only_fields = fields


class InspectionSerializer(serializers.ModelSerializer):
    unit = ScreeningUnitSerializer(read_only=True)
    units_visited = ScreeningUnitSerializer(many=True, read_only=True)
    items = RectificationItemSerializer(many=True, read_only=True)

    class Meta:
        model = Inspection
        fields = ["id", "unit", "on", "inspectors", "units_visited", "findings", "problems", "items", "closed_on"]
        read_only_fields = fields


class TrainingCreateSerializer(serializers.Serializer):
    unit = serializers.IntegerField(label="举办单位 id（总队或支队）")
    on = serializers.DateField(label="培训日期")
    topic = serializers.CharField(label="培训主题", max_length=200)
    hours = serializers.DecimalField(label="学时", max_digits=5, decimal_places=1)
    location = serializers.CharField(label="地点", required=False, allow_blank=True, default="", max_length=100)
    trainees = serializers.ListField(
        child=serializers.IntegerField(), required=False, default=list, help_text="用户 id"
    )


class TrainingFilterSerializer(serializers.Serializer):
    year = serializers.IntegerField(required=False, min_value=2000, max_value=2999)
    unit = serializers.IntegerField(required=False)


class TrainingSerializer(serializers.ModelSerializer):
    unit = ScreeningUnitSerializer(read_only=True)
    trainees = ScreeningUserSerializer(many=True, read_only=True)

    class Meta:
        model = Training
        fields = ["id", "unit", "on", "topic", "hours", "location", "trainees"]
        read_only_fields = fields
