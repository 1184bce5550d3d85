"""Shapes of the cases API (/api/v1/cases/, /api/v1/topics/): input serializers check the shape only (types,
choices, presence) — every rule of the procedure is the services' (a refusal is 400 {"code", "detail"}); output
serializers show a case with its petitioners' personal data masked (no unmasking through the API)."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from xinfang.cases.models import (
    Case,
    CaseEvent,
    Category,
    Channel,
    Disposition,
    Kind,
    OpinionResult,
    Rating,
    Status,
    TransferKind,
)
from xinfang.cases.selectors import SORTS
from xinfang.core.legal_calendar import DUE_STATE_LABELS, DUE_STATES
from xinfang.core.masking import mask_address, mask_id_number, mask_name, mask_phone
from xinfang.orgs.models import Unit, User

DATE_HELP = "日期，格式 YYYY-MM-DD"


def _choices_help(choices: list[tuple[str, str]]) -> str:
    return "；".join(f"`{value}` {label}" for value, label in choices)


# ---------------------------------------------------------------------------------------------------
# Input


class PetitionerInputSerializer(serializers.Serializer):
    name = serializers.CharField(label="姓名", required=False, allow_blank=True, default="", max_length=50)
    id_number = serializers.CharField(
        label="身份证号码",
        required=False,
        allow_blank=True,
        default="",
        max_length=30,
        help_text="18位居民身份证号码，按 GB 11643 校验码核验",
    )
    phone = serializers.CharField(label="联系电话", required=False, allow_blank=True, default="", max_length=30)
    address = serializers.CharField(label="住址", required=False, allow_blank=True, default="", max_length=200)
    is_representative = serializers.BooleanField(
        label="代表", required=False, default=False, help_text="集体信访推选的代表（不超过5人，条例第二十条）"
    )


class CaseCreateSerializer(serializers.Serializer):
    """POST /api/v1/cases/ — 登记信访事项."""

    unit = serializers.IntegerField(label="办理（登记）单位", min_value=1, help_text="单位 id")
    channel = serializers.ChoiceField(
        label="来源渠道", choices=Channel.choices, help_text=_choices_help(Channel.choices)
    )
    source = serializers.CharField(  # type: ignore[assignment]  # (a field named like Field.source)
        label="交办/转送机关", required=False, allow_blank=True, default="", help_text="channel=assigned 时必填"
    )
    reference_no = serializers.CharField(label="来文编号", required=False, allow_blank=True, default="")
    received_on = serializers.DateField(label="收到日期", help_text=DATE_HELP)
    category = serializers.ChoiceField(
        label="类别", choices=Category.choices, help_text=_choices_help(Category.choices)
    )
    topic = serializers.CharField(label="业务分类", max_length=40, help_text="业务分类代码，见 GET /api/v1/topics/")
    title = serializers.CharField(label="事由", max_length=200)
    content = serializers.CharField(label="主要内容")
    petitioners = PetitionerInputSerializer(
        label="信访人", many=True, required=False, default=list, help_text="匿名信访可为空（anonymous=true）"
    )
    headcount = serializers.IntegerField(
        label="人数",
        min_value=1,
        required=False,
        allow_null=True,
        default=None,
        help_text="默认为信访人数；5人以上为集体访",
    )
    anonymous = serializers.BooleanField(label="匿名", required=False, default=False)
    accused_unit = serializers.PrimaryKeyRelatedField(
        label="被反映单位",
        queryset=Unit.objects.all(),
        required=False,
        allow_null=True,
        default=None,
        help_text="检举控告类：被反映单位 id（该单位及其下级单位人员看不到本事项，条例第三十条）",
    )
    accused_officials = serializers.PrimaryKeyRelatedField(
        label="被反映人员",
        queryset=User.objects.all(),
        many=True,
        required=False,
        default=list,
        help_text="检举控告类：被反映的系统内人员 id",
    )
    accused_names = serializers.CharField(
        label="被反映人员（系统外）", required=False, allow_blank=True, default="", max_length=200
    )
    original_case = serializers.IntegerField(
        label="重复信访的原事项",
        min_value=1,
        required=False,
        allow_null=True,
        default=None,
        help_text="原信访事项 id（重复信访时关联）",
    )
    new_facts = serializers.CharField(
        label="新的事实和理由",
        required=False,
        allow_blank=True,
        default="",
        help_text="原事项已复核终结时必填（条例第三十六条）",
    )


class VersionedSerializer(serializers.Serializer):
    version = serializers.IntegerField(
        label="版本",
        required=False,
        allow_null=True,
        default=None,
        help_text="可选：读取时的 version；与当前不一致时拒绝（stale），防止覆盖他人的修改",
    )


class AcceptSerializer(VersionedSerializer):
    accepted_on = serializers.DateField(label="受理日期", help_text=DATE_HELP)
    handler = serializers.PrimaryKeyRelatedField(
        label="承办人",
        queryset=User.objects.all(),
        required=False,
        allow_null=True,
        default=None,
        help_text="默认为操作人（如其可办理）",
    )
    note = serializers.CharField(label="说明", required=False, allow_blank=True, default="")


class DeclineSerializer(VersionedSerializer):
    decided_on = serializers.DateField(label="决定日期", help_text=DATE_HELP)
    reason = serializers.CharField(label="不予受理理由")


class DivertSerializer(VersionedSerializer):
    decided_on = serializers.DateField(label="决定日期", help_text=DATE_HELP)
    art31_item = serializers.IntegerField(
        label="条例第三十一条情形", help_text="1–5：条例第三十一条第（一）至（五）项（第六项为受理，见 accept）"
    )
    route = serializers.CharField(label="法定途径", help_text="告知信访人的法定途径，写入导出告知书")


@extend_schema_field({"type": "string", "pattern": f"^({'|'.join(TransferKind.values)})$", "default": "forward"})
class TransferKindField(serializers.ChoiceField):
    """The forwarding mode. Described by a pattern, not an enum: an enum component named after the field would
    collide with the case's own `kind` (initial/review/rereview)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=TransferKind.choices, **kwargs)


