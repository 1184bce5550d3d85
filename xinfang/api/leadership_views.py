"""The leadership API (issue 4, item 7): meetings, reception days, receptions, ownerships (with progress and
settle), supervisions (with progress and lift), and yearly compliance.

Thin, as the pages: reads through leadership.selectors (the same functions the pages and exports use), writes through
leadership.services. Every endpoint needs leadership.view somewhere (else 403); creating needs the write permission
somewhere (else 403); an object named in the path or the body that the caller cannot see is 404, one he sees but may
not act on is 403 — checked before the body. A refusal by a rule is 400 {"code", "detail"} and changes nothing.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import FileResponse, Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from xinfang.api import leadership_serializers as s
from xinfang.api.serializers import ErrorSerializer, ValidationErrorSerializer
from xinfang.cases.models import Case
from xinfang.cases.selectors import access_case
from xinfang.core.errors import DomainError
from xinfang.core.scope import access_object, has_perm
from xinfang.leadership import selectors, services
from xinfang.leadership.models import (
    ASSIGN_PERM,
    RECORD_PERM,
    SUPERVISE_PERM,
    VIEW_PERM,
    Meeting,
    Ownership,
    Reception,
    ReceptionDay,
    Supervision,
)
from xinfang.orgs.models import Unit, User

_AUTH = {401: OpenApiResponse(ErrorSerializer, description="未登录或令牌无效")}
_403 = {403: OpenApiResponse(ErrorSerializer, description="无此权限（或在权限范围内但无此操作权限）")}
_404 = {404: OpenApiResponse(ErrorSerializer, description="对象不存在或不在权限范围内")}
_400 = {
    400: OpenApiResponse(
        ValidationErrorSerializer,
        description="参数格式有误（invalid，fields 为各字段信息），或业务规则不允许（code 为规则代码，detail 为说明）",
    )
}


class Pagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


def _params(request: Request, serializer: type[s.serializers.Serializer]) -> dict[str, Any]:
    form = serializer(data=request.query_params)
    form.is_valid(raise_exception=True)
    return dict(form.validated_data)


def _unit(user: Any, pk: int | None, perm: str = VIEW_PERM) -> Unit | None:
    """A unit named in a query or body: out of scope 404, in scope without `perm` 403."""
    if pk is None:
        return None
    return access_object(Unit.objects.all(), user, pk, perm, view_perm=VIEW_PERM)


def _leader(user: Any, pk: int, perm: str) -> User:
    """A leader named in a body: one of the 班子成员 of the units where the caller holds `perm` (else 404)."""
    posts = selectors.leader_posts_in_scope(user, perm)
    found = User.objects.filter(pk=pk, pk__in=posts.values("user_id")).first()
    if found is None:
        raise Http404("该领导不存在或不在您的权限范围内")
    return found


def _case(user: Any, pk: int | None) -> Case | None:
    return access_case(user, pk) if pk is not None else None


class _Base(viewsets.GenericViewSet):
    pagination_class = Pagination
    write_perm = RECORD_PERM

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        if not has_perm(request.user, VIEW_PERM, None):
            raise PermissionDenied("您无权查看领导责任落实情况")
        if self.action == "create" and not has_perm(request.user, self.write_perm, None):
            raise PermissionDenied("您无权进行此操作")

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, DomainError) and exc.code == "forbidden":
            exc = PermissionDenied(exc.message)
        return super().handle_exception(exc)

    def _page(self, request: Request, qs: Any, serializer: Any, **context: Any) -> Response:
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(serializer(page, many=True, context={"request": request, **context}).data)


# ---------------------------------------------------------------------------------------------------
# 党委会


@extend_schema_view(
    list=extend_schema(
        summary="党委会研究部署信访工作记录",
        parameters=[s.UnitYearFilterSerializer],
        responses={200: s.MeetingSerializer(many=True), **_400, **_AUTH, **_403, **_404},
    ),
    retrieve=extend_schema(summary="党委会记录详情", responses={200: s.MeetingSerializer, **_AUTH, **_403, **_404}),
    create=extend_schema(
        summary="记录党委会研究部署信访工作",
        description="支队每年不少于两次、大队每年不少于四次（配额见 compliance）。会议纪要可用 multipart 上传。",
        request={"application/json": s.MeetingCreateSerializer, "multipart/form-data": s.MeetingCreateSerializer},
        responses={201: s.MeetingSerializer, **_400, **_AUTH, **_403, **_404},
    ),
)
class MeetingViewSet(_Base):
    serializer_class = s.MeetingSerializer
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_queryset(self) -> QuerySet[Meeting]:
        return Meeting.objects.none()

    def list(self, request: Request) -> Response:
        p = _params(request, s.UnitYearFilterSerializer)
        qs = selectors.meeting_list(request.user, unit=_unit(request.user, p.get("unit")), year=p.get("year"))
        return self._page(request, qs, s.MeetingSerializer)

    def retrieve(self, request: Request, pk: str) -> Response:
        meeting = selectors.access_meeting(request.user, pk)
        return Response(s.MeetingSerializer(meeting, context={"request": request}).data)

    def create(self, request: Request) -> Response:
        form = s.MeetingCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        d = dict(form.validated_data)
        unit = _unit(request.user, d.pop("unit"), RECORD_PERM)
        meeting = services.meeting_record(actor=request.user, unit=unit, request=request, **d)  # type: ignore[arg-type]
        meeting = selectors.access_meeting(request.user, meeting.pk)
        return Response(s.MeetingSerializer(meeting, context={"request": request}).data, status=201)

    @extend_schema(
        operation_id="meetings_minutes",
        summary="下载会议纪要",
        responses={(200, "application/octet-stream"): OpenApiTypes.BINARY, **_AUTH, **_403, **_404},
    )
    @action(detail=True, methods=["get"], url_path="minutes")
    def minutes(self, request: Request, pk: str) -> FileResponse:
        meeting = selectors.access_meeting(request.user, pk)
        if not meeting.minutes:
            raise Http404("本次会议没有上传会议纪要")
        response = FileResponse(
            meeting.minutes.open("rb"),
            as_attachment=True,
            filename=meeting.minutes_name,
            content_type=meeting.minutes_type,
        )
        response["Cache-Control"] = "private, no-store"
        return response


# ---------------------------------------------------------------------------------------------------
# 领导接访


@extend_schema_view(
    list=extend_schema(
        summary="领导接访日安排",
        parameters=[s.ReceptionDayFilterSerializer],
        responses={200: s.ReceptionDaySerializer(many=True), **_400, **_AUTH, **_403, **_404},
    ),
    retrieve=extend_schema(summary="接访日详情", responses={200: s.ReceptionDaySerializer, **_AUTH, **_403, **_404}),
    create=extend_schema(
        summary="安排领导接访日",
        description="published=true 时在门户公开（只公开领导姓名、职务和接访时间、地点）。",
        request=s.ReceptionDayCreateSerializer,
        responses={201: s.ReceptionDaySerializer, **_400, **_AUTH, **_403, **_404},
    ),
)
class ReceptionDayViewSet(_Base):
    serializer_class = s.ReceptionDaySerializer

    def get_queryset(self) -> QuerySet[ReceptionDay]:
        return ReceptionDay.objects.none()

    def list(self, request: Request) -> Response:
        p = _params(request, s.ReceptionDayFilterSerializer)
        p["unit"] = _unit(request.user, p.get("unit"))
        return self._page(request, selectors.reception_day_list(request.user, **p), s.ReceptionDaySerializer)

    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(s.ReceptionDaySerializer(selectors.access_reception_day(request.user, pk)).data)

    def create(self, request: Request) -> Response:
        form = s.ReceptionDayCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        d = dict(form.validated_data)
        leader = _leader(request.user, d.pop("leader"), RECORD_PERM)
        unit = _unit(request.user, d.pop("unit"), RECORD_PERM)
        if unit is None:
            posts = selectors.leader_posts_in_scope(request.user, RECORD_PERM).filter(user=leader)
            if posts.count() != 1:
                raise DomainError("该领导在多个单位任职，请指明单位。", code="unit_required", field="unit")
            unit = posts.get().unit
        day = services.reception_day_plan(actor=request.user, unit=unit, leader=leader, request=request, **d)
        return Response(s.ReceptionDaySerializer(selectors.access_reception_day(request.user, day.pk)).data, status=201)


def _visible_case_ids(user: Any, receptions: list[Reception]) -> set[int]:
    ids = {r.case_id for r in receptions if r.case_id}
    return set(Case.objects.visible_to(user).filter(pk__in=ids).values_list("pk", flat=True)) if ids else set()


@extend_schema_view(
    list=extend_schema(
        summary="领导接访台账",
        parameters=[s.ReceptionFilterSerializer],
        responses={200: s.ReceptionSerializer(many=True), **_400, **_AUTH, **_403, **_404},
    ),
    retrieve=extend_schema(summary="接访记录详情", responses={200: s.ReceptionSerializer, **_AUTH, **_403, **_404}),
    create=extend_schema(
        summary="登记领导接访",
        description=(
            "leader 为接访领导（单位班子成员），case 为已登记的信访事项（可选）。来访人可关联信访人（petitioner），"
            "或填写姓名、电话。当日该领导的接访日安排自动登记为已接访。答复中个人信息脱敏。"
        ),
        request=s.ReceptionCreateSerializer,
        responses={201: s.ReceptionSerializer, **_400, **_AUTH, **_403, **_404},
    ),
)
class ReceptionViewSet(_Base):
    serializer_class = s.ReceptionSerializer

    def get_queryset(self) -> QuerySet[Reception]:
        return Reception.objects.none()

    def list(self, request: Request) -> Response:
        p = _params(request, s.ReceptionFilterSerializer)
        leader = User.objects.filter(pk=p["leader"]).first() if p.get("leader") else None
        if p.get("leader") and leader is None:
            return self._page(request, Reception.objects.none(), s.ReceptionSerializer)
        qs = selectors.reception_list(
            request.user, unit=_unit(request.user, p.get("unit")), leader=leader, year=p.get("year")
        )
        page = self.paginate_queryset(qs)
        rows = list(page or [])
        data = s.ReceptionSerializer(
            rows, many=True, context={"request": request, "visible_cases": _visible_case_ids(request.user, rows)}
        ).data
        return self.get_paginated_response(data)

    def _one(self, request: Request, reception: Reception) -> dict[str, Any]:
        reception = selectors.reception_list(request.user).get(pk=reception.pk)
        context = {"request": request, "visible_cases": _visible_case_ids(request.user, [reception])}
        return dict(s.ReceptionSerializer(reception, context=context).data)

    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(self._one(request, selectors.access_reception(request.user, pk)))

    def create(self, request: Request) -> Response:
        form = s.ReceptionCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        d = dict(form.validated_data)
        leader = _leader(request.user, d.pop("leader"), RECORD_PERM)
        unit = _unit(request.user, d.pop("unit"), RECORD_PERM)
        case = _case(request.user, d.pop("case"))
        day_id = d.pop("reception_day")
        day = selectors.access_reception_day(request.user, day_id, RECORD_PERM) if day_id else None
        reception = services.reception_record(
            actor=request.user,
            leader=leader,
            unit=unit,
            case=case,
            reception_day=day,
            visitors=[dict(v) for v in d.pop("visitors")],
            request=request,
            **d,
        )
        return Response(self._one(request, reception), status=201)


# ---------------------------------------------------------------------------------------------------
# 领导包案


@extend_schema_view(
    list=extend_schema(
        summary="领导包案",
        parameters=[s.OwnershipFilterSerializer],
        responses={200: s.OwnershipSerializer(many=True), **_400, **_AUTH, **_403, **_404},
    ),
    retrieve=extend_schema(summary="包案详情", responses={200: s.OwnershipDetailSerializer, **_AUTH, **_403, **_404}),
    create=extend_schema(
        summary="确定领导包案",
        description=(
            "挂牌督办的事项只能由其所在支队的主官包案（supervised_owner），期限不得晚于督办期限；其他事项由事项办理单位"
            "或其上级单位的班子成员包案（大队辖区的重大信访问题可由大队主官包案）。已有包案的须 replace=true（原包案"
            "结束为已移交）。同时生成包案责任书（documents）。"
        ),
        request=s.OwnershipCreateSerializer,
        responses={201: s.OwnershipDetailSerializer, **_400, **_AUTH, **_403, **_404},
    ),
)
class OwnershipViewSet(_Base):
    serializer_class = s.OwnershipSerializer
    write_perm = ASSIGN_PERM

    def get_queryset(self) -> QuerySet[Ownership]:
        return Ownership.objects.none()

    def list(self, request: Request) -> Response:
        p = _params(request, s.OwnershipFilterSerializer)
        qs = selectors.ownership_list(
            request.user,
            unit=_unit(request.user, p.get("unit")),
            status=p.get("status"),
            case=p.get("case"),
        )
        return self._page(request, qs, s.OwnershipSerializer)

    def _detail(self, request: Request, pk: Any) -> dict[str, Any]:
        ownership = selectors.access_ownership(request.user, pk)
        return dict(s.OwnershipDetailSerializer(ownership, context={"request": request}).data)

    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(self._detail(request, pk))

    def create(self, request: Request) -> Response:
        form = s.OwnershipCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        d = dict(form.validated_data)
        case = _case(request.user, d.pop("case"))
        leader = _leader(request.user, d.pop("leader"), VIEW_PERM)
        unit = _unit(request.user, d.pop("unit"))
        team_ids = d.pop("team")
        team = list(User.objects.filter(pk__in=team_ids))
        if len(team) != len(set(team_ids)):
            raise DomainError("专班成员不存在。", code="team_not_found", field="team")
        checklist = d.pop("checklist")
        ownership = services.ownership_assign(
            actor=request.user,
            case=case,  # type: ignore[arg-type]
            leader=leader,
            unit=unit,
            team=team,
            checklist=dict(checklist) if checklist is not None else None,
            request=request,
            **d,
        )
        return Response(self._detail(request, ownership.pk), status=201)

    @extend_schema(
        operation_id="ownerships_progress",
        summary="记录包案进展",
        description="日期、进展；可同时给出“三到位一处理”清单（整体替换）。包案已结束的不能再记录（invalid_state）。",
        request=s.ProgressSerializer,
        responses={200: s.OwnershipDetailSerializer, **_400, **_AUTH, **_403, **_404},
    )
    @action(detail=True, methods=["post"], url_path="progress")
    def progress(self, request: Request, pk: str) -> Response:
        ownership = selectors.access_ownership(request.user, pk, RECORD_PERM)
        form = s.ProgressSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        d = dict(form.validated_data)
        checklist = d.pop("checklist")
        services.ownership_progress(
            actor=request.user,
            ownership=ownership,
            checklist=dict(checklist) if checklist is not None else None,
            request=request,
            **d,
        )
        return Response(self._detail(request, pk))

    @extend_schema(
        operation_id="ownerships_settle",
        summary="结束包案（停诉息访或未息访）",
        description="settled=true：停诉息访，“三到位一处理”中适用的项目须全部到位（checklist_incomplete）。",
        request=s.SettleSerializer,
        responses={200: s.OwnershipDetailSerializer, **_400, **_AUTH, **_403, **_404},
    )
    @action(detail=True, methods=["post"], url_path="settle")
    def settle(self, request: Request, pk: str) -> Response:
        ownership = selectors.access_ownership(request.user, pk, ASSIGN_PERM)
        form = s.SettleSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        services.ownership_settle(actor=request.user, ownership=ownership, request=request, **form.validated_data)
        return Response(self._detail(request, pk))


# ---------------------------------------------------------------------------------------------------
# 挂牌督办


@extend_schema_view(
    list=extend_schema(
        summary="挂牌督办",
        parameters=[s.SupervisionFilterSerializer],
        responses={200: s.SupervisionSerializer(many=True), **_400, **_AUTH, **_403, **_404},
    ),
    retrieve=extend_schema(
        summary="挂牌督办详情", responses={200: s.SupervisionDetailSerializer, **_AUTH, **_403, **_404}
    ),
    create=extend_schema(
        summary="挂牌督办",
        description=(
            "由消防救援局或总队挂牌（level=bureau|corps；其他层级 supervision_level）。总队登记消防救援局督办须填 "
            "reference_no。答复的 owner 给出建议的包案领导（事项所在支队的主官）。"
        ),
        request=s.SupervisionCreateSerializer,
        responses={201: s.SupervisionDetailSerializer, **_400, **_AUTH, **_403, **_404},
    ),
)
class SupervisionViewSet(_Base):
    serializer_class = s.SupervisionSerializer
    write_perm = SUPERVISE_PERM

    def get_queryset(self) -> QuerySet[Supervision]:
        return Supervision.objects.none()

    @staticmethod
    def _context(request: Request, rows: list[Supervision]) -> dict[str, Any]:
        checks = selectors.supervision_owner_checks(rows)
        return {"request": request, "owner_checks": checks}

    def list(self, request: Request) -> Response:
        p = _params(request, s.SupervisionFilterSerializer)
        p["unit"] = _unit(request.user, p.get("unit"))
        page = self.paginate_queryset(selectors.supervision_list(request.user, **p))
        rows = list(page or [])
        return self.get_paginated_response(
            s.SupervisionSerializer(rows, many=True, context=self._context(request, rows)).data
        )

    def _detail(self, request: Request, pk: Any) -> dict[str, Any]:
        supervision = selectors.access_supervision(request.user, pk)
        return dict(s.SupervisionDetailSerializer(supervision, context=self._context(request, [supervision])).data)

    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(self._detail(request, pk))

    def create(self, request: Request) -> Response:
        form = s.SupervisionCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        d = dict(form.validated_data)
        case = _case(request.user, d.pop("case"))
        supervision = services.supervision_open(actor=request.user, case=case, request=request, **d)  # type: ignore[arg-type]
        return Response(self._detail(request, supervision.pk), status=201)

    @extend_schema(
        operation_id="supervisions_progress",
        summary="报送督办进展",
        request=s.SupervisionProgressSerializer,
        responses={200: s.SupervisionDetailSerializer, **_400, **_AUTH, **_403, **_404},
    )
    @action(detail=True, methods=["post"], url_path="progress")
    def progress(self, request: Request, pk: str) -> Response:
        supervision = selectors.access_supervision(request.user, pk, RECORD_PERM)
        form = s.SupervisionProgressSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        services.supervision_report(actor=request.user, supervision=supervision, request=request, **form.validated_data)
        return Response(self._detail(request, pk))

    @extend_schema(
        operation_id="supervisions_lift",
        summary="解除督办",
        description="只有挂牌单位可以解除，须写明理由。",
        request=s.LiftSerializer,
        responses={200: s.SupervisionDetailSerializer, **_400, **_AUTH, **_403, **_404},
    )
    @action(detail=True, methods=["post"], url_path="lift")
    def lift(self, request: Request, pk: str) -> Response:
        supervision = selectors.access_supervision(request.user, pk, SUPERVISE_PERM)
        form = s.LiftSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        services.supervision_lift(actor=request.user, supervision=supervision, request=request, **form.validated_data)
        return Response(self._detail(request, pk))


# ---------------------------------------------------------------------------------------------------
# Yearly compliance


class ComplianceView(APIView):
    @extend_schema(
        operation_id="leadership_compliance",
        summary="领导责任年度落实情况",
        description=(
            "本人权限范围内每个支队、大队：党委会已开次数（meetings_held）、应开次数（meetings_required，年中新设单位"
            "按比例折算）、是否落后进度（behind_pace：时间进度超过完成进度），主官和其他班子成员各周期接访天数，"
            "主官/分管领导明确情况（designation_gaps）。"
        ),
        parameters=[s.ComplianceFilterSerializer],
        responses={200: s.ComplianceSerializer(many=True), **_400, **_AUTH, **_403, **_404},
    )
    def get(self, request: Request) -> Response:
        from django.utils import timezone

        if not has_perm(request.user, VIEW_PERM, None):
            raise PermissionDenied("您无权查看领导责任落实情况")
        p = _params(request, s.ComplianceFilterSerializer)
        year = p.get("year") or timezone.localdate().year
        rows = selectors.compliance_for_year(request.user, year, root=_unit(request.user, p.get("unit")))
        return Response(s.ComplianceSerializer(rows, many=True).data)
