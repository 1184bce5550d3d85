"""Shapes of the leadership API (/api/v1/meetings/, reception-days/, receptions/, ownerships/, supervisions/,
compliance/). Input serializers check the shape only; every rule is the services' (a refusal is 400 {"code",
"detail"}). Visitors' personal data is masked in every answer."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from xinfang.api.serializers import UnitRefSerializer
from xinfang.core.masking import mask_name, mask_phone
from xinfang.documents.selectors import document_summary
from xinfang.leadership.models import (
    CHECKLIST,
    Basis,
    DayStatus,
    Meeting,
    Ownership,
    OwnershipStatus,
    PlanKind,
    Reception,
    ReceptionDay,
    Supervision,
    SupervisionLevel,
    SupervisionStatus,
)
from xinfang.orgs.roles import Role

DATE_HELP = "日期，格式 YYYY-MM-DD"


def _choices_help(choices: list[tuple[str, str]]) -> str:
    return "；".join(f"`{value}` {label}" for value, label in choices)


def choice(choices: list[tuple[str, str]], *, pattern: bool = False, **kwargs: Any) -> serializers.ChoiceField:
    """A ChoiceField documented inline. `pattern`: as a regular expression instead of an enum, for a field name
    (level) that carries another choice set elsewhere in the API (units), where the schema's enum components would
    collide."""
    values = [value for value, _label in choices]
    schema: dict[str, Any] = {"type": "string", "enum": values}
    if pattern:
        schema = {"type": "string", "pattern": "^(" + "|".join(values) + ")$"}
    field_class = extend_schema_field(schema)(type("InlineChoiceField", (serializers.ChoiceField,), {}))
    kwargs.setdefault("help_text", _choices_help(choices))
    return field_class(choices=choices, **kwargs)


def code_field(choices: list[tuple[str, str]]) -> serializers.CharField:
    """An output code of a model choice, documented with its values (no shared enum component)."""
    return serializers.CharField(read_only=True, help_text=_choices_help(choices))


# ---------------------------------------------------------------------------------------------------
# Small references


class PersonRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="display_name")


class CaseRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    title = serializers.CharField()
    unit = UnitRefSerializer()
    status = serializers.CharField()


# ---------------------------------------------------------------------------------------------------
# Filters (query parameters)


class UnitYearFilterSerializer(serializers.Serializer):
    unit = serializers.IntegerField(label="单位", required=False, min_value=1, help_text="单位 id（含下级单位）")
    year = serializers.IntegerField(label="年度", required=False, min_value=2000, max_value=2999)


class ReceptionDayFilterSerializer(serializers.Serializer):
    unit = serializers.IntegerField(label="单位", required=False, min_value=1, help_text="单位 id（含下级单位）")
    status = choice(label="状态", choices=DayStatus.choices, required=False)
    date_from = serializers.DateField(label="日期自", required=False, help_text=DATE_HELP)
    date_to = serializers.DateField(label="日期至", required=False, help_text=DATE_HELP)


class ReceptionFilterSerializer(UnitYearFilterSerializer):
    leader = serializers.IntegerField(label="接访领导", required=False, min_value=1, help_text="用户 id")


class OwnershipFilterSerializer(serializers.Serializer):
    unit = serializers.IntegerField(
        label="单位", required=False, min_value=1, help_text="包案单位或事项办理单位（含下级）"
    )
    status = choice(
        label="状态", choices=OwnershipStatus.choices, required=False, help_text=_choices_help(OwnershipStatus.choices)
    )
    case = serializers.IntegerField(label="信访事项", required=False, min_value=1)


class SupervisionFilterSerializer(serializers.Serializer):
    unit = serializers.IntegerField(label="单位", required=False, min_value=1, help_text="事项办理单位（含下级）")
    status = choice(
        label="状态",
        choices=SupervisionStatus.choices,
        required=False,
        help_text=_choices_help(SupervisionStatus.choices),
    )
    level = choice(
        pattern=True,
        label="督办机关",
        choices=SupervisionLevel.choices,
        required=False,
        help_text=_choices_help(SupervisionLevel.choices),
    )
    case = serializers.IntegerField(label="信访事项", required=False, min_value=1)


class ComplianceFilterSerializer(serializers.Serializer):
    year = serializers.IntegerField(
        label="年度", required=False, min_value=2000, max_value=2999, help_text="默认本年度"
    )
    unit = serializers.IntegerField(label="单位", required=False, min_value=1, help_text="只看该单位及其下级")


# ---------------------------------------------------------------------------------------------------
# Input


class MeetingCreateSerializer(serializers.Serializer):
    unit = serializers.IntegerField(label="单位", min_value=1, help_text="单位 id（总队、支队或大队）")
    held_on = serializers.DateField(label="会议日期", help_text=DATE_HELP)
    topics = serializers.CharField(label="研究议题", max_length=5000)
    decisions = serializers.CharField(label="部署事项和决定", max_length=10000)
    attendees = serializers.CharField(label="参会人员", required=False, allow_blank=True, default="", max_length=300)
    minutes = serializers.FileField(
        label="会议纪要",
        required=False,
        allow_null=True,
        default=None,
        help_text="multipart 上传；PDF、JPG、PNG、DOC/DOCX",
    )


class ReceptionDayCreateSerializer(serializers.Serializer):
    leader = serializers.IntegerField(label="接访领导", min_value=1, help_text="用户 id（单位班子成员）")
    unit = serializers.IntegerField(
        label="单位", required=False, allow_null=True, default=None, min_value=1, help_text="领导在多个单位任职时必填"
    )
    planned_on = serializers.DateField(label="接访日期", help_text=DATE_HELP)
    time_text = serializers.CharField(label="接访时间", required=False, allow_blank=True, default="", max_length=50)
    place = serializers.CharField(label="接访地点", required=False, allow_blank=True, default="", max_length=100)
    note = serializers.CharField(label="说明", required=False, allow_blank=True, default="", max_length=200)
    published = serializers.BooleanField(label="向社会公布", required=False, default=False)


class VisitorInputSerializer(serializers.Serializer):
    petitioner = serializers.IntegerField(
        label="信访人", required=False, allow_null=True, default=None, min_value=1, help_text="已登记信访人的 id"
    )
    name = serializers.CharField(label="姓名", required=False, allow_blank=True, default="", max_length=50)
    phone = serializers.CharField(label="联系电话", required=False, allow_blank=True, default="", max_length=30)


class ReceptionCreateSerializer(serializers.Serializer):
    leader = serializers.IntegerField(label="接访领导", min_value=1, help_text="用户 id（单位班子成员）")
    received_on = serializers.DateField(label="接访日期", help_text=DATE_HELP)
    matter = serializers.CharField(label="反映事项", max_length=5000)
    case = serializers.IntegerField(
        label="信访事项", required=False, allow_null=True, default=None, min_value=1, help_text="已登记的信访事项 id"
    )
    unit = serializers.IntegerField(
        label="单位", required=False, allow_null=True, default=None, min_value=1, help_text="领导在多个单位任职时必填"
    )
    outcome = serializers.CharField(label="处理情况", required=False, allow_blank=True, default="", max_length=5000)
    visitors = VisitorInputSerializer(label="来访人", many=True, required=False, default=list)
    headcount = serializers.IntegerField(label="来访人数", required=False, allow_null=True, default=None, min_value=1)
    reception_day = serializers.IntegerField(
        label="接访日", required=False, allow_null=True, default=None, min_value=1, help_text="接访日安排的 id"
    )


class ChecklistItemInputSerializer(serializers.Serializer):
    applies = serializers.BooleanField(label="适用", required=False, default=False)
    done = serializers.BooleanField(label="已到位", required=False, default=False)
    note = serializers.CharField(label="说明", required=False, allow_blank=True, default="", max_length=500)


class ChecklistInputSerializer(serializers.Serializer):
    resolve = ChecklistItemInputSerializer(label=CHECKLIST[0][1], required=False)
    educate = ChecklistItemInputSerializer(label=CHECKLIST[1][1], required=False)
    assist = ChecklistItemInputSerializer(label=CHECKLIST[2][1], required=False)
    legal = ChecklistItemInputSerializer(label=CHECKLIST[3][1], required=False)


class OwnershipCreateSerializer(serializers.Serializer):
    case = serializers.IntegerField(label="信访事项", min_value=1)
    leader = serializers.IntegerField(label="包案领导", min_value=1, help_text="用户 id")
    tasks = serializers.CharField(label="工作任务", max_length=5000)
    plan = serializers.CharField(label="化解方案", max_length=5000)
    deadline = serializers.DateField(label="限期解决日期", help_text=DATE_HELP)
    plan_kind = choice(
        label="化解方式",
        choices=PlanKind.choices,
        required=False,
        default=PlanKind.CASE,
        help_text=_choices_help(PlanKind.choices),
    )
    basis = choice(
        label="包案依据",
        choices=[(Basis.MAJOR, Basis.MAJOR.label), (Basis.OTHER, Basis.OTHER.label)],
        required=False,
        allow_null=True,
        default=None,
        help_text="挂牌督办的事项自动为 supervised",
    )
    unit = serializers.IntegerField(label="包案单位", required=False, allow_null=True, default=None, min_value=1)
    team = serializers.ListField(
        label="工作专班", child=serializers.IntegerField(min_value=1), required=False, default=list, help_text="用户 id"
    )
    team_note = serializers.CharField(
        label="专班其他成员", required=False, allow_blank=True, default="", max_length=200
    )
    assigned_on = serializers.DateField(label="包案日期", required=False, allow_null=True, default=None)
    checklist = ChecklistInputSerializer(label="三到位一处理", required=False, allow_null=True, default=None)
    replace = serializers.BooleanField(
        label="移交包案", required=False, default=False, help_text="已有包案领导时，原包案结束（已移交）"
    )


class ProgressSerializer(serializers.Serializer):
    on = serializers.DateField(label="日期", help_text=DATE_HELP)
    note = serializers.CharField(label="工作进展", max_length=5000)
    checklist = ChecklistInputSerializer(
        label="三到位一处理", required=False, allow_null=True, default=None, help_text="给出时整体替换清单"
    )


class SettleSerializer(serializers.Serializer):
    settled = serializers.BooleanField(label="已停诉息访", help_text="true：停诉息访（三到位一处理适用项须全部到位）")
    on = serializers.DateField(label="日期", help_text=DATE_HELP)
    note = serializers.CharField(label="包案结果", max_length=5000)


class SupervisionCreateSerializer(serializers.Serializer):
    case = serializers.IntegerField(label="信访事项", min_value=1)
    level = choice(
        pattern=True,
        label="督办机关",
        choices=SupervisionLevel.choices,
        help_text=_choices_help(SupervisionLevel.choices),
    )
    deadline = serializers.DateField(label="督办期限", help_text=DATE_HELP)
    listed_on = serializers.DateField(label="挂牌日期", required=False, allow_null=True, default=None)
    reference_no = serializers.CharField(
        label="督办文号",
        required=False,
        allow_blank=True,
        default="",
        max_length=100,
        help_text="总队登记消防救援局督办时必填",
    )
    requirements = serializers.CharField(
        label="督办要求", required=False, allow_blank=True, default="", max_length=5000
    )


class SupervisionProgressSerializer(serializers.Serializer):
    on = serializers.DateField(label="报告日期", help_text=DATE_HELP)
    content = serializers.CharField(label="进展情况", max_length=5000)


class LiftSerializer(serializers.Serializer):
    reason = serializers.CharField(label="解除理由", max_length=2000)
    lifted_on = serializers.DateField(label="解除日期", required=False, allow_null=True, default=None)


# ---------------------------------------------------------------------------------------------------
# Output


class MeetingSerializer(serializers.ModelSerializer):
    unit = UnitRefSerializer()
    recorded_by = PersonRefSerializer()
    minutes_url = serializers.SerializerMethodField(help_text="会议纪要下载地址（未上传为 null）")

    class Meta:
        model = Meeting
        fields = [
            "id",
            "unit",
            "held_on",
            "topics",
            "decisions",
            "attendees",
            "minutes_name",
            "minutes_sha256",
            "minutes_url",
            "recorded_by",
            "created_at",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.URI)
    def get_minutes_url(self, obj: Meeting) -> str | None:
        if not obj.minutes_sha256:
            return None
        request = self.context.get("request")
        path = f"/api/v1/meetings/{obj.pk}/minutes/"
        return request.build_absolute_uri(path) if request else path


class ReceptionDaySerializer(serializers.ModelSerializer):
    unit = UnitRefSerializer()
    leader = PersonRefSerializer()
    role = code_field(Role.choices)
    status = code_field(DayStatus.choices)
    role_label = serializers.CharField(source="get_role_display")
    status_label = serializers.CharField(source="get_status_display")

    class Meta:
        model = ReceptionDay
        fields = [
            "id",
            "unit",
            "leader",
            "role",
            "role_label",
            "planned_on",
            "time_text",
            "place",
            "note",
            "published",
            "status",
            "status_label",
            "held_note",
            "cancel_reason",
        ]
        read_only_fields = fields


class VisitorSerializer(serializers.Serializer):
    name = serializers.SerializerMethodField(help_text="脱敏")
    phone = serializers.SerializerMethodField(help_text="脱敏")
    petitioner = serializers.IntegerField(source="petitioner_id", allow_null=True)

    def get_name(self, obj: Any) -> str:
        return mask_name(obj.name)

    def get_phone(self, obj: Any) -> str:
        return mask_phone(obj.phone)


class ReceptionSerializer(serializers.ModelSerializer):
    unit = UnitRefSerializer()
    leader = PersonRefSerializer()
    role = code_field(Role.choices)
    role_label = serializers.CharField(source="get_role_display")
    visitors = VisitorSerializer(many=True)
    case = serializers.SerializerMethodField(help_text="关联的信访事项 id（不在权限范围内的显示为 null）")
    case_number = serializers.SerializerMethodField()

    class Meta:
        model = Reception
        fields = [
            "id",
            "unit",
            "leader",
            "role",
            "role_label",
            "reception_day",
            "received_on",
            "matter",
            "outcome",
            "headcount",
            "visitors",
            "case",
            "case_number",
            "created_at",
        ]
        read_only_fields = fields

    def _case(self, obj: Reception) -> Any:
        visible = self.context.get("visible_cases")
        if obj.case_id is None or visible is None or obj.case_id not in visible:
            return None
        return obj.case

    @extend_schema_field(OpenApiTypes.INT)
    def get_case(self, obj: Reception) -> int | None:
        case = self._case(obj)
        return case.pk if case else None

    @extend_schema_field(OpenApiTypes.STR)
    def get_case_number(self, obj: Reception) -> str | None:
        case = self._case(obj)
        return case.number if case else None


class ChecklistItemSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # (a field named like Field.label)
    applies = serializers.BooleanField()
    done = serializers.BooleanField()
    note = serializers.CharField(allow_blank=True)


class ProgressOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    on = serializers.DateField()
    note = serializers.CharField()
    recorded_by = PersonRefSerializer()


class DocumentRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    title = serializers.CharField()
    number = serializers.CharField()
    version = serializers.IntegerField()
    docx_sha256 = serializers.CharField()
    pdf_sha256 = serializers.CharField()
    docx_url = serializers.CharField()
    pdf_url = serializers.CharField()


class OwnershipSerializer(serializers.ModelSerializer):
    case = CaseRefSerializer()
    unit = UnitRefSerializer()
    leader = PersonRefSerializer()
    role = code_field(Role.choices)
    basis = code_field(Basis.choices)
    plan_kind = code_field(PlanKind.choices)
    status = code_field(OwnershipStatus.choices)
    role_label = serializers.CharField(source="get_role_display")
    basis_label = serializers.CharField(source="get_basis_display")
    plan_kind_label = serializers.CharField(source="get_plan_kind_display")
    status_label = serializers.CharField(source="get_status_display")
    checklist = serializers.SerializerMethodField()

    class Meta:
        model = Ownership
        fields = [
            "id",
            "case",
            "unit",
            "leader",
            "role",
            "role_label",
            "basis",
            "basis_label",
            "plan_kind",
            "plan_kind_label",
            "plan",
            "tasks",
            "team_note",
            "assigned_on",
            "deadline",
            "checklist",
            "status",
            "status_label",
            "closed_on",
            "outcome",
        ]
        read_only_fields = fields

    @extend_schema_field(ChecklistItemSerializer(many=True))
    def get_checklist(self, obj: Ownership) -> list[dict[str, Any]]:
        return obj.checklist_items()


class OwnershipDetailSerializer(OwnershipSerializer):
    team = PersonRefSerializer(many=True)
    progress = serializers.SerializerMethodField()
    documents = serializers.SerializerMethodField(help_text="包案责任书各版本")

    class Meta(OwnershipSerializer.Meta):
        fields = [*OwnershipSerializer.Meta.fields, "team", "progress", "documents"]
        read_only_fields = fields

    @extend_schema_field(ProgressOutSerializer(many=True))
    def get_progress(self, obj: Ownership) -> Any:
        rows = obj.progress.select_related("recorded_by").order_by("on", "id")
        return ProgressOutSerializer(rows, many=True).data

    @extend_schema_field(DocumentRefSerializer(many=True))
    def get_documents(self, obj: Ownership) -> list[dict[str, Any]]:
        from xinfang.documents.selectors import documents_of

        return [DocumentRefSerializer(document_summary(d)).data for d in documents_of(obj)]


class OwnerCheckSerializer(serializers.Serializer):
    ok = serializers.BooleanField(help_text="是否由事项所在支队主官包案")
    ownership = serializers.IntegerField(allow_null=True, help_text="在办包案 id")
    leader = PersonRefSerializer(allow_null=True)
    required_unit = UnitRefSerializer(help_text="其主官应当包案的单位")
    proposed_leader = PersonRefSerializer(allow_null=True, help_text="系统建议的包案领导（该单位在岗主官）")


class ReportOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    on = serializers.DateField()
    content = serializers.CharField()
    reported_by = PersonRefSerializer()


class SupervisionSerializer(serializers.ModelSerializer):
    case = CaseRefSerializer()
    listed_by_unit = UnitRefSerializer()
    level = code_field(SupervisionLevel.choices)
    status = code_field(SupervisionStatus.choices)
    level_label = serializers.CharField(source="get_level_display")
    status_label = serializers.CharField(source="get_status_display")
    owner = serializers.SerializerMethodField()

    class Meta:
        model = Supervision
        fields = [
            "id",
            "case",
            "level",
            "level_label",
            "listed_by_unit",
            "reference_no",
            "listed_on",
            "deadline",
            "requirements",
            "status",
            "status_label",
            "lifted_on",
            "lift_reason",
            "owner",
        ]
        read_only_fields = fields

    @extend_schema_field(OwnerCheckSerializer)
    def get_owner(self, obj: Supervision) -> dict[str, Any]:
        check = self.context["owner_checks"][obj.pk]
        proposed = check.proposed if obj.is_active and not check.ok else None
        return OwnerCheckSerializer(
            {
                "ok": check.ok,
                "ownership": check.owner.pk if check.owner else None,
                "leader": check.owner.leader if check.owner else None,
                "required_unit": check.required_unit,
                "proposed_leader": proposed.user if proposed else None,
            }
        ).data


class SupervisionDetailSerializer(SupervisionSerializer):
    reports = serializers.SerializerMethodField()

    class Meta(SupervisionSerializer.Meta):
        fields = [*SupervisionSerializer.Meta.fields, "reports"]
        read_only_fields = fields

    @extend_schema_field(ReportOutSerializer(many=True))
    def get_reports(self, obj: Supervision) -> Any:
        return ReportOutSerializer(obj.reports.select_related("reported_by").order_by("on", "id"), many=True).data


class PeriodOutSerializer(serializers.Serializer):
    period = serializers.IntegerField(source="span.index", help_text="第几个周期（季度 1–4、半年 1–2、年 1）")
    label = serializers.CharField(source="span.label")  # type: ignore[assignment]  # (named like Field.label)
    start = serializers.DateField(source="span.start")
    end = serializers.DateField(source="span.end")
    days = serializers.IntegerField(help_text="接访天数")
    required = serializers.IntegerField(help_text="应不少于（天）")  # type: ignore[assignment]  # (Field.required)
    state = serializers.CharField(help_text="met 已完成；missed 未完成；due 待完成；future 未到期；na 不适用")


class LeaderComplianceSerializer(serializers.Serializer):
    leader = PersonRefSerializer(source="user")
    role = serializers.CharField()
    remit = serializers.CharField(allow_blank=True, help_text="分管范围（一岗双责）")
    period = serializers.SerializerMethodField(help_text="quarter / half / year；null：无配额（大队随时接访）")
    days_total = serializers.IntegerField()
    periods = PeriodOutSerializer(source="cells", many=True)

    @extend_schema_field(OpenApiTypes.STR)
    def get_period(self, obj: Any) -> str | None:
        return obj.quota.period if obj.quota else None


class ComplianceSerializer(serializers.Serializer):
    unit = UnitRefSerializer()
    level = serializers.CharField(source="unit.level")
    year = serializers.IntegerField()
    meetings_held = serializers.IntegerField(source="pace.held")
    meetings_required = serializers.IntegerField(source="pace.required", help_text="年中新设单位按比例折算")
    meetings_quota = serializers.IntegerField(source="pace.quota")
    meetings_owed = serializers.IntegerField(source="pace.owed")
    share_of_year_gone = serializers.FloatField(source="pace.share_gone")
    share_of_quota_met = serializers.FloatField(source="pace.share_met")
    behind_pace = serializers.BooleanField(source="pace.behind_pace")
    chief_receptions = LeaderComplianceSerializer(source="chiefs", many=True, help_text="主官各周期接访天数")
    member_receptions = LeaderComplianceSerializer(source="members", many=True, help_text="其他班子成员")
    designation_gaps = serializers.ListField(child=serializers.CharField(), help_text="主官、分管领导明确情况")
    reception_gaps = serializers.ListField(child=serializers.CharField())
    gaps = serializers.ListField(child=serializers.CharField())
