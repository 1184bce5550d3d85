"""The incidents API (issue 6, item 8): contingency plans, linkage contacts, incidents with their required officials,
referrals to the 信访联席会议. Thin: fetch through the incidents selectors (404 out of scope, 403 without the
permission), check the shape with a serializer, call ONE service (the pages call the same ones). A refusal is the
service's DomainError: 400 {"code", "detail", "field"?}; a DomainError "forbidden" answers 403."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from xinfang.api import incidents_serializers as s
from xinfang.api.serializers import ErrorSerializer, ValidationErrorSerializer
from xinfang.cases.models import Case
from xinfang.core.errors import DomainError
from xinfang.core.scope import access_object, has_perm
from xinfang.incidents import selectors, services
from xinfang.incidents.models import MANAGE_PERM, VIEW_PERM, Incident, IncidentKind, IncidentStatus, ReferralStatus
from xinfang.orgs.models import Unit, User

AUTH = {401: OpenApiResponse(ErrorSerializer, description="未登录或令牌无效")}
E403 = {403: OpenApiResponse(ErrorSerializer, description="在权限范围内但无此操作权限")}
E404 = {404: OpenApiResponse(ErrorSerializer, description="对象不存在或不在权限范围内")}
E400 = {
    400: OpenApiResponse(ValidationErrorSerializer, description="参数有误或不符合规则（code 说明原因），未作任何改变")
}


def manageable_unit(user: Any, pk: int) -> Unit:
    """A unit for a new record: 404 outside the user's view scope, 403 without incidents.manage there."""
    return access_object(Unit.objects.all(), user, pk, MANAGE_PERM, view_perm=VIEW_PERM)


class DomainViewSet(viewsets.GenericViewSet):
    """Base of these viewsets: a user who holds `view_perm` nowhere is refused (403) before anything else, as the
    pages refuse him; a service's "forbidden" DomainError answers 403."""

    view_perm = VIEW_PERM

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        if self.view_perm and not has_perm(request.user, self.view_perm, None):
            raise PermissionDenied("您无权访问此功能")

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, DomainError) and exc.code == "forbidden":
            exc = PermissionDenied(exc.message)
        return super().handle_exception(exc)

    def require_manage(self) -> None:
        """Creating needs incidents.manage somewhere — checked before the body is read."""
        if not has_perm(self.request.user, MANAGE_PERM, None):
            raise PermissionDenied("您无权进行此操作")

    def form(self, serializer: type[Any]) -> dict[str, Any]:
        form = serializer(data=self.request.data)
        form.is_valid(raise_exception=True)
        return dict(form.validated_data)


@extend_schema_view(
    list=extend_schema(summary="应急处置预案列表", responses={200: s.PlanSerializer(many=True), **AUTH}),
    retrieve=extend_schema(summary="应急处置预案", responses={200: s.PlanSerializer, **AUTH, **E404}),
    create=extend_schema(
        summary="登记应急处置预案",
        description="预案最近修订/评审满一年即为逾期未评审（review_overdue）。文件以 multipart/form-data 上传。",
        request={"application/json": s.PlanCreateSerializer, "multipart/form-data": s.PlanCreateSerializer},
        responses={201: s.PlanSerializer, **E400, **AUTH, **E403, **E404},
    ),
)
class PlanViewSet(DomainViewSet):
    serializer_class = s.PlanSerializer
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_queryset(self) -> QuerySet[Any]:
        if getattr(self, "swagger_fake_view", False):
            return selectors.ContingencyPlan.objects.none()
        overdue = self.request.query_params.get("overdue")
        return selectors.plan_list(self.request.user, overdue=True if overdue == "true" else None)

    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(s.PlanSerializer(page, many=True).data)

    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(s.PlanSerializer(selectors.access_plan(request.user, pk)).data)

    def create(self, request: Request) -> Response:
        self.require_manage()
        d = self.form(s.PlanCreateSerializer)
        unit = manageable_unit(request.user, d.pop("unit"))
        plan = services.plan_create(actor=request.user, unit=unit, request=request, **d)
        return Response(s.PlanSerializer(plan).data, status=201)