class ForwardSerializer(VersionedSerializer):
    to_unit = serializers.PrimaryKeyRelatedField(label="接收单位", queryset=Unit.objects.all(), help_text="单位 id")
    forwarded_on = serializers.DateField(label="转送/交办日期", help_text=DATE_HELP)
    kind = TransferKindField(
        label="方式",
        required=False,
        default=TransferKind.FORWARD,
        help_text="`forward` 转送（默认）；`assign` 交办给下级单位，须填 result_due",
    )
    result_due = serializers.DateField(
        label="报送结果期限", required=False, allow_null=True, default=None, help_text="交办时必填，" + DATE_HELP
    )
    note = serializers.CharField(label="说明", required=False, allow_blank=True, default="")


class ObjectSerializer(VersionedSerializer):
    objected_on = serializers.DateField(label="提出异议日期", help_text=DATE_HELP)
    reason = serializers.CharField(label="异议理由")


class ObjectionDecisionSerializer(VersionedSerializer):
    decided_on = serializers.DateField(label="处理日期", help_text=DATE_HELP)
    note = serializers.CharField(label="说明", required=False, allow_blank=True, default="")


class ExtendSerializer(VersionedSerializer):
    days = serializers.IntegerField(label="延长天数", help_text="本事项各次延期合计不超过30日（条例第三十四条）")
    reason = serializers.CharField(label="延期理由")
    approved_by = serializers.PrimaryKeyRelatedField(
        label="批准人",
        queryset=User.objects.all(),
        help_text="用户 id：办理单位主官或分管领导，不能是承办人",
    )
    notified_on = serializers.DateField(label="告知信访人日期", help_text=DATE_HELP)


class HearingSerializer(VersionedSerializer):
    days = serializers.IntegerField(label="听证天数", help_text="复查、复核期限不计算听证时间（条例第三十六条）")
    held_on = serializers.DateField(label="听证日期", help_text=DATE_HELP)
    note = serializers.CharField(label="说明", required=False, allow_blank=True, default="")


