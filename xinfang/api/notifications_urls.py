"""API routes of the notifications app (and of the background ledger import, whose jobs this app runs),
mounted by xinfang/api/urls.py under /api/v1/."""

from __future__ import annotations

from typing import Any

from django.urls import URLPattern, URLResolver, path

from xinfang.api import imports_views
from xinfang.api.notifications_views import NotificationViewSet

# (prefix, viewset, basename) registered on the v1 router
ROUTES: list[tuple[str, Any, str]] = [("notifications", NotificationViewSet, "notification")]
# extra plain paths under /api/v1/
PATTERNS: list[URLPattern | URLResolver] = [
    path("imports/cases/", imports_views.CaseImportView.as_view(), name="import-cases"),
    path("imports/<int:pk>/", imports_views.ImportJobView.as_view(), name="import-detail"),
    path("imports/<int:pk>/errors.xlsx", imports_views.ImportErrorsView.as_view(), name="import-errors"),
]
