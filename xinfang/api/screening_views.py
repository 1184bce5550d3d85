"""The screening API (issue 5, item 8): reports with their roll-up and the status board, special periods and duty
shifts, the conflict ledger, early warnings, inspections, trainings.

Thin endpoints: the shape is checked by a serializer, objects and units are fetched through the screening
selectors' access helpers (out of scope 404, in scope without the permission 403 — before the body is looked at),
then ONE service or selector — the same ones the pages call. A refusal is the service's DomainError: 400
{"code", "detail", "field"?} and nothing changed; a DomainError with code "forbidden" answers 403."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from xinfang.api import screening_serializers as s
from xinfang.api.serializers import ErrorSerializer, ValidationErrorSerializer
from xinfang.core.errors import DomainError
from xinfang.orgs.models import Unit, User
from xinfang.screening import selectors, services
from xinfang.screening.models import (
    DECLARE_PERM,
    INSPECT_PERM,
    REPORT_PERM,
    TRAIN_PERM,
    VIEW_PERM,
    WARN_PERM,
    Conflict,
    DutyShift,
    EarlyWarning,
    Inspection,
    ScreeningItem,
    ScreeningReport,
    SpecialPeriod,
    Training,
)

_AUTH = {401: OpenApiResponse(ErrorSerializer, description="未登录或令牌无效")}
_403 = {403: OpenApiResponse(ErrorSerializer, description="在权限范围内但无此操作权限")}
_404 = {404: OpenApiResponse(ErrorSerializer, description="对象不存在或不在权限范围内")}


def _400(detail: str) -> dict[int, OpenApiResponse]:
    return {400: OpenApiResponse(ValidationErrorSerializer, description=detail)}


class Pagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


def _params(request: Request, serializer: type[serializers.Serializer]) -> dict[str, Any]:
    form = serializer(data=request.query_params)
    form.is_valid(raise_exception=True)
    return dict(form.validated_data)


def _body(request: Request, serializer: type[serializers.Serializer]) -> dict[str, Any]:
    form = serializer(data=request.data)
    form.is_valid(raise_exception=True)
    return dict(form.validated_data)


def _unit(request: Request, pk: Any, perm: str) -> Unit:
    return selectors.access_reporting_unit(request.user, pk, perm)


def _scope_unit(request: Request, pk: Any) -> Unit | None:
    """A filter's unit: must be visible (404 otherwise)."""
    if pk is None:
        return None
    return selectors.access_reporting_unit(request.user, pk, VIEW_PERM)


def _user(pk: Any, field: str) -> User:
    user = User.objects.filter(pk=pk, is_active=True).select_related("unit").first()
    if user is None:
        raise DomainError("人员不存在或已停用", code="invalid_user", field=field)
    return user


class ScreeningViewSet(viewsets.GenericViewSet):
    pagination_class = Pagination

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, DomainError) and exc.code == "forbidden":
            exc = PermissionDenied(exc.message)
        return super().handle_exception(exc)

    def _list(self, request: Request, qs: QuerySet[Any], serializer: type[serializers.Serializer]) -> Response:
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(serializer(page, many=True, context={"request": request}).data)


# ---------------------------------------------------------------------------------------------------
# Reports


def _report_qs(qs: QuerySet[ScreeningReport]) -> QuerySet[ScreeningReport]:
    return qs.prefetch_related(Prefetch("items", queryset=ScreeningItem.objects.select_related("conflict", "topic")))