class OpinionSerializer(VersionedSerializer):
    result = serializers.ChoiceField(
        label="处理结果", choices=OpinionResult.choices, help_text=_choices_help(OpinionResult.choices)
    )
    disposition = serializers.ChoiceField(
        label="对原处理意见",
        choices=Disposition.choices,
        required=False,
        allow_blank=True,
        default="",
        help_text=(
            "复查、复核意见必填（否则 400 disposition_required）："
            + _choices_help(Disposition.choices)
            + "；初次处理意见不填（填写则 400 disposition_not_applicable）"
        ),
    )
    request_summary = serializers.CharField(
        label="信访请求", required=False, allow_blank=True, default="", help_text="默认为事由"
    )
    facts = serializers.CharField(label="事实和理由")
    opinion = serializers.CharField(label="处理意见")
    legal_basis = serializers.CharField(label="依据")
    issued_on = serializers.DateField(
        label="出具日期",
        required=False,
        allow_null=True,
        default=None,
        help_text=(
            "计划出具日期。本接口只拟定意见（状态 opinion_drafted）；主官或分管领导（非拟稿人）调用 "
            "approve-opinion 审批时，按此日期出具意见并生成意见书（状态 opinion_issued）。"
            "不填则审批后状态为 opinion_approved，再由承办人调用 issue-opinion 出具。"
        ),
    )


class ReturnOpinionSerializer(VersionedSerializer):
    reason = serializers.CharField(label="退回理由")


class ApproveOpinionSerializer(VersionedSerializer):
    issued_on = serializers.DateField(
        label="出具日期",
        required=False,
        allow_null=True,
        default=None,
        help_text="可选：覆盖拟稿时填写的计划出具日期；有出具日期则审批即出具",
    )


class IssueOpinionSerializer(VersionedSerializer):
    issued_on = serializers.DateField(label="出具日期", help_text=DATE_HELP)


class DeliverSerializer(VersionedSerializer):
    delivered_on = serializers.DateField(label="送达日期", help_text=DATE_HELP)
    method = serializers.CharField(label="送达方式", required=False, allow_blank=True, default="", max_length=50)


class EvaluateSerializer(VersionedSerializer):
    rating = serializers.ChoiceField(label="评价", choices=Rating.choices, help_text=_choices_help(Rating.choices))
    evaluated_on = serializers.DateField(
        label="评价日期", source="on", required=False, allow_null=True, default=None, help_text="默认今天"
    )
    note = serializers.CharField(label="意见", required=False, allow_blank=True, default="")


class CarriedOutSerializer(VersionedSerializer):
    carried_out_on = serializers.DateField(label="落实日期", help_text=DATE_HELP)
    note = serializers.CharField(label="落实情况", required=False, allow_blank=True, default="")


class ConcludeSerializer(VersionedSerializer):
    concluded_on = serializers.DateField(
        label="办结日期", required=False, allow_null=True, default=None, help_text="默认今天"
    )
    note = serializers.CharField(label="说明", required=False, allow_blank=True, default="")


class ReviewSerializer(serializers.Serializer):
    requested_on = serializers.DateField(
        label="收到复查/复核请求日期", help_text="送达之日起30日内（条例第三十五、三十六条）；" + DATE_HELP
    )
    content = serializers.CharField(label="请求内容", required=False, allow_blank=True, default="")
    channel = serializers.ChoiceField(label="来源渠道", choices=Channel.choices, required=False, default=Channel.LETTER)


class AssignHandlerSerializer(serializers.Serializer):
    handler = serializers.PrimaryKeyRelatedField(label="承办人", queryset=User.objects.all(), help_text="用户 id")


class DeclareInterestSerializer(serializers.Serializer):
    user = serializers.PrimaryKeyRelatedField(label="回避人员", queryset=User.objects.all(), help_text="用户 id")
    reason = serializers.CharField(label="回避理由")


class AttachmentUploadSerializer(serializers.Serializer):
    file = serializers.FileField(label="附件", help_text="PDF、JPG、PNG、DOC/DOCX、XLS/XLSX、TXT，不超过20MB")


class RepeatQuerySerializer(serializers.Serializer):
    """POST /api/v1/cases/repeat-candidates/ — personal data in the body, never in a URL."""

    name = serializers.CharField(label="姓名", required=False, allow_blank=True, default="", max_length=50)
    id_number = serializers.CharField(label="身份证号码", required=False, allow_blank=True, default="", max_length=30)
    phone = serializers.CharField(label="联系电话", required=False, allow_blank=True, default="", max_length=30)
    title = serializers.CharField(label="事由", required=False, allow_blank=True, default="", max_length=200)
    content = serializers.CharField(label="主要内容", required=False, allow_blank=True, default="")


