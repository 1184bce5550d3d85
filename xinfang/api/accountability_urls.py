"""API routes of the accountability app, mounted by xinfang/api/urls.py under /api/v1/."""

from __future__ import annotations

from typing import Any

from django.urls import URLPattern, URLResolver, path

from xinfang.api import accountability_views as v

# (prefix, viewset, basename) registered on the v1 router
ROUTES: list[tuple[str, Any, str]] = [
    ("assessment-schemes", v.SchemeViewSet, "assessment-scheme"),
    ("assessment-adjustments", v.AdjustmentViewSet, "assessment-adjustment"),
    ("review-checks", v.ReviewCheckViewSet, "review-check"),
    ("lookbacks", v.LookbackViewSet, "lookback"),
    ("accountability-actions", v.ActionViewSet, "accountability-action"),
]
# extra plain paths under /api/v1/
PATTERNS: list[URLPattern | URLResolver] = [
    path("assessments/", v.AssessmentView.as_view(), name="assessment-list"),
]