@extend_schema_view(
    list=extend_schema(
        summary="排查报告列表",
        description="本人权限范围内的排查报告（与列表页、导出使用同一选择器），周期新的在前。",
        parameters=[s.ReportFilterSerializer],
        responses={200: s.ReportSerializer(many=True), **_AUTH, **_404},
    ),
    retrieve=extend_schema(
        summary="排查报告详情",
        description="含排查发现（报送时的风险等级、类别、状态）和报送时的下级单位汇总 rollup_at_submission。",
        responses={200: s.ReportDetailSerializer, **_AUTH, **_404},
    ),
    create=extend_schema(
        summary="报送排查报告",
        description=(
            "大队每周、支队每月、总队每季度（周期与报送期限为可配置的业务参数）；特殊时期内范围内各单位每日报送（period=day）。"
            "报告列出排查发现的矛盾纠纷（items，台账 id），或明确声明零报告（zero=true）。拒绝（400）："
            "空报告 empty_report（既无 items 也未声明零报告）、zero_with_items、"
            "同一单位同一周期重复报送 duplicate_report、"
            "尚未开始的周期 future_period、周期与单位层级不符 wrong_period、周期首日无效 invalid_period_start、"
            "不在特殊时期范围内的日报 no_special_period、不属于本单位及下级的事项 invalid_conflict。"
            "逾期报送的记为逾期（late=true）。支队、总队的报告保存报送时下级单位的汇总。"
        ),
        request=s.ReportCreateSerializer,
        responses={201: s.ReportDetailSerializer, **_400("报送规则不允许（见上）"), **_AUTH, **_403, **_404},
    ),
)
class ScreeningReportViewSet(ScreeningViewSet):
    serializer_class = s.ReportSerializer

    def get_queryset(self) -> QuerySet[ScreeningReport]:
        if getattr(self, "swagger_fake_view", False):
            return ScreeningReport.objects.none()
        p = _params(self.request, s.ReportFilterSerializer)
        p["unit"] = _scope_unit(self.request, p.get("unit"))
        return _report_qs(selectors.report_list(self.request.user, **p))

    def list(self, request: Request) -> Response:
        return self._list(request, self.get_queryset(), s.ReportSerializer)

    def retrieve(self, request: Request, pk: str) -> Response:
        report = selectors.access_report(request.user, pk)
        return Response(s.ReportDetailSerializer(_report_qs(ScreeningReport.objects.all()).get(pk=report.pk)).data)

    def create(self, request: Request) -> Response:
        d = _body(request, s.ReportCreateSerializer)
        unit = _unit(request, d["unit"], REPORT_PERM)
        report = services.report_file(
            actor=request.user,
            unit=unit,
            period=d["period"],
            period_start=d["period_start"],
            is_zero=d["zero"],
            conflicts=d["items"],
            summary=d["summary"],
            request=request,
        )
        return Response(s.ReportDetailSerializer(_report_qs(ScreeningReport.objects.all()).get(pk=report.pk)).data, 201)

    @extend_schema(
        summary="下级单位汇总（逐级汇总上报）",
        description=(
            "本报告周期内下级各报告单位的报送情况：每个单位应报、按时、逾期、未报、未到期、零报告份数，逾期未报和逾期报送的"
            "报告，以及所报矛盾纠纷按风险等级、类别的统计（同一事项只计一次，取周期内最近一次上报的状态），新发现、已化解数。"
            "按 date（默认今天）当日的记录计算。"
        ),
        parameters=[s.RollupQuerySerializer],
        responses={200: s.RollupSerializer, **_AUTH, **_404},
    )
    @action(detail=True, methods=["get"], pagination_class=None)
    def rollup(self, request: Request, pk: str) -> Response:
        report = selectors.access_report(request.user, pk)
        as_of = _params(request, s.RollupQuerySerializer).get("date") or timezone.localdate()
        return Response(selectors.report_rollup(report, as_of).to_dict())