def _csv_choice(choices: list[str], label: str) -> Callable[[str], None]:
    def validate(value: str) -> None:
        bad = [v for v in value.split(",") if v and v not in choices]
        if bad:
            raise serializers.ValidationError(f"{label}无效：{'、'.join(bad)}")

    return validate


class CaseFilterSerializer(serializers.Serializer):
    """Query parameters of GET /api/v1/cases/ (the same selector as the list page and the export)."""

    status = serializers.CharField(
        label="状态",
        required=False,
        allow_blank=True,
        default="",
        validators=[_csv_choice(Status.values, "状态")],
        help_text="一个或多个（逗号分隔）：" + _choices_help(Status.choices),
    )
    overdue = serializers.BooleanField(
        label="逾期", required=False, allow_null=True, default=None, help_text="true 仅逾期；false 仅未逾期"
    )
    unit = serializers.IntegerField(
        label="单位", required=False, allow_null=True, default=None, help_text="该单位及其下级单位"
    )
    q = serializers.CharField(
        label="关键字",
        required=False,
        allow_blank=True,
        default="",
        max_length=100,
        help_text="编号、事由、内容；或信访人的完整姓名、身份证号码、电话（按密钥哈希精确匹配）",
    )
    category = serializers.CharField(
        label="类别", required=False, allow_blank=True, default="", validators=[_csv_choice(Category.values, "类别")]
    )
    topic = serializers.CharField(label="业务分类代码", required=False, allow_blank=True, default="")
    channel = serializers.CharField(
        label="来源渠道",
        required=False,
        allow_blank=True,
        default="",
        validators=[_csv_choice(Channel.values, "来源渠道")],
    )
    kind = serializers.CharField(
        label="类型", required=False, allow_blank=True, default="", validators=[_csv_choice(Kind.values, "类型")]
    )
    due_state = serializers.ChoiceField(
        label="期限状态",
        choices=[(s, DUE_STATE_LABELS[s]) for s in DUE_STATES],
        required=False,
        allow_blank=True,
        default="",
    )
    open = serializers.BooleanField(label="仅未办结", required=False, default=False)
    received_from = serializers.DateField(label="收到日期起", required=False, allow_null=True, default=None)
    received_to = serializers.DateField(label="收到日期止", required=False, allow_null=True, default=None)
    sort = serializers.ChoiceField(label="排序", choices=list(SORTS), required=False, default="-received_on")


# ---------------------------------------------------------------------------------------------------
# Output


class MaskedField(serializers.CharField):
    """A personal-data string shown masked (110105********1234, 138****5678)."""

    def __init__(self, mask: Callable[[str | None], str], **kwargs: Any) -> None:
        self.mask = mask
        kwargs.setdefault("read_only", True)
        super().__init__(**kwargs)

    def to_representation(self, value: Any) -> str:
        return self.mask(value)


class PetitionerSerializer(serializers.Serializer):
    name = MaskedField(mask_name, help_text="已脱敏")
    id_number = MaskedField(mask_id_number, help_text="已脱敏，如 110105********1234")
    phone = MaskedField(mask_phone, help_text="已脱敏，如 138****5678")
    address = MaskedField(mask_address, help_text="已脱敏")
    is_representative = serializers.BooleanField(read_only=True)