@extend_schema_view(
    list=extend_schema(summary="联动单位列表", responses={200: s.ContactSerializer(many=True), **AUTH}),
    create=extend_schema(
        summary="登记联动单位",
        description="属地街道、公安、信访部门等联动单位（机构）及其值班电话。",
        request=s.ContactCreateSerializer,
        responses={201: s.ContactSerializer, **E400, **AUTH, **E403, **E404},
    ),
)
class ContactViewSet(DomainViewSet):
    serializer_class = s.ContactSerializer

    def get_queryset(self) -> QuerySet[Any]:
        if getattr(self, "swagger_fake_view", False):
            return selectors.LinkageContact.objects.none()
        return selectors.contact_list(self.request.user)

    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(s.ContactSerializer(page, many=True).data)

    def create(self, request: Request) -> Response:
        self.require_manage()
        d = self.form(s.ContactCreateSerializer)
        unit = manageable_unit(request.user, d.pop("unit"))
        contact = services.contact_create(actor=request.user, unit=unit, request=request, **d)
        return Response(s.ContactSerializer(contact).data, status=201)


def visible_case_map(user: Any, incidents: list[Incident]) -> dict[int, list[int]]:
    """{incident id: [linked case ids the user may see]} for a page of incidents, in one query."""
    through = Incident.cases.through
    rows = (
        through.objects.filter(
            incident_id__in=[i.pk for i in incidents], case_id__in=Case.objects.visible_to(user).values("pk")
        )
        .order_by("case_id")
        .values_list("incident_id", "case_id")
    )
    result: dict[int, list[int]] = {}
    for incident_id, case_id in rows:
        result.setdefault(incident_id, []).append(case_id)
    return result


INCIDENT_FILTERS = [
    OpenApiParameter("kind", str, enum=IncidentKind.values, description="事件类型"),
    OpenApiParameter("status", str, enum=["open", "closed"], description="状态"),
    OpenApiParameter("compliant", bool, description="false：应到人员尚未登记的事件"),
    OpenApiParameter("year", int, description="发生年度"),
]


@extend_schema_view(
    list=extend_schema(
        summary="信访突发事件列表",
        description="到总队上访（kind=at_corps，属事支队分管领导应到场）、进京上访（in_beijing，支队主官应赴京）、"
        "集体访、其他。compliant=false 表示应到人员尚未登记。",
        parameters=INCIDENT_FILTERS,
        responses={200: s.IncidentSerializer(many=True), **AUTH},
    ),
    retrieve=extend_schema(summary="信访突发事件", responses={200: s.IncidentSerializer, **AUTH, **E404}),
    create=extend_schema(
        summary="登记信访突发事件",
        description="登记后通知应到场的领导（到总队：属事支队分管领导；进京：支队主官）；"
        "到总队、进京事件的 unit 须为支队（unit_not_detachment）。关联的信访事项须在本人权限范围内，事项本身不受影响。",
        request=s.IncidentCreateSerializer,
        responses={201: s.IncidentSerializer, **E400, **AUTH, **E403, **E404},
    ),
)
class IncidentViewSet(DomainViewSet):
    serializer_class = s.IncidentSerializer

    def get_queryset(self) -> QuerySet[Any]:
        if getattr(self, "swagger_fake_view", False):
            return Incident.objects.none()
        q = self.request.query_params
        year = q.get("year")
        compliant = {"true": True, "false": False}.get(q.get("compliant", ""))
        return selectors.incident_list(
            self.request.user,
            kind=kind if (kind := q.get("kind")) in IncidentKind.values else None,
            status=status if (status := q.get("status")) in IncidentStatus.values else None,
            compliant=compliant,
            year=int(year) if year and year.isdigit() else None,
        )

    def _out(self, incidents: list[Incident]) -> Any:
        context = {"visible_cases": visible_case_map(self.request.user, incidents)}
        return s.IncidentSerializer(incidents, many=True, context=context).data

    def _one(self, pk: Any) -> Response:
        incident = selectors.incident_list(self.request.user).get(pk=pk)
        return Response(self._out([incident])[0])

    def list(self, request: Request) -> Response:
        page = list(self.paginate_queryset(self.get_queryset()) or [])
        return self.get_paginated_response(self._out(page))

    def retrieve(self, request: Request, pk: str) -> Response:
        incident = selectors.access_incident(request.user, pk)
        return self._one(incident.pk)

    def create(self, request: Request) -> Response:
        self.require_manage()
        d = self.form(s.IncidentCreateSerializer)
        unit = manageable_unit(request.user, d.pop("unit"))
        cases = [*([d.pop("case")] if d.get("case") else []), *d.pop("cases")]
        d.pop("case", None)
        incident = services.incident_open(actor=request.user, unit=unit, cases=cases, request=request, **d)
        response = self._one(incident.pk)
        response.status_code = 201
        return response

    @extend_schema(
        operation_id="incidents_responder",
        summary="登记到场/赴京人员",
        description="role 须为该人员在责任单位的实际岗位（role_mismatch），other 为其他人员。"
        "到总队上访登记分管领导（leader）、进京上访登记主官（chief）后事件即为合规（compliant=true）。",
        request=s.ResponderInputSerializer,
        responses={201: s.IncidentSerializer, **E400, **AUTH, **E403, **E404},
    )
    @action(detail=True, methods=["post"], url_path="responder")
    def responder(self, request: Request, pk: str) -> Response:
        incident = selectors.access_incident(request.user, pk, MANAGE_PERM)
        d = self.form(s.ResponderInputSerializer)
        person = User.objects.filter(pk=d.pop("user")).first()
        if person is None:
            raise DomainError("人员不存在。", code="invalid_user", field="user")
        services.responder_record(actor=request.user, incident=incident, user=person, request=request, **d)
        response = self._one(incident.pk)
        response.status_code = 201
        return response

    @extend_schema(
        operation_id="incidents_close",
        summary="登记处置情况和结果",
        description="事件处置完毕。应到人员未登记的事件仍为不合规，计入考核。",
        request=s.IncidentCloseSerializer,
        responses={200: s.IncidentSerializer, **E400, **AUTH, **E403, **E404},
    )
    @action(detail=True, methods=["post"], url_path="close")
    def close(self, request: Request, pk: str) -> Response:
        incident = selectors.access_incident(request.user, pk, MANAGE_PERM)
        services.incident_close(
            actor=request.user, incident=incident, request=request, **self.form(s.IncidentCloseSerializer)
        )
        return self._one(incident.pk)

    @extend_schema(
        operation_id="incidents_link_case",
        summary="关联信访事项",
        description="只记录事件与事项的联系，不改变事项本身。",
        request=s.LinkCaseSerializer,
        responses={200: s.IncidentSerializer, **E400, **AUTH, **E403, **E404},
    )
    @action(detail=True, methods=["post"], url_path="link-case")
    def link_case(self, request: Request, pk: str) -> Response:
        incident = selectors.access_incident(request.user, pk, MANAGE_PERM)
        d = self.form(s.LinkCaseSerializer)
        services.incident_link_case(actor=request.user, incident=incident, case=d["case"], request=request)
        return self._one(incident.pk)


