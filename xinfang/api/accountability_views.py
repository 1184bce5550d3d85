"""The accountability API (issue 6, item 8): the year's assessment, scoring schemes and adjustments, review checks,
lookbacks and accountability actions. Thin: fetch through the accountability selectors (404 out of scope, 403
without the permission), check the shape, call ONE service; a refusal is 400 {"code", "detail"}."""

from __future__ import annotations

import io
from collections import defaultdict
from typing import Any

from django.db.models import QuerySet
from django.http import FileResponse, Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from xinfang.accountability import selectors, services
from xinfang.accountability.models import (
    ASSESS_PERM,
    CHECK_PERM,
    GUIDE_PERM,
    ISSUE_PERM,
    RECTIFY_PERM,
    VIEW_PERM,
    AccountabilityAction,
    AssessmentScheme,
    LookbackStatus,
    ScoreAdjustment,
)
from xinfang.api import accountability_serializers as s
from xinfang.api.incidents_views import AUTH, E400, E403, E404, DomainViewSet
from xinfang.api.serializers import ValidationErrorSerializer
from xinfang.core.errors import DomainError
from xinfang.core.scope import access_object, has_perm
from xinfang.documents.models import CONTENT_TYPES, GeneratedDocument
from xinfang.documents.selectors import documents_of
from xinfang.documents.services import document_download
from xinfang.orgs.models import Unit, User


class AssessmentView(APIView):
    @extend_schema(
        operation_id="assessments_list",
        summary="年度考核结果",
        description=(
            "本人可见（accountability.view）的每个支队（level=brigade 为大队）：各项指标的分子 numerator、分母 "
            "denominator、数值 value（分母为0时 value 为 null，即“不适用”，不按0%或100%计），总分 score、"
            "名次 rank（在同层级全部单位中排名）。指标由信访事项等记录计算，"
            "口径见 xinfang/accountability/indicators.py。"
        ),
        parameters=[s.AssessmentQuerySerializer],
        responses={200: s.AssessmentSerializer, 400: ValidationErrorSerializer, **AUTH, **E403},
    )
    def get(self, request: Request) -> Response:
        if not has_perm(request.user, VIEW_PERM, None):
            raise PermissionDenied("您无权查看考核结果")
        params = s.AssessmentQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        d = params.validated_data
        result = selectors.assessment(request.user, d["year"], level=d["level"])
        return Response(s.assessment_data(result))


@extend_schema_view(
    list=extend_schema(
        summary="考核评分方案（各年度各版本）",
        parameters=[OpenApiParameter("year", int, description="年度")],
        responses={200: s.SchemeSerializer(many=True), **AUTH, **E403},
    ),
    retrieve=extend_schema(summary="考核评分方案", responses={200: s.SchemeSerializer, **AUTH, **E403, **E404}),
    create=extend_schema(
        summary="新建评分方案版本",
        description="同一年度再次提交即生成新版本（须写修订说明），旧版本不变；其他年度不受影响。"
        "由总队的考核权限（accountability.assess）或业务参数维护权限（core.settings.manage）提交。",
        request=s.SchemeCreateSerializer,
        responses={201: s.SchemeSerializer, **E400, **AUTH, **E403},
    ),
)
class SchemeViewSet(DomainViewSet):
    view_perm = ""  # assessment viewers and settings managers (checked in get_queryset / the services)
    serializer_class = s.SchemeSerializer

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        if not selectors.can_view_schemes(request.user):
            raise PermissionDenied("您无权查看考核方案")

    def get_queryset(self) -> QuerySet[Any]:
        if getattr(self, "swagger_fake_view", False):
            return AssessmentScheme.objects.none()
        year = self.request.query_params.get("year", "")
        return selectors.scheme_list(year=int(year) if year.isdigit() else None)

    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(s.SchemeSerializer(page, many=True).data)

    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(s.SchemeSerializer(selectors.access_scheme(request.user, pk)).data)

    def create(self, request: Request) -> Response:
        if not services.can_edit_schemes(request.user):
            raise PermissionDenied("您无权维护考核评分方案")
        scheme = services.scheme_create(actor=request.user, request=request, **self.form(s.SchemeCreateSerializer))
        return Response(s.SchemeSerializer(scheme).data, status=201)


