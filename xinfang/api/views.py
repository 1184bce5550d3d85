"""API v1 views: parse the input, call an orgs/core selector or service, serialize. No logic of their own."""

from __future__ import annotations

from typing import Any

from axes.helpers import get_cool_off
from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth import authenticate
from django.db.models import QuerySet
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView
from rest_framework import mixins, serializers, viewsets
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from xinfang.api.errors import error_body, error_response
from xinfang.api.serializers import (
    ErrorSerializer,
    MeSerializer,
    Profile,
    TokenRequestSerializer,
    TokenSerializer,
    UnitFilterSerializer,
    UnitSerializer,
    ValidationErrorSerializer,
)
from xinfang.api.services import token_issue
from xinfang.core import otp
from xinfang.core.audit import client_ip
from xinfang.core.errors import DomainError
from xinfang.core.scope import user_grants
from xinfang.core.security import rate_limit, retry_message
from xinfang.orgs.models import Unit
from xinfang.orgs.selectors import access_unit, unit_list, user_posts

INVALID_CREDENTIALS = "用户名或密码错误"

_ERRORS_AUTHENTICATED = {
    401: OpenApiResponse(ErrorSerializer, description="未登录或令牌无效"),
}


class TokenOtpRequestSerializer(TokenRequestSerializer):
    otp = serializers.CharField(
        label="动态验证码",
        max_length=32,
        required=False,
        allow_blank=True,
        help_text="系统管理员、安全管理员、审计员及已启用两步验证的账号必填：验证器应用中的6位动态验证码，或一个恢复码",
    )


class TokenView(APIView):
    """Exchange a username and password (and, for accounts with a second factor, a TOTP code) for the API token.

    Goes through django.contrib.auth.authenticate with the request, so django-axes counts failures
    and refuses a locked account even with the right password; a per-address rate limit applies on top.
    No authentication classes: an anonymous client calls it, and a browser session is not needed (nor its
    CSRF token).
    """

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]
    serializer_class = TokenOtpRequestSerializer

    @extend_schema(
        operation_id="auth_token_create",
        summary="获取 API 令牌",
        description=(
            "以用户名和密码换取 API 令牌，之后以请求头 `Authorization: Token <token>` 调用其他接口。"
            "连续失败 5 次账号锁定 15 分钟，锁定期间即使密码正确也拒绝（429 account_locked）。"
            "系统管理员、安全管理员、审计员（以及自行启用了两步验证的账号）还须在 `otp` 中提供验证器应用的"
            "6位动态验证码或一个恢复码：缺少时 400 otp_required，错误时 400 otp_invalid；"
            "管理员账号尚未启用两步验证时 400 otp_enrollment_required（先在网页登录完成启用）。"
            "同一来源地址请求过于频繁时 429 rate_limited（Retry-After 头给出等待秒数）。"
        ),
        request=TokenOtpRequestSerializer,
        responses={
            200: TokenSerializer,
            400: OpenApiResponse(
                ValidationErrorSerializer,
                description=(
                    "参数有误（invalid），用户名或密码错误（invalid_credentials），"
                    "缺少或错误的动态验证码（otp_required、otp_invalid、otp_throttled、otp_enrollment_required）"
                ),
            ),
            429: OpenApiResponse(
                ErrorSerializer,
                description="账号因多次登录失败被锁定（account_locked），或来源地址请求过频（rate_limited）",
            ),
        },
        auth=[],
    )
    def post(self, request: Request) -> Response:
        http_request: HttpRequest = request._request
        retry = rate_limit(http_request, "token", settings.XINFANG_TOKEN_RATE_LIMIT)
        if retry is not None:
            response = error_response("rate_limited", retry_message(retry), 429)
            response["Retry-After"] = str(retry)
            return response
        form = TokenOtpRequestSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        user = authenticate(
            request=http_request,
            username=form.validated_data["username"],
            password=form.validated_data["password"],
        )
        # Failures are answered without raising, so that axes' failure records and the
        # login_failed audit event are kept even if requests are ever made atomic.
        if getattr(http_request, "axes_locked_out", False):
            # We answer the lockout ourselves in JSON; stop AxesMiddleware replacing it with its HTML page.
            http_request.axes_locked_out = False  # type: ignore[attr-defined]
            return error_response("account_locked", _locked_message(http_request), 429)
        if user is None or not user.is_active:
            return error_response("invalid_credentials", INVALID_CREDENTIALS, 400)
        if otp.factor_needed(user):
            refusal = _second_factor(http_request, user, form.validated_data.get("otp", ""))
            if refusal is not None:
                return refusal
        if settings.AXES_RESET_ON_SUCCESS:
            axes_reset(username=user.get_username())
        token = token_issue(actor=user, ip=client_ip(http_request))
        return Response(TokenSerializer({"token": token.key}).data)