class CaseSerializer(serializers.ModelSerializer):
    """A case as lists show it."""

    unit_code = serializers.CharField(source="unit.code", read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    topic: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="code", read_only=True, help_text="业务分类代码"
    )
    topic_name = serializers.CharField(source="topic.name", read_only=True)
    anonymous = serializers.BooleanField(source="is_anonymous", read_only=True)
    collective = serializers.BooleanField(source="is_collective", read_only=True)
    handler_name = serializers.SerializerMethodField()
    deadline = serializers.SerializerMethodField()
    due_state = serializers.SerializerMethodField()
    overdue = serializers.SerializerMethodField()
    petitioners = PetitionerSerializer(many=True, read_only=True)

    class Meta:
        model = Case
        fields = [
            "id",
            "number",
            "unit",
            "unit_code",
            "unit_name",
            "status",
            "status_label",
            "kind",
            "kind_label",
            "parent_case",
            "original_case",
            "channel",
            "source",
            "reference_no",
            "received_on",
            "category",
            "topic",
            "topic_name",
            "title",
            "headcount",
            "collective",
            "anonymous",
            "accused_unit",
            "handler",
            "handler_name",
            "ack_due",
            "accepted_on",
            "due",
            "extension_days",
            "hearing_days",
            "deadline",
            "due_state",
            "overdue",
            "petitioners",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "unit": {"help_text": "办理单位 id"},
            "kind": {"help_text": "`initial` 信访事项；`review` 复查；`rereview` 复核"},
            "parent_case": {"help_text": "复查/复核所针对的事项 id"},
            "original_case": {"help_text": "重复信访关联的原事项 id"},
            "ack_due": {"help_text": "受理告知期限（收到之日起15日，条例第二十三条）"},
            "due": {
                "help_text": "办结期限：受理前为 null；初信初访为受理后60日加延期（条例第三十四条），"
                "复查/复核为收到请求后30日"
            },
            "extension_days": {"help_text": "已延期天数合计（≤30）"},
        }

    def get_handler_name(self, obj: Case) -> str:
        return obj.handler.display_name if obj.handler_id and obj.handler else ""

    @extend_schema_field(OpenApiTypes.DATE)
    def get_deadline(self, obj: Case) -> str | None:
        """The limit running now: 受理告知 while undecided, 办结 while accepted without an issued opinion."""
        return obj.deadline.isoformat() if obj.deadline else None

    @extend_schema_field(serializers.ChoiceField(choices=list(DUE_STATES)))
    def get_due_state(self, obj: Case) -> str:
        return obj.due_state(_today(self))

    def get_overdue(self, obj: Case) -> bool:
        return obj.is_overdue(_today(self))


def _today(serializer: serializers.Serializer) -> datetime.date:
    return serializer.context.get("today") or timezone.localdate()


class CaseCreatedSerializer(CaseSerializer):
    query_code = serializers.CharField(
        source="plain_query_code", read_only=True, help_text="查询码，仅在登记（或复查/复核立案）的答复中出现一次"
    )

    class Meta(CaseSerializer.Meta):
        fields = [*CaseSerializer.Meta.fields, "query_code"]
        read_only_fields = fields


class UserRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(source="display_name", read_only=True)


class TransferSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    kind = serializers.CharField(read_only=True)
    from_unit = serializers.IntegerField(source="from_unit_id", read_only=True)
    from_unit_name = serializers.CharField(source="from_unit.name", read_only=True)
    to_unit = serializers.IntegerField(source="to_unit_id", read_only=True)
    to_unit_name = serializers.CharField(source="to_unit.name", read_only=True)
    on = serializers.DateField(read_only=True)
    result_due = serializers.DateField(read_only=True, allow_null=True)
    objection_due = serializers.DateField(read_only=True)
    objected_on = serializers.DateField(read_only=True, allow_null=True)
    objection_reason = serializers.CharField(read_only=True)
    objection_decision = serializers.CharField(read_only=True)
    objection_decided_on = serializers.DateField(read_only=True, allow_null=True)


class ExtensionSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    days = serializers.IntegerField(read_only=True)
    reason = serializers.CharField(read_only=True)
    approved_by = UserRefSerializer(read_only=True)
    notified_on = serializers.DateField(read_only=True)
    due_before = serializers.DateField(read_only=True)
    due_after = serializers.DateField(read_only=True)


class OpinionOutSerializer(serializers.Serializer):
    result = serializers.CharField(read_only=True)
    result_label = serializers.CharField(source="get_result_display", read_only=True)
    disposition = serializers.CharField(
        read_only=True, help_text="复查、复核意见对原处理意见：uphold 维持 / change 变更 / revoke 撤销；初次意见为空"
    )
    disposition_label = serializers.CharField(source="get_disposition_display", read_only=True)
    request_summary = serializers.CharField(read_only=True)
    facts = serializers.CharField(read_only=True)
    opinion = serializers.CharField(read_only=True)
    legal_basis = serializers.CharField(read_only=True)
    drafted_by = serializers.IntegerField(source="drafted_by_id", read_only=True)
    drafted_at = serializers.DateTimeField(read_only=True)
    approved_by = serializers.IntegerField(source="approved_by_id", read_only=True, allow_null=True)
    approved_at = serializers.DateTimeField(read_only=True, allow_null=True)
    issued_on = serializers.DateField(
        read_only=True, allow_null=True, help_text="出具日期；审批前为计划出具日期（如拟稿时填写）"
    )
    delivered_on = serializers.DateField(read_only=True, allow_null=True)
    delivery_method = serializers.CharField(read_only=True)
    carried_out_on = serializers.DateField(read_only=True, allow_null=True)
    carried_out_note = serializers.CharField(read_only=True)