@extend_schema_view(
    list=extend_schema(
        summary="考核分值调整",
        parameters=[OpenApiParameter("year", int, description="年度")],
        responses={200: s.AdjustmentSerializer(many=True), **AUTH},
    ),
    create=extend_schema(
        summary="调整考核分值",
        description="须写明理由，记入审计；由被考核单位的上一级单位（accountability.assess）调整。",
        request=s.AdjustmentCreateSerializer,
        responses={201: s.AdjustmentSerializer, **E400, **AUTH, **E403, **E404},
    ),
)
class AdjustmentViewSet(DomainViewSet):
    view_perm = VIEW_PERM
    serializer_class = s.AdjustmentSerializer

    def get_queryset(self) -> QuerySet[Any]:
        if getattr(self, "swagger_fake_view", False):
            return ScoreAdjustment.objects.none()
        qs = ScoreAdjustment.objects.visible_to(self.request.user).order_by("-year", "unit__path", "id")
        year = self.request.query_params.get("year", "")
        return qs.filter(year=int(year)) if year.isdigit() else qs

    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(s.AdjustmentSerializer(page, many=True).data)

    def create(self, request: Request) -> Response:
        if not has_perm(request.user, ASSESS_PERM, None):
            raise PermissionDenied("您无权调整考核分值")
        d = self.form(s.AdjustmentCreateSerializer)
        unit = access_object(Unit.objects.all(), request.user, d.pop("unit"), VIEW_PERM, view_perm=VIEW_PERM)
        adjustment = services.adjustment_create(actor=request.user, unit=unit, request=request, **d)
        return Response(s.AdjustmentSerializer(adjustment).data, status=201)


@extend_schema_view(
    list=extend_schema(summary="复查复核核查记录", responses={200: s.ReviewCheckSerializer(many=True), **AUTH}),
    retrieve=extend_schema(summary="复查复核核查", responses={200: s.ReviewCheckSerializer, **AUTH, **E404}),
    create=extend_schema(
        summary="核查复查/复核事项",
        description="按事实清楚（facts）、依据充分（basis）、定性准确（characterisation）、处理恰当（handling）、"
        "程序规范（procedure）、手续完备（formalities）六项标准逐项核查原办理；任一项不达标即启动倒查（lookback）。"
        "由复查/复核机关或其上级的业务处室（accountability.check 或 cases.case.guide）核查，参与原办理者回避。",
        request=s.ReviewCheckCreateSerializer,
        responses={201: s.ReviewCheckSerializer, **E400, **AUTH, **E403, **E404},
    ),
)
class ReviewCheckViewSet(DomainViewSet):
    view_perm = VIEW_PERM
    serializer_class = s.ReviewCheckSerializer

    def get_queryset(self) -> QuerySet[Any]:
        if getattr(self, "swagger_fake_view", False):
            return selectors.ReviewCheck.objects.none()
        return selectors.check_list(self.request.user).prefetch_related("items")

    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(s.ReviewCheckSerializer(page, many=True).data)

    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(s.ReviewCheckSerializer(selectors.access_check(request.user, pk)).data)

    def create(self, request: Request) -> Response:
        if not (has_perm(request.user, CHECK_PERM, None) or has_perm(request.user, GUIDE_PERM, None)):
            raise PermissionDenied("您无权核查复查、复核事项")
        d = self.form(s.ReviewCheckCreateSerializer)
        case = selectors.access_review_case(request.user, d.pop("case"))
        d["results"] = [dict(r) for r in d["results"]]
        check = services.review_check_record(actor=request.user, case=case, request=request, **d)
        return Response(s.ReviewCheckSerializer(selectors.access_check(request.user, check.pk)).data, status=201)


