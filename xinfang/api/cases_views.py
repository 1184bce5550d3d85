"""The cases API (issue item 8): registration, the scoped list and detail, one POST per step of the procedure,
the case documents, topics.

Every endpoint is thin: fetch the case through the access helper (out of scope 404, in scope without the
permission 403 — checked before the body, so an outsider learns nothing from a validation answer), check the
body's shape with a serializer, call ONE service (the same ones the pages call), serialize. A refusal by the
procedure is the service's DomainError: 400 {"code", "detail", "field"?}, and nothing changed (every service is
atomic). A DomainError with code "forbidden" (a permission the service checks itself) answers 403.

The opinion (Art 32) is drafted, approved by the unit's 主官 or 分管领导 (never the drafter), issued, delivered:

    POST opinion          {result, facts, opinion, legal_basis, issued_on?}  → opinion_drafted; issued_on is the
                                                                             planned issue date
    POST approve-opinion  {issued_on?}                                      → approved; with a planned (or given)
                          issue date the opinion is issued at once         → opinion_issued + 信访处理意见书
    POST issue-opinion    {issued_on}                                       → opinion_issued (approved without a date)
    POST return-opinion   {reason}                                          → back to accepted for redrafting
"""

from __future__ import annotations

import io
from typing import Any

from django.db.models import QuerySet
from django.http import FileResponse, Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from xinfang.api import cases_serializers as s
from xinfang.api.errors import error_response
from xinfang.api.serializers import ErrorSerializer, ValidationErrorSerializer
from xinfang.cases import services
from xinfang.cases.documents import case_document_list
from xinfang.cases.models import VIEW_PERM, Case
from xinfang.cases.selectors import (
    access_attachment,
    access_case,
    access_case_for_action,
    case_detail,
    case_list,
    repeat_candidates,
    topic_list,
)
from xinfang.cases.workflow import REGISTER
from xinfang.core.errors import DomainError
from xinfang.core.paging import CappedPageNumberPagination
from xinfang.core.scope import access_object
from xinfang.documents.models import CONTENT_TYPES
from xinfang.documents.selectors import access_document
from xinfang.documents.services import document_download
from xinfang.orgs.models import Unit

# The API path of each step of workflow.TRANSITIONS: POST /api/v1/cases/{id}/<path>/.
API_ACTIONS: dict[str, str] = {
    "accept": "accept",
    "decline": "decline",
    "divert": "divert",
    "forward": "forward",
    "object": "object",
    "agree_objection": "agree-objection",
    "reject_objection": "reject-objection",
    "extend": "extend",
    "record_hearing": "hearing",
    "draft_opinion": "opinion",
    "return_opinion": "return-opinion",
    "approve_opinion": "approve-opinion",
    "issue_opinion": "issue-opinion",
    "deliver": "deliver",
    "evaluate": "evaluate",
    "carry_out": "carried-out",
    "conclude": "conclude",
    "request_review": "review",
}

_AUTH = {401: OpenApiResponse(ErrorSerializer, description="未登录或令牌无效")}
_404 = {
    404: OpenApiResponse(
        ErrorSerializer, description="事项不存在或不在权限范围内（检举控告类事项对被反映单位、人员保密）"
    )
}
_403 = {403: OpenApiResponse(ErrorSerializer, description="在权限范围内但无此操作权限")}
_400 = {
    400: OpenApiResponse(
        ValidationErrorSerializer,
        description="参数格式有误（invalid，fields 为各字段信息），或办理规则不允许"
        "（如 invalid_state、extension_limit、approver_is_drafter、review_late …，field 指出相关字段）；"
        "事项未作任何改变",
    )
}


def _step_schema(path: str, summary: str, description: str, form: type[serializers.Serializer]) -> Any:
    return extend_schema(
        operation_id=f"cases_{path.replace('-', '_')}",
        summary=summary,
        description=description,
        request=form,
        responses={200: s.CaseDetailSerializer, **_400, **_AUTH, **_403, **_404},
    )


class CasePagination(CappedPageNumberPagination):
    """50 a page (page_size up to 200); `count` exact up to 10,000 (core/paging.py)."""