class ScreeningStatusView(APIView):
    """GET /api/v1/screening-status/?date=YYYY-MM-DD"""

    @extend_schema(
        operation_id="screening_status",
        summary="排查报送情况",
        description=(
            "指定日期（默认今天）本人权限范围内每个报告单位应报的报告："
            "period（week/month/quarter，特殊时期内另有 day）、period_start、due_on（报送期限）和 state："
            "submitted 按时报送、late 逾期报送、missing 已逾期未报、not_due 未到期未报。"
            "按该日的记录计算（该日之后报送的不计）。"
        ),
        parameters=[s.StatusQuerySerializer],
        responses={200: s.StatusRowSerializer(many=True), 400: ValidationErrorSerializer, **_AUTH, **_403},
    )
    def get(self, request: Request) -> Response:
        from xinfang.core.scope import has_perm

        if not has_perm(request.user, VIEW_PERM, None):
            raise PermissionDenied("您无权查看排查报送情况")
        day = _params(request, s.StatusQuerySerializer).get("date") or timezone.localdate()
        rows = selectors.status_board(request.user, day)
        return Response(s.StatusRowSerializer(rows, many=True).data)


# ---------------------------------------------------------------------------------------------------
# Conflicts


def _conflict_detail(request: Request, pk: Any) -> dict[str, Any]:
    d = selectors.conflict_detail(request.user, pk)
    return dict(
        s.ConflictDetailSerializer(
            {
                "conflict": d.conflict,
                "cases": d.cases,
                "petitioners": d.petitioners,
                "hidden_links": d.hidden_links,
                "progress": d.progress,
            }
        ).data
    )


@extend_schema_view(
    list=extend_schema(
        summary="矛盾纠纷台账",
        parameters=[s.ConflictFilterSerializer],
        responses={200: s.ConflictSerializer(many=True), **_AUTH, **_404},
    ),
    retrieve=extend_schema(
        summary="矛盾纠纷详情",
        description="关联的信访事项及其信访人（脱敏）只列出您有权查看的（检举控告类事项对被反映单位、人员保密）。",
        responses={200: s.ConflictDetailSerializer, **_AUTH, **_404},
    ),
    create=extend_schema(
        summary="建档立账",
        description="一案一人一项；责任领导须为本单位或上级单位在岗领导；关联的信访事项须在您的查看范围内。台账不记录任何人的行踪。",
        request=s.ConflictCreateSerializer,
        responses={
            201: s.ConflictDetailSerializer,
            **_400("invalid_leader、invalid_case、invalid_petitioner …"),
            **_AUTH,
            **_403,
            **_404,
        },
    ),
)
class ConflictViewSet(ScreeningViewSet):
    serializer_class = s.ConflictSerializer

    def get_queryset(self) -> QuerySet[Conflict]:
        if getattr(self, "swagger_fake_view", False):
            return Conflict.objects.none()
        p = _params(self.request, s.ConflictFilterSerializer)
        return selectors.conflict_list(
            self.request.user,
            unit=_scope_unit(self.request, p.get("unit")),
            status=p.get("status", ""),
            risk_level=p.get("risk_level", ""),
            open_only=p["open"],
            collective=p["collective"],
            q=p["q"],
        )

    def list(self, request: Request) -> Response:
        return self._list(request, self.get_queryset(), s.ConflictSerializer)

    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(_conflict_detail(request, pk))

    def create(self, request: Request) -> Response:
        d = _body(request, s.ConflictCreateSerializer)
        unit = _unit(request, d.pop("unit"), REPORT_PERM)
        conflict = services.conflict_create(
            actor=request.user, unit=unit, leader=_user(d.pop("leader"), "leader"), request=request, **d
        )
        return Response(_conflict_detail(request, conflict.pk), status=201)

    @extend_schema(
        summary="记录化解进展",
        description=(
            "带日期的进展；status 推进 未化解(pending) → 化解中(resolving) → 已化解(resolved)，已化解后不能再记录。"
        ),
        request=s.ConflictProgressInputSerializer,
        responses={
            200: s.ConflictDetailSerializer,
            **_400("already_resolved、invalid_date …"),
            **_AUTH,
            **_403,
            **_404,
        },
    )
    @action(detail=True, methods=["post"])
    def progress(self, request: Request, pk: str) -> Response:
        conflict = selectors.access_conflict(request.user, pk, REPORT_PERM)
        d = _body(request, s.ConflictProgressInputSerializer)
        services.conflict_progress_add(actor=request.user, conflict=conflict, request=request, **d)
        return Response(_conflict_detail(request, pk))


