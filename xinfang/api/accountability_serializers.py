"""Shapes of the accountability API: the assessment (per unit every indicator's numerator, denominator and value,
the score and the rank), schemes, adjustments, review checks, lookbacks and accountability actions."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from xinfang.accountability import indicators as ind
from xinfang.accountability.models import (
    AccountabilityAction,
    ActionKind,
    ActionStatus,
    AssessmentScheme,
    Lookback,
    LookbackStatus,
    Rectification,
    ReviewCheck,
    ReviewCheckItem,
    ScoreAdjustment,
    Standard,
)
from xinfang.api.incidents_serializers import DATE_HELP, choice_field, choices_help
from xinfang.api.serializers import UnitRefSerializer
from xinfang.orgs.models import Level

INDICATORS_HELP = "；".join(f"`{i.code}` {i.label}" for i in ind.INDICATORS)


# ---------------------------------------------------------------------------------------------------
# The assessment


class AssessmentQuerySerializer(serializers.Serializer):
    year = serializers.IntegerField(label="考核年度", min_value=2000, max_value=2100)
    level = serializers.ChoiceField(
        label="层级", choices=[(Level.DETACHMENT, "支队"), (Level.BRIGADE, "大队")], required=False,
        default=Level.DETACHMENT,
    )  # fmt: skip


class FigureSerializer(serializers.Serializer):
    numerator = serializers.IntegerField(allow_null=True)
    denominator = serializers.IntegerField(allow_null=True, help_text="计数指标为 null")
    value = serializers.FloatField(allow_null=True, help_text="比率（0–1）或件数；分母为0时为 null（不适用）")
    applicable = serializers.BooleanField()
    available = serializers.BooleanField(help_text="false：相关功能尚未启用（未接入）")


class AssessmentRowSerializer(serializers.Serializer):
    unit = UnitRefSerializer()
    indicators = serializers.DictField(child=FigureSerializer(), help_text=f"按指标代码：{INDICATORS_HELP}")
    score = serializers.FloatField(allow_null=True, help_text="总分；没有适用的计分项时为 null")
    rank = serializers.IntegerField(allow_null=True, help_text="在同层级全部单位中的名次（并列同名次）")
    rate_points = serializers.FloatField(allow_null=True)
    deductions = serializers.FloatField()
    adjustment = serializers.FloatField()


class SchemeRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    year = serializers.IntegerField()
    version = serializers.IntegerField()
    name = serializers.CharField()


class AssessmentSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    level = serializers.CharField()
    scheme = SchemeRefSerializer(allow_null=True, help_text="使用的评分方案；null 为系统默认方案")
    peers = serializers.IntegerField(help_text="参加排名的单位数")
    results = AssessmentRowSerializer(many=True)


def assessment_data(result: Any) -> dict[str, Any]:
    def num(x: Any) -> float | None:
        return float(x) if x is not None else None

    return {
        "year": result.year,
        "level": result.level,
        "scheme": (
            {
                "id": result.scheme.pk,
                "year": result.scheme.year,
                "version": result.scheme.version,
                "name": result.scheme.name,
            }
            if result.scheme
            else None
        ),
        "peers": result.peers,
        "results": [
            {
                "unit": {"id": r.unit.pk, "code": r.unit.code, "name": r.unit.name},
                "indicators": {code: fig.as_dict() for code, fig in r.figures.items()},
                "score": num(r.score),
                "rank": r.rank,
                "rate_points": num(r.result.rate_points),
                "deductions": float(r.result.deductions),
                "adjustment": float(r.adjustment),
            }
            for r in result.rows
        ],
    }


class SchemeCreateSerializer(serializers.Serializer):
    year = serializers.IntegerField(label="考核年度", min_value=2000, max_value=2100)
    name = serializers.CharField(label="方案名称", required=False, allow_blank=True, default="", max_length=100)
    note = serializers.CharField(
        label="修订说明", required=False, allow_blank=True, default="", help_text="第二版起必填"
    )
    data = serializers.JSONField(  # type: ignore[assignment]  # (a field named like Serializer.data)
        label="评分规则",
        help_text='{"items": [{"indicator": "timely_ack", "weight": 15}], "deductions": [{"indicator": '
        '"overdue_cases", "points": 1, "cap": 10}], "max_score": 100}；指标代码：' + INDICATORS_HELP,
    )


class SchemeSerializer(serializers.ModelSerializer):
    class Meta:
        model = AssessmentScheme
        fields = ["id", "year", "version", "name", "data", "note", "created_by", "created_at"]
        read_only_fields = fields


class AdjustmentCreateSerializer(serializers.Serializer):
    year = serializers.IntegerField(label="考核年度", min_value=2000, max_value=2100)
    unit = serializers.IntegerField(label="被考核单位", min_value=1)
    points = serializers.DecimalField(label="调整分值", max_digits=6, decimal_places=2)
    reason = serializers.CharField(label="调整理由")


class AdjustmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = ScoreAdjustment
        fields = ["id", "year", "unit", "points", "reason", "created_by", "created_at"]
        read_only_fields = fields


# ---------------------------------------------------------------------------------------------------
# Review checks and lookbacks


class StandardResultSerializer(serializers.Serializer):
    standard = serializers.ChoiceField(choices=Standard.choices, help_text=choices_help(Standard.choices))
    passed = serializers.BooleanField(help_text="是否达标")
    note = serializers.CharField(required=False, allow_blank=True, default="", help_text="不达标时必填")


class ReviewCheckCreateSerializer(serializers.Serializer):
    case = serializers.IntegerField(label="复查/复核事项", min_value=1)
    results = StandardResultSerializer(many=True, help_text="六项标准逐项给出结论")
    checked_on = serializers.DateField(
        label="核查日期", required=False, allow_null=True, default=None, help_text=DATE_HELP
    )
    note = serializers.CharField(label="核查意见", required=False, allow_blank=True, default="")


class CheckItemSerializer(serializers.ModelSerializer):
    standard = serializers.CharField(read_only=True, help_text=choices_help(Standard.choices))

    class Meta:
        model = ReviewCheckItem
        fields = ["standard", "passed", "note"]
        read_only_fields = fields


class ReviewCheckSerializer(serializers.ModelSerializer):
    items = CheckItemSerializer(many=True, read_only=True)
    subject_case = serializers.IntegerField(source="case.parent_case_id", read_only=True, help_text="被核查的原事项")
    lookback = serializers.SerializerMethodField(help_text="不达标时启动的倒查 id")

    class Meta:
        model = ReviewCheck
        fields = ["id", "case", "subject_case", "subject_unit", "checked_on", "checked_by", "passed", "note", "items",
                  "lookback", "created_at"]  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_lookback(self, obj: ReviewCheck) -> int | None:
        lookback = getattr(obj, "lookback", None)
        return lookback.pk if lookback is not None else None


class LookbackFindingsSerializer(serializers.Serializer):
    responsible_persons = serializers.ListField(
        label="相关责任人", child=serializers.IntegerField(min_value=1), required=False, default=list
    )
    responsible_others = serializers.CharField(label="其他责任人", required=False, allow_blank=True, default="")
    findings = serializers.CharField(label="倒查发现")
    proposed_handling = serializers.CharField(label="处理意见")


class LookbackDecideSerializer(serializers.Serializer):
    decision = serializers.CharField(label="处理决定")
    decided_on = serializers.DateField(label="决定日期", required=False, allow_null=True, default=None)


class LookbackSerializer(serializers.ModelSerializer):
    status = serializers.CharField(read_only=True, help_text=choices_help(LookbackStatus.choices))
    responsible_persons = serializers.PrimaryKeyRelatedField(many=True, read_only=True)  # type: ignore[var-annotated]

    class Meta:
        model = Lookback
        fields = [
            "id", "review_check", "case", "unit", "status", "responsible_persons", "responsible_others", "findings",
            "proposed_handling", "proposed_by", "proposed_on", "decision", "decided_by", "decided_on", "created_at",
        ]  # fmt: skip
        read_only_fields = fields


# ---------------------------------------------------------------------------------------------------
# Accountability actions


class ActionCreateSerializer(serializers.Serializer):
    kind = choice_field(ActionKind.choices, label="问责方式")
    target_unit = serializers.IntegerField(label="问责单位", min_value=1)
    target_person = serializers.IntegerField(label="问责人员", required=False, allow_null=True, default=None)
    reason = serializers.CharField(label="事由")
    requirements = serializers.CharField(label="整改要求", required=False, allow_blank=True, default="")
    issued_on = serializers.DateField(label="下达日期", required=False, allow_null=True, default=None)
    deadline = serializers.DateField(
        label="期限", required=False, allow_null=True, default=None,
        help_text="约谈：约谈日期；挂牌督办、责令限期整改：整改期限（必填，晚于下达日期）",
    )  # fmt: skip
    cases = serializers.ListField(child=serializers.IntegerField(min_value=1), required=False, default=list)
    incidents = serializers.ListField(child=serializers.IntegerField(min_value=1), required=False, default=list)
    lookbacks = serializers.ListField(child=serializers.IntegerField(min_value=1), required=False, default=list)


class ActionRectificationInputSerializer(serializers.Serializer):
    report = serializers.CharField(label="整改情况")
    reported_on = serializers.DateField(label="报送日期", required=False, allow_null=True, default=None)


class ActionCloseSerializer(serializers.Serializer):
    note = serializers.CharField(label="办结意见")
    closed_on = serializers.DateField(label="办结日期", required=False, allow_null=True, default=None)


class RectificationSerializer(serializers.ModelSerializer):
    late = serializers.SerializerMethodField(help_text="晚于期限报送")

    class Meta:
        model = Rectification
        fields = ["id", "report", "reported_on", "reported_by", "late"]
        read_only_fields = fields

    def get_late(self, obj: Rectification) -> bool:
        deadline = obj.action.deadline
        return deadline is not None and obj.reported_on > deadline


class ActionDocumentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    title = serializers.CharField()
    number = serializers.CharField(help_text="文号")
    version = serializers.IntegerField()
    docx_sha256 = serializers.CharField()
    pdf_sha256 = serializers.CharField()


class ActionSerializer(serializers.ModelSerializer):
    kind = serializers.CharField(read_only=True, help_text=choices_help(ActionKind.choices))
    status = serializers.CharField(read_only=True, help_text=choices_help(ActionStatus.choices))
    overdue = serializers.SerializerMethodField(help_text="整改逾期：期限已过、未办结且未在期限内报送整改情况")
    rectifications = RectificationSerializer(many=True, read_only=True)
    documents = serializers.SerializerMethodField()

    class Meta:
        model = AccountabilityAction
        fields = [
            "id", "kind", "target_unit", "target_person", "issuing_unit", "reason", "requirements", "deadline",
            "issued_on", "issued_by", "status", "overdue", "rectifications", "documents", "closed_on", "closing_note",
            "created_at",
        ]  # fmt: skip
        read_only_fields = fields

    def get_overdue(self, obj: AccountabilityAction) -> bool:
        from django.utils import timezone

        return obj.is_overdue(timezone.localdate())

    @extend_schema_field(ActionDocumentSerializer(many=True))
    def get_documents(self, obj: AccountabilityAction) -> list[dict[str, Any]]:
        docs = self.context.get("documents", {}).get(obj.pk, [])
        return ActionDocumentSerializer(docs, many=True).data  # type: ignore[return-value]