class EvaluationSerializer(serializers.Serializer):
    rating = serializers.CharField(read_only=True)
    rating_label = serializers.CharField(source="get_rating_display", read_only=True)
    on = serializers.DateField(read_only=True)
    note = serializers.CharField(read_only=True)


class AttachmentSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(source="original_name", read_only=True)
    content_type = serializers.CharField(read_only=True)
    size = serializers.IntegerField(read_only=True)
    sha256 = serializers.CharField(read_only=True)
    uploaded_at = serializers.DateTimeField(read_only=True)
    url = serializers.SerializerMethodField(help_text="下载地址（经权限检查）")

    def get_url(self, obj: Any) -> str:
        from django.urls import reverse

        path = reverse("api:case-attachment-download", kwargs={"pk": obj.case_id, "attachment_id": obj.pk})
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path


class EventSerializer(serializers.Serializer):
    at = serializers.DateTimeField(read_only=True)
    on = serializers.DateField(read_only=True, allow_null=True, help_text="业务日期")
    action = serializers.CharField(read_only=True)
    label = serializers.CharField(read_only=True)  # type: ignore[assignment]  # (named like Field.label)
    from_status = serializers.CharField(read_only=True)
    to_status = serializers.CharField(read_only=True)
    actor = serializers.SerializerMethodField()
    unit = serializers.IntegerField(source="unit_id", read_only=True, allow_null=True)
    note = serializers.CharField(read_only=True)

    def get_actor(self, obj: CaseEvent) -> str:
        return obj.actor.display_name if obj.actor_id and obj.actor else ""


class CaseDetailSerializer(CaseSerializer):
    """One case with everything the procedure recorded. The source object is a selectors.CaseDetail."""

    content = serializers.CharField(read_only=True)
    new_facts = serializers.CharField(read_only=True)
    accused_names = serializers.CharField(read_only=True)
    accused_officials = UserRefSerializer(many=True, read_only=True)
    registered_unit = serializers.IntegerField(
        source="registered_unit_id", read_only=True, help_text="登记单位 id（编号取自登记单位，转送后不变）"
    )
    registered_by = serializers.IntegerField(source="registered_by_id", read_only=True)
    first_unit = serializers.IntegerField(source="first_unit_id", read_only=True, allow_null=True)
    first_officer = serializers.IntegerField(source="first_officer_id", read_only=True, allow_null=True)
    decided_on = serializers.DateField(read_only=True, allow_null=True)
    acknowledged_on = serializers.DateField(read_only=True, allow_null=True)
    decline_reason = serializers.CharField(read_only=True)
    art31_item = serializers.IntegerField(read_only=True, allow_null=True)
    route = serializers.CharField(read_only=True)
    concluded_on = serializers.DateField(read_only=True, allow_null=True)
    opinion = serializers.SerializerMethodField()
    evaluation = serializers.SerializerMethodField()
    transfers = TransferSerializer(many=True, read_only=True)
    extensions = ExtensionSerializer(many=True, read_only=True)
    attachments = AttachmentSerializer(many=True, read_only=True)
    review_request_until = serializers.SerializerMethodField()
    reviews = serializers.SerializerMethodField()
    repeats = serializers.SerializerMethodField()
    actions = serializers.SerializerMethodField()
    events = serializers.SerializerMethodField()

    class Meta(CaseSerializer.Meta):
        fields = [
            *CaseSerializer.Meta.fields,
            "content",
            "new_facts",
            "accused_names",
            "accused_officials",
            "registered_unit",
            "registered_by",
            "first_unit",
            "first_officer",
            "decided_on",
            "acknowledged_on",
            "decline_reason",
            "art31_item",
            "route",
            "concluded_on",
            "opinion",
            "evaluation",
            "transfers",
            "extensions",
            "attachments",
            "review_request_until",
            "reviews",
            "repeats",
            "actions",
            "events",
        ]
        read_only_fields = fields

    def _detail(self) -> Any:
        return self.context["detail"]

    @extend_schema_field(OpinionOutSerializer(allow_null=True))
    def get_opinion(self, obj: Case) -> dict[str, Any] | None:
        from xinfang.cases.models import Opinion

        try:
            return dict(OpinionOutSerializer(obj.opinion).data)
        except Opinion.DoesNotExist:
            return None

    @extend_schema_field(EvaluationSerializer(allow_null=True))
    def get_evaluation(self, obj: Case) -> dict[str, Any] | None:
        from xinfang.cases.models import Evaluation

        try:
            return dict(EvaluationSerializer(obj.evaluation).data)
        except Evaluation.DoesNotExist:
            return None

    @extend_schema_field(OpenApiTypes.DATE)
    def get_review_request_until(self, obj: Case) -> str | None:
        until = self._detail().review_request_until
        return until.isoformat() if until else None

    def get_reviews(self, obj: Case) -> list[int]:
        return [c.pk for c in self._detail().reviews]

    def get_repeats(self, obj: Case) -> list[int]:
        return [c.pk for c in self._detail().repeats]

    def get_actions(self, obj: Case) -> list[str]:
        """The action paths (POST /api/v1/cases/{id}/<action>/) the caller may take now."""
        from xinfang.api.cases_views import API_ACTIONS

        return [API_ACTIONS[t.action] for t in self._detail().actions if t.action in API_ACTIONS]

    @extend_schema_field(EventSerializer(many=True))
    def get_events(self, obj: Case) -> list[dict[str, Any]]:
        return list(EventSerializer(self._detail().events, many=True).data)