@extend_schema_view(
    list=extend_schema(
        summary="提请信访联席会议协调的事项",
        parameters=[OpenApiParameter("status", str, enum=ReferralStatus.values)],
        responses={200: s.ReferralSerializer(many=True), **AUTH},
    ),
    retrieve=extend_schema(summary="联席会议移交", responses={200: s.ReferralSerializer, **AUTH, **E404}),
    create=extend_schema(
        summary="提请信访联席会议/地方政府部门协调",
        description="移交未能化解的诉求（信访事项 case 或矛盾纠纷台账条目 ledger_entry）：理由、日期、接收方。",
        request=s.ReferralCreateSerializer,
        responses={201: s.ReferralSerializer, **E400, **AUTH, **E403, **E404},
    ),
)
class ReferralViewSet(DomainViewSet):
    serializer_class = s.ReferralSerializer

    def get_queryset(self) -> QuerySet[Any]:
        if getattr(self, "swagger_fake_view", False):
            return selectors.Referral.objects.none()
        status = self.request.query_params.get("status")
        return selectors.referral_list(self.request.user, status=status if status in ReferralStatus.values else None)

    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(s.ReferralSerializer(page, many=True).data)

    def retrieve(self, request: Request, pk: str) -> Response:
        referral = selectors.access_referral(request.user, pk)
        return Response(s.ReferralSerializer(self.get_queryset().get(pk=referral.pk)).data)

    def create(self, request: Request) -> Response:
        self.require_manage()
        d = self.form(s.ReferralCreateSerializer)
        unit = manageable_unit(request.user, d.pop("unit"))
        referral = services.referral_create(actor=request.user, unit=unit, request=request, **d)
        return Response(s.ReferralSerializer(self.get_queryset().get(pk=referral.pk)).data, status=201)

    @extend_schema(
        operation_id="referrals_outcome",
        summary="登记协调结果",
        request=s.ReferralOutcomeSerializer,
        responses={200: s.ReferralSerializer, **E400, **AUTH, **E403, **E404},
    )
    @action(detail=True, methods=["post"], url_path="outcome")
    def outcome(self, request: Request, pk: str) -> Response:
        referral = selectors.access_referral(request.user, pk, MANAGE_PERM)
        services.referral_record_outcome(
            actor=request.user, referral=referral, request=request, **self.form(s.ReferralOutcomeSerializer)
        )
        return Response(s.ReferralSerializer(self.get_queryset().get(pk=referral.pk)).data)
