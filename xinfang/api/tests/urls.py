"""Test-only routes that raise each kind of error through the real exception handler."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from django.urls import include, path
from rest_framework import exceptions
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from xinfang.core.errors import DomainError

RAISES: dict[str, Any] = {
    "drf-forbidden": lambda: exceptions.PermissionDenied(),
    "django-forbidden": lambda: DjangoPermissionDenied("您无权审批本单位的信访事项"),
    "django-404": lambda: Http404("No Unit matches the given query."),
    "domain": lambda: DomainError("延期累计不得超过30日", code="extension_too_long", field="days"),
    "domain-no-field": lambda: DomainError("该事项已办结"),
    "throttled": lambda: exceptions.Throttled(wait=30),
    "validation-list": lambda: exceptions.ValidationError("开始日期不得晚于结束日期"),
    "validation-nested": lambda: exceptions.ValidationError(
        {"non_field_errors": ["两次输入不一致"], "items": [{"name": ["该字段是必填项。"]}]}
    ),
    "other": lambda: exceptions.APIException("文书生成服务暂不可用", code="documents_unavailable"),
    "crash": lambda: RuntimeError("boom"),
}


class RaiseView(APIView):
    permission_classes = [AllowAny]
    schema = None

    def get(self, request: Request, kind: str) -> Response:
        raise RAISES[kind]()


urlpatterns = [
    path("api/test-raise/<str:kind>/", RaiseView.as_view()),
    path("", include("xinfang.urls")),
]