def _filters(request: Request) -> dict[str, Any]:
    """The list's query parameters, validated; repeated parameters (?status=a&status=b) count as a,b."""
    raw = {key: ",".join(values) for key, values in request.query_params.lists()}
    params = s.CaseFilterSerializer(data=raw)
    params.is_valid(raise_exception=True)
    d = params.validated_data
    return {
        "status": d["status"],
        "overdue": d["overdue"],
        "unit": d["unit"],
        "q": d["q"],
        "category": d["category"],
        "topic": d["topic"],
        "channel": d["channel"],
        "kind": d["kind"],
        "due_state": d["due_state"] or None,
        "open_only": d["open"],
        "received_from": d["received_from"],
        "received_to": d["received_to"],
        "sort": d["sort"],
    }


@extend_schema_view(
    list=extend_schema(
        summary="信访事项列表",
        description=(
            "本人权限范围内的信访事项（与列表页、导出使用同一选择器；检举控告类事项对被反映单位及其上级单位任职人员、"
            "被反映人员不可见）。分页：page、page_size（≤200）。"
        ),
        parameters=[s.CaseFilterSerializer],
        responses={200: s.CaseSerializer(many=True), 400: ValidationErrorSerializer, **_AUTH},
    ),
    retrieve=extend_schema(
        summary="信访事项详情",
        description="含处理意见、转送、延期、附件、办理记录，以及当前用户可进行的操作（actions，即操作路径）。",
        responses={200: s.CaseDetailSerializer, **_AUTH, **_404},
    ),
    create=extend_schema(
        summary="登记信访事项",
        description=(
            "编号 `<单位代码>-<年度>-<序号>`；受理告知期限 ack_due 为收到后15日（条例第二十三条），"
            "办结期限 due 在受理后才有。信访人个人信息加密存储，答复中脱敏。查询码 query_code 只在本答复中出现一次。"
            "单位不在权限范围内 404，无登记权限 403。"
        ),
        request=s.CaseCreateSerializer,
        responses={201: s.CaseCreatedSerializer, **_400, **_AUTH, **_403, **_404},
    ),
)
class CaseViewSet(viewsets.GenericViewSet):
    """信访事项. Reads go through cases.selectors (case_list / case_detail / access_case), writes through
    cases.services — nothing else."""

    serializer_class = s.CaseSerializer
    pagination_class = CasePagination

    def get_queryset(self) -> QuerySet[Case]:
        if getattr(self, "swagger_fake_view", False):  # schema generation: no user
            return Case.objects.none()
        return case_list(self.request.user, **_filters(self.request))

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, DomainError) and exc.code == "forbidden":
            exc = PermissionDenied(exc.message)
        return super().handle_exception(exc)

    def get_parsers(self) -> list[Any]:
        if getattr(self, "action", None) == "attachments":
            return [MultiPartParser(), FormParser()]
        return [JSONParser(), FormParser(), MultiPartParser()]

    # --- reads --------------------------------------------------------------------------------------

    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(s.CaseSerializer(page, many=True, context={"request": request}).data)

    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(self._detail(request, pk))

    # --- registration -------------------------------------------------------------------------------

    def create(self, request: Request) -> Response:
        form = s.CaseCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        d = dict(form.validated_data)
        unit = access_object(Unit.objects.all(), request.user, d.pop("unit"), REGISTER, view_perm=VIEW_PERM)
        case = services.case_register(
            actor=request.user,
            unit=unit,
            petitioners=[dict(p) for p in d.pop("petitioners")],
            is_anonymous=d.pop("anonymous"),
            original_case=_original_case(d.pop("original_case")),
            request=request,
            **d,
        )
        return Response(self._detail(request, case.pk, query_code=_plain_query_code(case)), status=201)

    # --- the steps of the procedure (workflow.TRANSITIONS) ------------------------------------------

    def _step(self, request: Request, pk: str, domain_action: str, form_class: type[serializers.Serializer]) -> Any:
        case = access_case_for_action(request.user, pk, domain_action)
        form = form_class(data=request.data)
        form.is_valid(raise_exception=True)
        return services.case_transition(
            actor=request.user, case=case, action=domain_action, request=request, **form.validated_data
        )

    def _updated(self, request: Request, pk: str, domain_action: str, form: type[serializers.Serializer]) -> Response:
        self._step(request, pk, domain_action, form)
        try:
            return Response(self._detail(request, pk))
        except Http404:
            # The step itself took the case out of the caller's sight (none does today: a forwarding unit keeps
            # sight of what it sent). The step is done; answer with what the caller was allowed to know.
            return Response({"id": int(pk), "visible": False})

    @_step_schema(
        "accept",
        "受理",
        "受理（条例第三十一条第六项）：办结期限 due = 受理日期起60日（条例第三十四条）；生成受理告知书。",
        s.AcceptSerializer,
    )
    @action(detail=True, methods=["post"], url_path="accept")
    def accept(self, request: Request, pk: str) -> Response:
        return self._updated(request, pk, "accept", s.AcceptSerializer)

    @_step_schema("decline", "不予受理", "不予受理并写明理由；生成不予受理告知书。", s.DeclineSerializer)
    @action(detail=True, methods=["post"], url_path="decline")
    def decline(self, request: Request, pk: str) -> Response:
        return self._updated(request, pk, "decline", s.DeclineSerializer)

    @_step_schema(
        "divert",
        "导出",
        "属于条例第三十一条第（一）至（五）项情形的，告知信访人法定途径（route）；不计信访办理期限；生成导出告知书。",
        s.DivertSerializer,
    )
    @action(detail=True, methods=["post"], url_path="divert")
    def divert(self, request: Request, pk: str) -> Response:
        return self._updated(request, pk, "divert", s.DivertSerializer)

    @_step_schema(
        "forward",
        "转送/交办",
        "转送有权处理的单位，或交办下级单位（kind=assign，须 result_due）。事项移至接收单位，其受理告知期限自收到起算；"
        "检举控告类不得转给被反映单位（forward_to_accused）；生成转送函/交办函。",
        s.ForwardSerializer,
    )
    @action(detail=True, methods=["post"], url_path="forward")
    def forward(self, request: Request, pk: str) -> Response:
        return self._updated(request, pk, "forward", s.ForwardSerializer)

    @_step_schema(
        "object", "接收单位提出异议", "收到转送/交办之日起5个工作日内提出（条例第二十三条）。", s.ObjectSerializer
    )
    @action(detail=True, methods=["post"], url_path="object", url_name="object")
    def raise_objection(self, request: Request, pk: str) -> Response:
        return self._updated(request, pk, "object", s.ObjectSerializer)

    @_step_schema(
        "agree-objection", "同意异议", "转出单位同意异议，事项退回转出单位（待受理）。", s.ObjectionDecisionSerializer
    )
    @action(detail=True, methods=["post"], url_path="agree-objection")
    def agree_objection(self, request: Request, pk: str) -> Response:
        return self._updated(request, pk, "agree_objection", s.ObjectionDecisionSerializer)

    @_step_schema(
        "reject-objection", "不同意异议", "转出单位不同意异议，接收单位继续办理。", s.ObjectionDecisionSerializer
    )
    @action(detail=True, methods=["post"], url_path="reject-objection")
    def reject_objection(self, request: Request, pk: str) -> Response:
        return self._updated(request, pk, "reject_objection", s.ObjectionDecisionSerializer)

    @_step_schema(
        "extend",
        "延期",
        "仅限已受理的初信初访事项；须理由、主官或分管领导批准（不是承办人）、告知信访人日期；各次合计不超过30日。"
        "办结期限按“受理日期起60日加延期天数”重新计算；生成延期告知书。",
        s.ExtendSerializer,
    )
    @action(detail=True, methods=["post"], url_path="extend")
    def extend(self, request: Request, pk: str) -> Response:
        return self._updated(request, pk, "extend", s.ExtendSerializer)

    @_step_schema("hearing", "听证", "复查、复核事项举行听证，听证天数不计入30日期限。", s.HearingSerializer)
    @action(detail=True, methods=["post"], url_path="hearing")
    def hearing(self, request: Request, pk: str) -> Response:
        return self._updated(request, pk, "record_hearing", s.HearingSerializer)

    @_step_schema(
        "opinion",
        "拟定处理意见",
        "承办人拟定处理意见（状态 opinion_drafted），可多次修改。issued_on 为计划出具日期："
        "主官或分管领导（非拟稿人）调用 approve-opinion 审批时即按该日期出具，"
        "并生成信访处理意见书（复查/复核意见书）。",
        s.OpinionSerializer,
    )
    @action(detail=True, methods=["post"], url_path="opinion")
    def opinion(self, request: Request, pk: str) -> Response:
        return self._updated(request, pk, "draft_opinion", s.OpinionSerializer)

    @_step_schema(
        "return-opinion", "退回处理意见", "审批人退回拟定的意见，事项回到已受理状态。", s.ReturnOpinionSerializer
    )
    @action(detail=True, methods=["post"], url_path="return-opinion")
    def return_opinion(self, request: Request, pk: str) -> Response:
        return self._updated(request, pk, "return_opinion", s.ReturnOpinionSerializer)

    @_step_schema(
        "approve-opinion",
        "审批处理意见",
        "由办理单位主官或分管领导审批，拟稿人不能审批（approver_is_drafter）。拟稿时填写了 issued_on（或此处给出）的，"
        "审批即出具（状态 opinion_issued，生成意见书）；否则状态 opinion_approved，再调用 issue-opinion。",
        s.ApproveOpinionSerializer,
    )
    @action(detail=True, methods=["post"], url_path="approve-opinion")
    def approve_opinion(self, request: Request, pk: str) -> Response:
        return self._updated(request, pk, "approve_opinion", s.ApproveOpinionSerializer)

    @_step_schema("issue-opinion", "出具处理意见", "出具已审批的处理意见，生成意见书。", s.IssueOpinionSerializer)
    @action(detail=True, methods=["post"], url_path="issue-opinion")
    def issue_opinion(self, request: Request, pk: str) -> Response:
        return self._updated(request, pk, "issue_opinion", s.IssueOpinionSerializer)

    @_step_schema("deliver", "送达", "送达之日起30日内可请求复查/复核（条例第三十五、三十六条）。", s.DeliverSerializer)
    @action(detail=True, methods=["post"], url_path="deliver")
    def deliver(self, request: Request, pk: str) -> Response:
        return self._updated(request, pk, "deliver", s.DeliverSerializer)

    @_step_schema("evaluate", "满意度评价", "登记信访人的评价：满意、基本满意、不满意。", s.EvaluateSerializer)
    @action(detail=True, methods=["post"], url_path="evaluate")
    def evaluate(self, request: Request, pk: str) -> Response:
        return self._updated(request, pk, "evaluate", s.EvaluateSerializer)

    @_step_schema(
        "carried-out", "登记落实情况", "予以支持的处理意见落实到位后登记，之后方可办结。", s.CarriedOutSerializer
    )
    @action(detail=True, methods=["post"], url_path="carried-out")
    def carried_out(self, request: Request, pk: str) -> Response:
        return self._updated(request, pk, "carry_out", s.CarriedOutSerializer)

    @_step_schema("conclude", "办结", "已送达（或已评价）的事项办结归档；予以支持的须先落实。", s.ConcludeSerializer)
    @action(detail=True, methods=["post"], url_path="conclude")
    def conclude(self, request: Request, pk: str) -> Response:
        return self._updated(request, pk, "conclude", s.ConcludeSerializer)

    @extend_schema(
        operation_id="cases_review",
        summary="请求复查/复核",
        description=(
            "对已送达的处理意见请求复查（条例第三十五条），或对已送达的复查意见请求复核（第三十六条）；"
            "送达之日起30日内提出，由原办理单位的上一级单位登记（须该单位的登记权限）。"
            "答复 201：新的复查/复核事项（kind、parent_case、上一级单位 unit、期限 due = 收到请求后30日）及其查询码。"
        ),
        request=s.ReviewSerializer,
        responses={201: s.CaseCreatedSerializer, **_400, **_AUTH, **_403, **_404},
    )
    @action(detail=True, methods=["post"], url_path="review")
    def review(self, request: Request, pk: str) -> Response:
        review = self._step(request, pk, "request_review", s.ReviewSerializer)
        return Response(self._detail(request, review.pk, query_code=_plain_query_code(review)), status=201)

    # --- other writes ----------------------------------------------------------------------------------

    @extend_schema(
        operation_id="cases_assign_handler",
        summary="确定承办人",
        request=s.AssignHandlerSerializer,
        responses={200: s.CaseDetailSerializer, **_400, **_AUTH, **_403, **_404},
    )
    @action(detail=True, methods=["post"], url_path="assign-handler")
    def assign_handler(self, request: Request, pk: str) -> Response:
        case = access_case(request.user, pk)
        form = s.AssignHandlerSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        services.case_assign_handler(actor=request.user, case=case, request=request, **form.validated_data)
        return Response(self._detail(request, pk))

    @extend_schema(
        operation_id="cases_declare_interest",
        summary="申报回避",
        description="与事项有利害关系的人员不得办理、审批本事项（条例第二十八条）。",
        request=s.DeclareInterestSerializer,
        responses={200: s.CaseDetailSerializer, **_400, **_AUTH, **_403, **_404},
    )
    @action(detail=True, methods=["post"], url_path="declare-interest")
    def declare_interest(self, request: Request, pk: str) -> Response:
        case = access_case(request.user, pk)
        form = s.DeclareInterestSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        services.case_declare_interest(actor=request.user, case=case, request=request, **form.validated_data)
        return Response(self._detail(request, pk))

    @extend_schema(
        operation_id="cases_reset_query_code",
        summary="重置查询码",
        description="旧查询码失效；新查询码只在本答复中出现一次。",
        request=None,
        responses={200: s.QueryCodeSerializer, **_400, **_AUTH, **_403, **_404},
    )
    @action(detail=True, methods=["post"], url_path="reset-query-code")
    def reset_query_code(self, request: Request, pk: str) -> Response:
        case = access_case(request.user, pk)
        code = services.case_reset_query_code(actor=request.user, case=case, request=request)
        return Response(s.QueryCodeSerializer({"query_code": code}).data)

    @extend_schema(
        operation_id="cases_attachments_create",
        summary="上传附件",
        description="multipart/form-data，字段 file。类型按内容核验，文件存放在网站目录之外，只经权限检查下载。",
        request={"multipart/form-data": s.AttachmentUploadSerializer},
        responses={201: s.AttachmentSerializer, **_400, **_AUTH, **_403, **_404},
    )
    @action(detail=True, methods=["post"], url_path="attachments")
    def attachments(self, request: Request, pk: str) -> Response:
        case = access_case(request.user, pk)
        form = s.AttachmentUploadSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        attachment = services.attachment_add(
            actor=request.user, case=case, file=form.validated_data["file"], request=request
        )
        return Response(s.AttachmentSerializer(attachment, context={"request": request}).data, status=201)

    @extend_schema(
        operation_id="cases_attachment_download",
        summary="下载附件",
        parameters=[OpenApiParameter("attachment_id", int, OpenApiParameter.PATH)],
        responses={(200, "application/octet-stream"): OpenApiTypes.BINARY, **_AUTH, **_404},
    )
    @action(
        detail=True,
        methods=["get"],
        url_path=r"attachments/(?P<attachment_id>[0-9]+)",
        url_name="attachment-download",
    )
    def attachment_download(self, request: Request, pk: str, attachment_id: str) -> FileResponse:
        attachment = access_attachment(request.user, attachment_id)
        if str(attachment.case_id) != str(pk):
            raise Http404("附件不存在或不在您的权限范围内")
        response = FileResponse(
            attachment.file.open("rb"),
            as_attachment=True,
            filename=attachment.original_name,
            content_type=attachment.content_type,
        )
        response["Cache-Control"] = "private, no-store"
        return response

    # --- documents ------------------------------------------------------------------------------------

    @extend_schema(
        operation_id="cases_documents_list",
        summary="事项的公文",
        description=(
            "本事项生成的公文（受理告知书、不予受理告知书、导出告知书、转送函/交办函、延期告知书、信访处理意见书、"
            "复查意见书、复核意见书），每个版本一行。sha256 为 PDF 文件的 SHA-256（同 pdf_sha256），另给 docx_sha256；"
            "url/pdf_url/docx_url 为下载地址（令牌或会话认证）。只列出当前用户可见的公文（按发文单位的权限范围）。"
        ),
        responses={200: s.DocumentSerializer(many=True), **_AUTH, **_404},
    )
    @action(detail=True, methods=["get"], url_path="documents", pagination_class=None)
    def documents(self, request: Request, pk: str) -> Response:
        case = access_case(request.user, pk)
        docs = case_document_list(request.user, case)
        return Response(s.DocumentSerializer(docs, many=True, context={"request": request}).data)

    # --- repeat detection -------------------------------------------------------------------------------

    @extend_schema(
        operation_id="cases_repeat_candidates",
        summary="疑似重复信访",
        description=(
            "登记时查找本人权限范围内同一信访人（身份证号码，或姓名加电话）或内容相似（字符 n-gram）的既往事项。"
            "个人信息放在请求体中，不出现在网址里。"
        ),
        request=s.RepeatQuerySerializer,
        responses={200: s.RepeatCandidateSerializer(many=True), 400: ValidationErrorSerializer, **_AUTH},
    )
    @action(detail=False, methods=["post"], url_path="repeat-candidates", pagination_class=None)
    def repeat_candidates(self, request: Request) -> Response:
        form = s.RepeatQuerySerializer(data=request.data)
        form.is_valid(raise_exception=True)
        found = repeat_candidates(request.user, **form.validated_data)
        return Response(s.RepeatCandidateSerializer(found, many=True, context={"request": request}).data)

    # --- helpers --------------------------------------------------------------------------------------

    def _detail(self, request: Request, pk: Any, query_code: str | None = None) -> dict[str, Any]:
        """The case as GET /api/v1/cases/{id}/ shows it (case_detail: access_case + timeline + actions)."""
        detail = case_detail(request.user, pk)
        context = {"request": request, "detail": detail}
        if query_code is None:
            return dict(s.CaseDetailSerializer(detail.case, context=context).data)
        detail.case.plain_query_code = query_code  # type: ignore[attr-defined]
        return dict(s.CaseCreatedSerializer(detail.case, context=context).data)