# ---------------------------------------------------------------------------------------------------
# Special periods and duty shifts


@extend_schema_view(
    list=extend_schema(
        summary="特殊时期",
        description="本人范围内宣布的，以及上级宣布且覆盖本人范围的特殊时期。",
        responses={200: s.SpecialPeriodSerializer(many=True), **_AUTH},
    ),
    retrieve=extend_schema(summary="特殊时期详情", responses={200: s.SpecialPeriodSerializer, **_AUTH, **_404}),
    create=extend_schema(
        summary="宣布特殊时期",
        description=(
            "总队（或支队在本辖区）宣布：范围内各报告单位每日报送（可零报告）并实行24小时值班。"
            "给出 holiday_key（见 suggestions）即按节假日建议一键宣布。拒绝：level_cannot_declare、invalid_scope、"
            "duplicate_period、past_period、too_long …"
        ),
        request=s.SpecialPeriodCreateSerializer,
        responses={201: s.SpecialPeriodSerializer, **_400("宣布规则不允许"), **_AUTH, **_403, **_404},
    ),
)
class SpecialPeriodViewSet(ScreeningViewSet):
    serializer_class = s.SpecialPeriodSerializer

    def get_queryset(self) -> QuerySet[SpecialPeriod]:
        if getattr(self, "swagger_fake_view", False):
            return SpecialPeriod.objects.none()
        return selectors.special_period_list(self.request.user)

    def list(self, request: Request) -> Response:
        return self._list(request, self.get_queryset(), s.SpecialPeriodSerializer)

    def retrieve(self, request: Request, pk: str) -> Response:
        period = selectors.access_special_period(request.user, pk)
        return Response(s.SpecialPeriodSerializer(period).data)

    def create(self, request: Request) -> Response:
        d = _body(request, s.SpecialPeriodCreateSerializer)
        unit = _unit(request, d["unit"], DECLARE_PERM)
        if d["holiday_key"]:
            period = services.special_period_declare_holiday(
                actor=request.user, unit=unit, key=d["holiday_key"], request=request
            )
        else:
            scope = [_scope_unit(request, pk) for pk in d["scope_units"]]
            period = services.special_period_declare(
                actor=request.user,
                unit=unit,
                name=d["name"],
                kind=d["kind"],
                start_on=d["start_on"],
                end_on=d["end_on"],
                scope_units=[u for u in scope if u is not None],
                note=d["note"],
                request=request,
            )
        return Response(s.SpecialPeriodSerializer(period).data, status=201)

    @extend_schema(
        summary="节假日建议",
        description="按法定节假日（chinese_calendar）建议的特殊时期：节前一日至假期最后一日。节假日日历未覆盖的年度为空。",
        parameters=[s.SuggestionQuerySerializer],
        responses={200: s.HolidaySuggestionSerializer(many=True), **_AUTH},
    )
    @action(detail=False, methods=["get"], pagination_class=None)
    def suggestions(self, request: Request) -> Response:
        year = _params(request, s.SuggestionQuerySerializer).get("year") or timezone.localdate().year
        return Response(s.HolidaySuggestionSerializer(selectors.holiday_suggestions(year), many=True).data)


