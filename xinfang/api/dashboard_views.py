"""GET /api/v1/dashboard/?unit=ID&year=YYYY (R6.1, issue 7 item 5): the dashboard's figures, from the same selector
as the page (xinfang.dashboard.selectors). A unit outside the caller's case scope is 404; a bad year 400."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from xinfang.api import dashboard_serializers as s
from xinfang.api.incidents_views import AUTH, E403, E404
from xinfang.api.serializers import ValidationErrorSerializer
from xinfang.cases.models import VIEW_PERM
from xinfang.core.scope import has_perm
from xinfang.dashboard import selectors


class DashboardView(APIView):
    @extend_schema(
        operation_id="dashboard_retrieve",
        summary="工作台数据",
        description=(
            "所选单位（不填为本人所属单位）本年度（或 year 指定年度）的工作台数据：我的待办、按状态计数、"
            "及时受理率/按期办结率/参评率/满意率/重复信访率（分子 numerator、分母 denominator、数值 value，口径与 "
            "/api/v1/assessments/ 相同）按直属下级单位、逐月新收与办结、类别/业务分类/渠道构成、逾期事项按单位、"
            "排查报告报送、配额落后进度、未办结预警与挂牌督办。每个数字附页面上对应清单的地址（url）。"
            "单位不在本人查看范围内为404，年度有误为400。"
        ),
        parameters=[s.DashboardQuerySerializer],
        responses={200: s.DashboardSerializer, 400: ValidationErrorSerializer, **AUTH, **E403, **E404},
    )
    def get(self, request: Request) -> Response:
        if not has_perm(request.user, VIEW_PERM, None):
            raise PermissionDenied("您无权查看工作台")
        params = s.DashboardQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        d = params.validated()
        unit = (
            selectors.access_dashboard_unit(request.user, d["unit"])
            if d.get("unit") is not None
            else selectors.default_unit(request.user)
        )
        if unit is None:
            raise Http404("没有可查看的单位")
        board = selectors.dashboard(request.user, unit, d["year"])
        return Response(s.DashboardSerializer(selectors.as_data(board)).data)
