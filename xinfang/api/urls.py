"""/api/: v1 endpoints, the OpenAPI schema, and a JSON 404 for every other path."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, include, path, re_path
from rest_framework.routers import SimpleRouter

from xinfang.api import views

app_name = "api"

router = SimpleRouter()
router.register("units", views.UnitViewSet, basename="unit")

v1: list[URLPattern | URLResolver] = [
    path("auth/token/", views.TokenView.as_view(), name="token"),
    path("me/", views.MeView.as_view(), name="me"),
    path("", include(router.urls)),
]

urlpatterns: list[URLPattern | URLResolver] = [
    path("v1/", include(v1)),
    path("schema/", views.SchemaView.as_view(), name="schema"),  # signed-in users only
    re_path(r"^.*$", views.not_found),
]