@extend_schema_view(
    list=extend_schema(
        summary="倒查",
        parameters=[OpenApiParameter("status", str, enum=LookbackStatus.values)],
        responses={200: s.LookbackSerializer(many=True), **AUTH},
    ),
    retrieve=extend_schema(summary="倒查", responses={200: s.LookbackSerializer, **AUTH, **E404}),
)
class LookbackViewSet(DomainViewSet):
    view_perm = VIEW_PERM
    serializer_class = s.LookbackSerializer

    def get_queryset(self) -> QuerySet[Any]:
        if getattr(self, "swagger_fake_view", False):
            return selectors.Lookback.objects.none()
        status = self.request.query_params.get("status")
        return selectors.lookback_list(
            self.request.user, status=status if status in LookbackStatus.values else None
        ).prefetch_related("responsible_persons")

    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(s.LookbackSerializer(page, many=True).data)

    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(s.LookbackSerializer(selectors.access_lookback(request.user, pk)).data)

    @extend_schema(
        operation_id="lookbacks_findings",
        summary="填写倒查结果",
        description="相关责任人（须为被倒查单位人员）、倒查发现、处理意见；作出决定前可以修改。",
        request=s.LookbackFindingsSerializer,
        responses={200: s.LookbackSerializer, **E400, **AUTH, **E403, **E404},
    )
    @action(detail=True, methods=["post"], url_path="findings")
    def findings(self, request: Request, pk: str) -> Response:
        lookback = selectors.access_lookback(request.user, pk)
        if not selectors.can_check(request.user, lookback.review_check.case):
            raise PermissionDenied("您无权开展该倒查")
        d = self.form(s.LookbackFindingsSerializer)
        ids = d.pop("responsible_persons")
        people = list(User.objects.filter(pk__in=ids))
        if len(people) != len(set(ids)):
            raise DomainError("责任人不存在。", code="invalid_user", field="responsible_persons")
        updated = services.lookback_propose(
            actor=request.user, lookback=lookback, responsible_persons=people, request=request, **d
        )
        return Response(s.LookbackSerializer(selectors.access_lookback(request.user, updated.pk)).data)

    @extend_schema(
        operation_id="lookbacks_decide",
        summary="作出倒查处理决定",
        description="由信访工作领导小组（accountability.action.issue）作出。",
        request=s.LookbackDecideSerializer,
        responses={200: s.LookbackSerializer, **E400, **AUTH, **E403, **E404},
    )
    @action(detail=True, methods=["post"], url_path="decide")
    def decide(self, request: Request, pk: str) -> Response:
        lookback = selectors.access_lookback(request.user, pk)
        if not has_perm(request.user, ISSUE_PERM, lookback.review_check.case.unit):
            raise PermissionDenied("倒查处理决定应由信访工作领导小组作出")
        services.lookback_decide(
            actor=request.user, lookback=lookback, request=request, **self.form(s.LookbackDecideSerializer)
        )
        return Response(s.LookbackSerializer(selectors.access_lookback(request.user, lookback.pk)).data)


def _documents(actions: list[AccountabilityAction]) -> dict[int, list[GeneratedDocument]]:
    from django.contrib.contenttypes.models import ContentType

    ct = ContentType.objects.get_for_model(AccountabilityAction)
    docs: dict[int, list[GeneratedDocument]] = defaultdict(list)
    rows = GeneratedDocument.objects.filter(content_type=ct, object_id__in=[a.pk for a in actions]).order_by(
        "kind", "-version"
    )
    for doc in rows:
        docs[doc.object_id].append(doc)
    return docs