class ReviewCreatedSerializer(CaseDetailSerializer):
    query_code = serializers.CharField(
        source="plain_query_code", read_only=True, help_text="新复查/复核事项的查询码，仅此一次"
    )

    class Meta(CaseDetailSerializer.Meta):
        fields = [*CaseDetailSerializer.Meta.fields, "query_code"]
        read_only_fields = fields


class QueryCodeSerializer(serializers.Serializer):
    query_code = serializers.CharField(help_text="新的查询码，仅此一次；旧查询码失效")


class DocumentSerializer(serializers.Serializer):
    """One version of a case document (受理告知书, 延期告知书, 信访处理意见书 …)."""

    id = serializers.IntegerField()
    kind = serializers.CharField(help_text="文种代码，如 acceptance_notice、extension_notice、opinion")
    title = serializers.CharField()
    number = serializers.CharField(help_text="文号")
    version = serializers.IntegerField(help_text="版本（重新生成则加一，旧版本不变）")
    unit = serializers.IntegerField(source="unit_id", help_text="发文单位 id")
    owner = serializers.SerializerMethodField(help_text="所属：case 本事项；extension 某次延期；transfer 某次转送/交办")
    created_at = serializers.DateTimeField()
    sha256 = serializers.CharField(source="pdf_sha256", help_text="PDF 文件的 SHA-256（同 pdf_sha256）")
    pdf_sha256 = serializers.CharField()
    docx_sha256 = serializers.CharField()
    url = serializers.SerializerMethodField(help_text="PDF 下载地址（同 pdf_url）")
    pdf_url = serializers.SerializerMethodField()
    docx_url = serializers.SerializerMethodField()

    def get_owner(self, obj: Any) -> str:
        return str(obj.content_type.model)

    def _url(self, obj: Any, fmt: str) -> str:
        from django.urls import reverse

        path = reverse("api:document-download", kwargs={"pk": obj.pk, "fmt": fmt})
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path

    def get_url(self, obj: Any) -> str:
        return self._url(obj, "pdf")

    def get_pdf_url(self, obj: Any) -> str:
        return self._url(obj, "pdf")

    def get_docx_url(self, obj: Any) -> str:
        return self._url(obj, "docx")


class TopicSerializer(serializers.Serializer):
    code = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True)


class RepeatCandidateSerializer(serializers.Serializer):
    case = CaseSerializer(read_only=True)
    same_petitioner = serializers.BooleanField(read_only=True)
    similarity = serializers.FloatField(read_only=True)
    reasons = serializers.ListField(child=serializers.CharField(), read_only=True)
