"""/api/: v1 endpoints, the OpenAPI schema, and a JSON 404 for every other path."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, include, path, re_path
from rest_framework.routers import SimpleRouter

from xinfang.api import (
    accountability_urls,
    cases_views,
    dashboard_urls,
    incidents_urls,
    leadership_urls,
    notifications_urls,
    portal_urls,
    screening_urls,
    views,
)

AREAS = (
    leadership_urls,
    screening_urls,
    incidents_urls,
    accountability_urls,
    notifications_urls,
    portal_urls,
    dashboard_urls,
)

app_name = "api"

router = SimpleRouter()
router.register("units", views.UnitViewSet, basename="unit")
router.register("cases", cases_views.CaseViewSet, basename="case")
router.register("topics", cases_views.TopicViewSet, basename="topic")
for area in AREAS:
    for prefix, viewset, basename in area.ROUTES:
        router.register(prefix, viewset, basename=basename)

v1: list[URLPattern | URLResolver] = [
    path("auth/token/", views.TokenView.as_view(), name="token"),
    path("me/", views.MeView.as_view(), name="me"),
    re_path(
        r"^documents/(?P<pk>[0-9]+)/(?P<fmt>pdf|docx)/$",
        cases_views.DocumentDownloadView.as_view(),
        name="document-download",
    ),
    *[p for area in AREAS for p in area.PATTERNS],
    path("", include(router.urls)),
]

urlpatterns: list[URLPattern | URLResolver] = [
    path("v1/", include(v1)),
    path("schema/", views.SchemaView.as_view(), name="schema"),  # signed-in users only
    path("docs/", views.DocsView.as_view(), name="docs"),  # ReDoc on the schema, from our static files
    re_path(r"^.*$", views.not_found),
]