def _plain_query_code(case: Case) -> str:
    """The 查询码 the service set on a case it just created (stored only hashed; shown once)."""
    return str(getattr(case, "plain_query_code", ""))


def _original_case(pk: int | None) -> Case | None:
    """The case a repeat petition links to; the service checks that the caller may see it (Art 36, Art 19)."""
    if pk is None:
        return None
    case = Case.objects.filter(pk=pk).first()
    if case is None:
        raise DomainError(
            "关联的原信访事项不存在或不在您的权限范围内。", code="invalid_original", field="original_case"
        )
    return case


@extend_schema_view(
    list=extend_schema(
        summary="业务分类",
        description="登记信访事项时 topic 使用的代码（启用的分类，管理员可扩充）。",
        responses={200: s.TopicSerializer(many=True), **_AUTH},
    )
)
class TopicViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = s.TopicSerializer

    def get_queryset(self) -> QuerySet[Any]:
        return topic_list()


class DocumentDownloadView(APIView):
    """GET /api/v1/documents/{id}/{pdf|docx}/: a generated document's stored file, checked against its sha256."""

    @extend_schema(
        operation_id="documents_download",
        summary="下载公文",
        description="文件与记录的 SHA-256 不符时拒绝（409 document_tampered）并记入审计。",
        parameters=[OpenApiParameter("fmt", str, OpenApiParameter.PATH, enum=["pdf", "docx"])],
        responses={
            (200, "application/pdf"): OpenApiTypes.BINARY,
            **_AUTH,
            **_404,
            409: OpenApiResponse(ErrorSerializer, description="文件缺失或已被改动"),
        },
    )
    def get(self, request: Request, pk: int, fmt: str) -> Any:
        document = access_document(request.user, pk)
        try:
            data = document_download(actor=request.user, document=document, fmt=fmt, request=request)
        except DomainError as exc:
            return error_response(exc.code, exc.message, status.HTTP_409_CONFLICT)
        response = FileResponse(
            io.BytesIO(data),
            as_attachment=True,
            filename=document.download_filename(fmt),
            content_type=CONTENT_TYPES[fmt],
        )
        response["Cache-Control"] = "private, no-store"
        return response
