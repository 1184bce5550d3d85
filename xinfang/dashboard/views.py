"""The dashboard page (R6.1): /dashboard/?unit=ID&year=YYYY, and the same page on / for users who may see cases."""

from __future__ import annotations

import json

from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from xinfang.cases.models import VIEW_PERM
from xinfang.core.navigation import BUILDING, OPEN, request_navigation
from xinfang.core.views import perm_required
from xinfang.dashboard import selectors


def render_dashboard(request: HttpRequest, *, home: bool = False) -> HttpResponse:
    """The dashboard of ?unit (default: the user's own unit) for ?year (default: this year); 404 for a unit outside
    the user's scope or a year the dashboard does not show. On the home page the home cards follow it."""
    raw_unit = request.GET.get("unit", "")
    unit = selectors.access_dashboard_unit(request.user, raw_unit) if raw_unit else selectors.default_unit(request.user)
    if unit is None:
        raise Http404("没有可查看的单位")
    try:
        year = selectors.parse_year(request.GET.get("year"))
    except ValueError as exc:
        raise Http404(str(exc)) from None
    board = selectors.dashboard(request.user, unit, year)
    sections = request_navigation(request)
    return render(
        request,
        "dashboard/dashboard.html",
        {
            "board": board,
            "charts": {
                k: json.dumps(v, ensure_ascii=False, cls=DjangoJSONEncoder)
                for k, v in selectors.chart_data(board).items()
            },
            "units": selectors.units_offered(request.user, unit),
            "years": selectors.years(board.today),
            "home": home,
            "sections": sections,
            "has_open_section": any(s.state == OPEN for s in sections),
            "building": [s for s in sections if s.state == BUILDING],
        },
    )


@perm_required(VIEW_PERM)
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    return render_dashboard(request)
