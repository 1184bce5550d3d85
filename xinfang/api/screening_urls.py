"""API routes of the screening app, mounted by xinfang/api/urls.py under /api/v1/."""

from __future__ import annotations

from typing import Any

from django.urls import URLPattern, URLResolver, path

from xinfang.api import screening_views as v

# (prefix, viewset, basename) registered on the v1 router
ROUTES: list[tuple[str, Any, str]] = [
    ("screening-reports", v.ScreeningReportViewSet, "screening-report"),
    ("special-periods", v.SpecialPeriodViewSet, "special-period"),
    ("duty-shifts", v.DutyShiftViewSet, "duty-shift"),
    ("conflicts", v.ConflictViewSet, "conflict"),
    ("warnings", v.WarningViewSet, "warning"),
    ("inspections", v.InspectionViewSet, "inspection"),
    ("trainings", v.TrainingViewSet, "training"),
]
# extra plain paths under /api/v1/
PATTERNS: list[URLPattern | URLResolver] = [
    path("screening-status/", v.ScreeningStatusView.as_view(), name="screening-status"),
]