@extend_schema_view(
    list=extend_schema(
        summary="值班表",
        parameters=[s.DutyShiftFilterSerializer],
        responses={200: s.DutyShiftSerializer(many=True), **_AUTH, **_404},
    ),
    retrieve=extend_schema(summary="值班详情", responses={200: s.DutyShiftSerializer, **_AUTH, **_404}),
    create=extend_schema(
        summary="安排值班",
        description=(
            "特殊时期内的一个班次（不超过24小时），值班人员须为该单位在岗人员。"
            "拒绝：outside_period、shift_too_long、invalid_officer、not_in_scope …"
        ),
        request=s.DutyShiftCreateSerializer,
        responses={201: s.DutyShiftSerializer, **_400("值班规则不允许"), **_AUTH, **_403, **_404},
    ),
)
class DutyShiftViewSet(ScreeningViewSet):
    serializer_class = s.DutyShiftSerializer

    def get_queryset(self) -> QuerySet[DutyShift]:
        if getattr(self, "swagger_fake_view", False):
            return DutyShift.objects.none()
        p = _params(self.request, s.DutyShiftFilterSerializer)
        period = None
        if p.get("special_period") is not None:
            period = selectors.access_special_period(self.request.user, p["special_period"])
        return selectors.duty_shift_list(
            self.request.user, special_period=period, unit=_scope_unit(self.request, p.get("unit")), day=p.get("date")
        )

    def list(self, request: Request) -> Response:
        return self._list(request, self.get_queryset(), s.DutyShiftSerializer)

    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(s.DutyShiftSerializer(selectors.access_duty_shift(request.user, pk)).data)

    def create(self, request: Request) -> Response:
        d = _body(request, s.DutyShiftCreateSerializer)
        period = selectors.access_special_period(request.user, d["special_period"])
        unit = _unit(request, d["unit"], REPORT_PERM)
        shift = services.duty_shift_add(
            actor=request.user,
            special_period=period,
            unit=unit,
            starts_at=d["starts_at"],
            ends_at=d["ends_at"],
            officer=_user(d["officer"], "officer"),
            phone=d["phone"],
            note=d["note"],
            request=request,
        )
        return Response(s.DutyShiftSerializer(shift).data, status=201)


# ---------------------------------------------------------------------------------------------------
# Early warnings


def _warning_detail(request: Request, warning: EarlyWarning) -> dict[str, Any]:
    warning = EarlyWarning.objects.select_related("unit").get(pk=warning.pk)
    return dict(s.WarningDetailSerializer({"warning": warning, "hops": selectors.warning_hops(warning)}).data)