def _second_factor(request: HttpRequest, user: Any, code: str) -> Response | None:
    """None when the account's second factor is proved; else the refusal (failures audited by otp_check)."""
    if not otp.has_factor(user):
        return error_response(
            "otp_enrollment_required", "管理员账号须先在网页登录并启用两步验证，之后才能获取 API 令牌", 400, field="otp"
        )
    if not (code or "").strip():
        return error_response("otp_required", "请在 otp 中提供验证器应用的6位动态验证码", 400, field="otp")
    try:
        otp.otp_check(user=user, token=code, request=request, purpose="api_token")
    except DomainError as e:
        return error_response(e.code, e.message, 400, field="otp")
    return None


def _locked_message(request: HttpRequest) -> str:
    cool_off = get_cool_off(request)
    minutes = f" {int(cool_off.total_seconds() // 60)} 分钟" if cool_off else ""
    return f"登录失败次数过多，账号已被锁定{minutes}，请稍后再试或联系系统管理员"


class MeView(APIView):
    """The signed-in user, his current posts and the permissions they grant."""

    serializer_class = MeSerializer

    @extend_schema(
        summary="当前用户",
        description="当前用户、其现任岗位及岗位授予的权限。",
        responses={200: MeSerializer, **_ERRORS_AUTHENTICATED},
    )
    def get(self, request: Request) -> Response:
        user = request.user
        permissions = sorted({perm for grant in user_grants(user) for perm in grant.perms})
        profile = Profile(user=user, posts=user_posts(user), permissions=permissions)  # type: ignore[arg-type]
        return Response(MeSerializer(profile).data)


@extend_schema_view(
    list=extend_schema(
        summary="可见单位列表",
        description="本人岗位所在单位及其下属单位（按层级路径排序，分页）。",
        parameters=[UnitFilterSerializer],
        responses={200: UnitSerializer(many=True), 400: ValidationErrorSerializer, **_ERRORS_AUTHENTICATED},
    ),
    retrieve=extend_schema(
        summary="单位详情",
        description="不在权限范围内的单位与不存在的单位一样返回 404。",
        responses={
            200: UnitSerializer,
            **_ERRORS_AUTHENTICATED,
            403: OpenApiResponse(ErrorSerializer, description="无权查看"),
            404: OpenApiResponse(ErrorSerializer, description="不存在或不在权限范围内"),
        },
    ),
)
class UnitViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Units the caller may see: his posts' units and everything below them (REQUIREMENTS §0)."""

    serializer_class = UnitSerializer

    def get_queryset(self) -> QuerySet[Unit]:
        if getattr(self, "swagger_fake_view", False):  # schema generation: no user
            return Unit.objects.none()
        params = UnitFilterSerializer(data=self.request.query_params.dict())
        params.is_valid(raise_exception=True)
        active: bool | None = params.validated_data["active"]
        qs = unit_list(self.request.user, include_inactive=active is not True, q=params.validated_data.get("q", ""))
        if active is False:
            qs = qs.filter(is_active=False)
        if level := params.validated_data.get("level"):
            qs = qs.filter(level=level)
        return qs

    def get_object(self) -> Unit:
        # Out of scope -> 404 (same as nonexistent); in scope without orgs.unit.view -> 403.
        return access_unit(self.request.user, self.kwargs["pk"])


class SchemaView(SpectacularAPIView):
    """The OpenAPI document (YAML; JSON with ?format=json), for signed-in users only.

    This is an intranet system and nothing in the schema is needed before signing in except
    POST /api/v1/auth/token/, which the schema itself documents.
    """

    permission_classes = [IsAuthenticated]

    def handle_exception(self, exc: Exception) -> Response:
        # Errors are JSON like everywhere else in the API, not rendered as an OpenAPI YAML document.
        response = super().handle_exception(exc)
        self.request.accepted_renderer = JSONRenderer()
        self.request.accepted_media_type = "application/json"
        return response


class DocsView(SpectacularRedocView):
    """/api/docs/: ReDoc reading /api/schema/, for signed-in users. The ReDoc bundle is one of our static files
    (drf-spectacular-sidecar, REDOC_DIST = "SIDECAR") and the page template loads nothing from another host."""

    permission_classes = [IsAuthenticated]
    url_name = "api:schema"


@csrf_exempt
def not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
    """Unknown paths under /api/ answer in JSON too."""
    return JsonResponse(error_body("not_found", "接口不存在，请检查请求路径（以 / 结尾）"), status=404)
