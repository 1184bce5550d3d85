"""API route of the dashboard, mounted by xinfang/api/urls.py under /api/v1/."""

from __future__ import annotations

from typing import Any

from django.urls import URLPattern, URLResolver, path

from xinfang.api.dashboard_views import DashboardView

# (prefix, viewset, basename) registered on the v1 router
ROUTES: list[tuple[str, Any, str]] = []
# extra plain paths under /api/v1/
PATTERNS: list[URLPattern | URLResolver] = [path("dashboard/", DashboardView.as_view(), name="dashboard")]
