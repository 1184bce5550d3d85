"""API routes of the leadership app, mounted by xinfang/api/urls.py under /api/v1/."""

from __future__ import annotations

from typing import Any

from django.urls import URLPattern, URLResolver, path

from xinfang.api import leadership_views as views

# (prefix, viewset, basename) registered on the v1 router
ROUTES: list[tuple[str, Any, str]] = [
    ("meetings", views.MeetingViewSet, "meeting"),
    ("reception-days", views.ReceptionDayViewSet, "reception-day"),
    ("receptions", views.ReceptionViewSet, "reception"),
    ("ownerships", views.OwnershipViewSet, "ownership"),
    ("supervisions", views.SupervisionViewSet, "supervision"),
]
# extra plain paths under /api/v1/
PATTERNS: list[URLPattern | URLResolver] = [
    path("compliance/", views.ComplianceView.as_view(), name="compliance"),
]