@extend_schema_view(
    list=extend_schema(
        summary="预警信息",
        parameters=[s.WarningFilterSerializer],
        responses={200: s.WarningSerializer(many=True), **_AUTH, **_404},
    ),
    retrieve=extend_schema(
        summary="预警信息详情",
        description="含逐级报告与签收；超时未签收的升级（escalations、holder）按时间戳计算，不依赖定时任务。",
        responses={200: s.WarningDetailSerializer, **_AUTH, **_404},
    ),
    create=extend_schema(
        summary="报告预警信息",
        description="早发现、早报告：记录后立即报告上一级（总队本级为已报告）。",
        request=s.WarningCreateSerializer,
        responses={201: s.WarningDetailSerializer, **_400("invalid_conflict、future_date …"), **_AUTH, **_403, **_404},
    ),
)
class WarningViewSet(ScreeningViewSet):
    serializer_class = s.WarningSerializer

    def get_queryset(self) -> QuerySet[EarlyWarning]:
        if getattr(self, "swagger_fake_view", False):
            return EarlyWarning.objects.none()
        p = _params(self.request, s.WarningFilterSerializer)
        return selectors.warning_list(
            self.request.user,
            unit=_scope_unit(self.request, p.get("unit")),
            stage=p.get("stage", ""),
            risk=p.get("risk", ""),
            open_only=p["open"],
        )

    def list(self, request: Request) -> Response:
        return self._list(request, self.get_queryset(), s.WarningSerializer)

    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(_warning_detail(request, selectors.access_warning(request.user, pk)))

    def create(self, request: Request) -> Response:
        d = _body(request, s.WarningCreateSerializer)
        unit = _unit(request, d.pop("unit"), WARN_PERM)
        conflict_id = d.pop("conflict")
        conflict = selectors.access_conflict(request.user, conflict_id) if conflict_id else None
        warning = services.warning_raise(actor=request.user, unit=unit, conflict=conflict, request=request, **d)
        return Response(_warning_detail(request, warning), status=201)

    @extend_schema(
        summary="签收预警信息",
        description=(
            "接收单位（或其上级，如超时升级后）签收，并自动报告再上一级，直至总队（逐级上报、逐级签收）。"
            "无待签收报告 400 nothing_to_acknowledge；无权签收 403。"
        ),
        request=s.AcknowledgeSerializer,
        responses={200: s.WarningDetailSerializer, **_400("nothing_to_acknowledge"), **_AUTH, **_403, **_404},
    )
    @action(detail=True, methods=["post"])
    def acknowledge(self, request: Request, pk: str) -> Response:
        warning = selectors.access_warning(request.user, pk)
        d = _body(request, s.AcknowledgeSerializer)
        services.warning_acknowledge(actor=request.user, warning=warning, note=d["note"], request=request)
        return Response(_warning_detail(request, warning))

    @extend_schema(
        summary="早控制",
        description="记录控制措施及时间（须已报告）。",
        request=s.WarningStepSerializer,
        responses={200: s.WarningDetailSerializer, **_400("invalid_stage、invalid_date"), **_AUTH, **_403, **_404},
    )
    @action(detail=True, methods=["post"])
    def control(self, request: Request, pk: str) -> Response:
        warning = selectors.access_warning(request.user, pk, WARN_PERM)
        services.warning_control(
            actor=request.user, warning=warning, request=request, **_body(request, s.WarningStepSerializer)
        )
        return Response(_warning_detail(request, warning))

    @extend_schema(
        summary="早解决",
        description="记录解决情况及时间（须已记录控制措施）。",
        request=s.WarningStepSerializer,
        responses={200: s.WarningDetailSerializer, **_400("invalid_stage、invalid_date"), **_AUTH, **_403, **_404},
    )
    @action(detail=True, methods=["post"])
    def resolve(self, request: Request, pk: str) -> Response:
        warning = selectors.access_warning(request.user, pk, WARN_PERM)
        services.warning_resolve(
            actor=request.user, warning=warning, request=request, **_body(request, s.WarningStepSerializer)
        )
        return Response(_warning_detail(request, warning))


# ---------------------------------------------------------------------------------------------------
# Inspections and trainings