@extend_schema_view(
    list=extend_schema(
        summary="问责事项",
        parameters=[
            OpenApiParameter("status", str, enum=["issued", "reported", "closed"]),
            OpenApiParameter("overdue", bool, description="true：整改逾期"),
        ],
        responses={200: s.ActionSerializer(many=True), **AUTH},
    ),
    retrieve=extend_schema(summary="问责事项", responses={200: s.ActionSerializer, **AUTH, **E404}),
    create=extend_schema(
        summary="下达问责",
        description="约谈 admonition、通报 bulletin、挂牌督办 supervision、责令限期整改 rectification、追责 pursuit，"
        "由总队信访工作领导小组（总队的 accountability.action.issue）下达；约谈须约谈日期，挂牌督办和责令限期整改"
        "须整改期限。生成约谈通知书/通报/整改通知书/挂牌督办通知书（追责不生成）。",
        request=s.ActionCreateSerializer,
        responses={201: s.ActionSerializer, **E400, **AUTH, **E403, **E404},
    ),
)
class ActionViewSet(DomainViewSet):
    view_perm = VIEW_PERM
    serializer_class = s.ActionSerializer

    def get_queryset(self) -> QuerySet[Any]:
        if getattr(self, "swagger_fake_view", False):
            return AccountabilityAction.objects.none()
        q = self.request.query_params
        status = q.get("status")
        return selectors.action_list(
            self.request.user,
            status=status if status in ("issued", "reported", "closed") else None,
            overdue=True if q.get("overdue") == "true" else None,
        )

    def _out(self, actions: list[AccountabilityAction]) -> Any:
        return s.ActionSerializer(actions, many=True, context={"documents": _documents(actions)}).data

    def _one(self, pk: Any) -> Any:
        return self._out([selectors.access_action(self.request.user, pk)])[0]

    def list(self, request: Request) -> Response:
        page = list(self.paginate_queryset(self.get_queryset()) or [])
        return self.get_paginated_response(self._out(page))

    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(self._one(pk))

    def create(self, request: Request) -> Response:
        if not has_perm(request.user, ISSUE_PERM, None):
            raise PermissionDenied("问责应由总队信访工作领导小组下达")
        d = self.form(s.ActionCreateSerializer)
        unit = access_object(Unit.objects.all(), request.user, d.pop("target_unit"), ISSUE_PERM, view_perm=VIEW_PERM)
        person_id = d.pop("target_person")
        person = User.objects.filter(pk=person_id).first() if person_id else None
        if person_id and person is None:
            raise DomainError("问责人员不存在。", code="invalid_user", field="target_person")
        issued = services.action_issue(actor=request.user, target_unit=unit, target_person=person, request=request, **d)
        return Response(self._one(issued.pk), status=201)

    @extend_schema(
        operation_id="accountability_actions_rectification",
        summary="报送整改情况",
        description="由被问责单位（accountability.rectify）报送；晚于期限报送的仍记为整改逾期。",
        request=s.ActionRectificationInputSerializer,
        responses={201: s.ActionSerializer, **E400, **AUTH, **E403, **E404},
    )
    @action(detail=True, methods=["post"], url_path="rectification")
    def rectification(self, request: Request, pk: str) -> Response:
        target = selectors.access_action(request.user, pk, RECTIFY_PERM)
        services.rectification_report(
            actor=request.user, action=target, request=request, **self.form(s.ActionRectificationInputSerializer)
        )
        return Response(self._one(target.pk), status=201)

    @extend_schema(
        operation_id="accountability_actions_close",
        summary="办结问责事项",
        description="由下达问责的总队办结；挂牌督办、责令限期整改须被问责单位已报送整改情况（no_report）。",
        request=s.ActionCloseSerializer,
        responses={200: s.ActionSerializer, **E400, **AUTH, **E403, **E404},
    )
    @action(detail=True, methods=["post"], url_path="close")
    def close(self, request: Request, pk: str) -> Response:
        target = selectors.access_action(request.user, pk)
        if not has_perm(request.user, ISSUE_PERM, target.issuing_unit):
            raise PermissionDenied("问责事项应由下达单位办结")
        services.action_close(actor=request.user, action=target, request=request, **self.form(s.ActionCloseSerializer))
        return Response(self._one(target.pk))

    @extend_schema(
        operation_id="accountability_actions_document",
        summary="下载通知文书",
        description="问责事项的通知文书（被问责单位可下载），核对 SHA-256 后提供，并记入审计。",
        parameters=[
            OpenApiParameter("doc", int, OpenApiParameter.PATH),
            OpenApiParameter("fmt", str, OpenApiParameter.PATH, enum=["docx", "pdf"]),
        ],
        responses={(200, "application/octet-stream"): OpenApiTypes.BINARY, **AUTH, **E404},
    )
    @action(detail=True, methods=["get"], url_path=r"documents/(?P<doc>[0-9]+)/(?P<fmt>docx|pdf)", url_name="document")
    def document(self, request: Request, pk: str, doc: str, fmt: str) -> FileResponse:
        target = selectors.access_action(request.user, pk)
        document = documents_of(target).filter(pk=doc).first()
        if document is None:
            raise Http404("公文不存在")
        data = document_download(actor=request.user, document=document, fmt=fmt, request=request)
        response = FileResponse(
            io.BytesIO(data), as_attachment=True, filename=f"{document.title}.{fmt}", content_type=CONTENT_TYPES[fmt]
        )
        response["Cache-Control"] = "private, no-store"
        return response