@extend_schema_view(
    list=extend_schema(summary="督查", responses={200: s.InspectionSerializer(many=True), **_AUTH}),
    retrieve=extend_schema(summary="督查详情", responses={200: s.InspectionSerializer, **_AUTH, **_404}),
    create=extend_schema(
        summary="记录督查",
        description="支队（或总队）信访工作领导小组的督查：被督查单位、督查情况、存在问题、整改事项（责任单位、责任人、期限）。"
        "无整改事项的督查即为完毕。拒绝：level_cannot_inspect、invalid_scope、invalid_owner …",
        request=s.InspectionCreateSerializer,
        responses={201: s.InspectionSerializer, **_400("督查规则不允许"), **_AUTH, **_403, **_404},
    ),
)
class InspectionViewSet(ScreeningViewSet):
    serializer_class = s.InspectionSerializer

    def get_queryset(self) -> QuerySet[Inspection]:
        if getattr(self, "swagger_fake_view", False):
            return Inspection.objects.none()
        return selectors.inspection_list(self.request.user)

    def list(self, request: Request) -> Response:
        return self._list(request, self.get_queryset(), s.InspectionSerializer)

    def retrieve(self, request: Request, pk: str) -> Response:
        inspection = selectors.access_inspection(request.user, pk)
        return Response(s.InspectionSerializer(selectors.inspection_list(request.user).get(pk=inspection.pk)).data)

    def create(self, request: Request) -> Response:
        d = _body(request, s.InspectionCreateSerializer)
        unit = _unit(request, d["unit"], INSPECT_PERM)
        visited = [_scope_unit(request, pk) for pk in d["units_visited"]]
        items = [
            {
                "description": i["description"],
                "owner_unit": _scope_unit(request, i["owner_unit"]),
                "owner": _user(i["owner"], "items"),
                "deadline": i["deadline"],
            }
            for i in d["items"]
        ]
        inspection = services.inspection_create(
            actor=request.user,
            unit=unit,
            on=d["on"],
            inspectors=d["inspectors"],
            units_visited=[u for u in visited if u is not None],
            findings=d["findings"],
            problems=d["problems"],
            items=items,
            request=request,
        )
        return Response(s.InspectionSerializer(selectors.inspection_list(request.user).get(pk=inspection.pk)).data, 201)

    @extend_schema(
        summary="整改事项完成",
        description="最后一项完成时督查即整改完毕（closed_on）。",
        request=s.CloseItemSerializer,
        responses={200: s.InspectionSerializer, **_400("already_closed、invalid_date"), **_AUTH, **_403, **_404},
    )
    @action(detail=True, methods=["post"], url_path="close-item")
    def close_item(self, request: Request, pk: str) -> Response:
        inspection = selectors.access_inspection(request.user, pk, INSPECT_PERM)
        d = _body(request, s.CloseItemSerializer)
        item = selectors.access_rectification_item(request.user, d["item"], INSPECT_PERM)
        if item.inspection_id != inspection.pk:
            raise DomainError("该整改事项不属于此次督查", code="invalid", field="item")
        services.rectification_close(
            actor=request.user, item=item, closed_on=d["closed_on"], note=d["note"], request=request
        )
        return Response(s.InspectionSerializer(selectors.inspection_list(request.user).get(pk=inspection.pk)).data)


@extend_schema_view(
    list=extend_schema(
        summary="信访业务培训",
        parameters=[s.TrainingFilterSerializer],
        responses={200: s.TrainingSerializer(many=True), **_AUTH, **_404},
    ),
    retrieve=extend_schema(summary="培训详情", responses={200: s.TrainingSerializer, **_AUTH, **_404}),
    create=extend_schema(
        summary="记录培训",
        description="总队、支队组织的培训（日期、主题、学时、参训人员）。拒绝：level_cannot_train、invalid_trainee …",
        request=s.TrainingCreateSerializer,
        responses={201: s.TrainingSerializer, **_400("培训规则不允许"), **_AUTH, **_403, **_404},
    ),
)
class TrainingViewSet(ScreeningViewSet):
    serializer_class = s.TrainingSerializer

    def get_queryset(self) -> QuerySet[Training]:
        if getattr(self, "swagger_fake_view", False):
            return Training.objects.none()
        p = _params(self.request, s.TrainingFilterSerializer)
        return selectors.training_list(
            self.request.user, year=p.get("year"), unit=_scope_unit(self.request, p.get("unit"))
        ).prefetch_related("trainees")

    def list(self, request: Request) -> Response:
        return self._list(request, self.get_queryset(), s.TrainingSerializer)

    def retrieve(self, request: Request, pk: str) -> Response:
        training = selectors.access_training(request.user, pk)
        return Response(s.TrainingSerializer(training).data)

    def create(self, request: Request) -> Response:
        d = _body(request, s.TrainingCreateSerializer)
        unit = _unit(request, d["unit"], TRAIN_PERM)
        training = services.training_create(
            actor=request.user,
            unit=unit,
            on=d["on"],
            topic=d["topic"],
            hours=d["hours"],
            location=d["location"],
            trainees=[_user(pk, "trainees") for pk in d["trainees"]],
            request=request,
        )
        return Response(s.TrainingSerializer(training).data, status=201)
