"""Every API error is JSON `{"code": "...", "detail": "中文说明"}` (validation errors add "fields").

`exception_handler` is REST_FRAMEWORK["EXCEPTION_HANDLER"]. It wraps DRF's handler (which keeps the
WWW-Authenticate, Retry-After and rollback behaviour) and rewrites the body:

    ValidationError                      400 invalid            + "fields": {field: [messages]}
    ParseError                           400 parse_error
    DomainError (xinfang.core.errors)    400 <its code>         + "field" when set
    NotAuthenticated/AuthenticationFailed 401 not_authenticated
    PermissionDenied (DRF or Django)     403 forbidden          (CSRF failures: 403 csrf_failed)
    Http404 / NotFound                   404 not_found
    MethodNotAllowed                     405 method_not_allowed
    Throttled                            429 throttled
    any other APIException               its status, its code
    anything else                        500 server_error       (re-raised by Django when DEBUG)

Messages are Chinese: an exception raised with its own Chinese message keeps it; DRF's stock
(English or translated) messages are replaced with the explicit Chinese defaults below.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.signals import got_request_exception
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from xinfang.core.errors import DomainError

logger = logging.getLogger("xinfang.api")

_CJK = re.compile(r"[\u4e00-\u9fff]")

INVALID_DETAIL = "提交的数据有误，请检查后重试"

# (exception class, code, default Chinese detail); the first matching class wins. ValidationError,
# MethodNotAllowed and Throttled are shaped separately (field errors, the method, the wait).
_KNOWN: list[tuple[type[exceptions.APIException], str, str]] = [
    (exceptions.ParseError, "parse_error", "请求内容无法解析，请提交合法的 JSON"),
    (exceptions.NotAuthenticated, "not_authenticated", "未登录或登录已失效，请先登录或提供有效的令牌"),
    (exceptions.AuthenticationFailed, "not_authenticated", "身份认证失败，令牌无效或账号已停用"),
    (exceptions.PermissionDenied, "forbidden", "您无权进行此操作"),
    (exceptions.NotFound, "not_found", "对象不存在或不在您的权限范围内"),
    (exceptions.NotAcceptable, "not_acceptable", "无法按请求的格式返回内容"),
    (exceptions.UnsupportedMediaType, "unsupported_media_type", "不支持该请求内容类型"),
]


def error_body(code: str, detail: str, **extra: Any) -> dict[str, Any]:
    return {"code": code, "detail": detail, **extra}


def error_response(code: str, detail: str, status_code: int, **extra: Any) -> Response:
    """An error answered by a view itself (no exception, so nothing is rolled back)."""
    return Response(error_body(code, detail, **extra), status=status_code)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DomainError):
        set_rollback()
        extra = {"field": exc.field} if exc.field else {}
        return Response(error_body(exc.code, exc.message, **extra), status=status.HTTP_400_BAD_REQUEST)

    if isinstance(exc, OverflowError) or (isinstance(exc, ValueError) and "out of range" in str(exc)):
        # A number or date beyond what Python or the database can hold (e.g. ?year=99999): bad input, not a crash.
        set_rollback()
        return Response(
            error_body("out_of_range", "参数超出允许范围（日期、年份或编号过大或过小）。"),
            status=status.HTTP_400_BAD_REQUEST,
        )

    if isinstance(exc, Http404):
        exc = exceptions.NotFound(*exc.args)
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(*exc.args)

    response = drf_exception_handler(exc, context)
    if response is None:
        return _server_error(exc, context)

    assert isinstance(exc, exceptions.APIException)
    response.data = _body(exc, context)
    return response


def _body(exc: exceptions.APIException, context: dict[str, Any]) -> dict[str, Any]:
    if isinstance(exc, exceptions.ValidationError):
        return _validation_body(exc)
    if isinstance(exc, exceptions.PermissionDenied) and str(exc.detail).startswith("CSRF Failed"):
        return error_body("csrf_failed", "CSRF 校验失败，请刷新页面后重试")
    if isinstance(exc, exceptions.MethodNotAllowed):
        request = context.get("request")
        method = getattr(request, "method", "")
        return error_body("method_not_allowed", f"不支持 {method} 请求方法" if method else "不支持该请求方法")
    if isinstance(exc, exceptions.Throttled):
        seconds = getattr(exc, "wait", None)
        wait = f"，请在 {int(seconds)} 秒后重试" if seconds is not None else "，请稍后重试"
        return error_body("throttled", f"请求过于频繁{wait}")
    for cls, code, default in _KNOWN:
        if isinstance(exc, cls):
            return error_body(code, _own_message(exc) or default)
    codes = exc.get_codes()
    return error_body(codes if isinstance(codes, str) else exc.default_code, _own_message(exc) or "请求无法处理")


def _own_message(exc: exceptions.APIException) -> str:
    """The exception's message when it was raised with its own Chinese text, else ""."""
    message = str(exc.detail) if not isinstance(exc.detail, (list, dict)) else ""
    if message and message != str(type(exc).default_detail) and _CJK.search(message):
        return message
    return ""


def _validation_body(exc: exceptions.ValidationError) -> dict[str, Any]:
    detail = exc.detail
    non_field: list[str] = []
    fields: dict[str, Any] = {}
    if isinstance(detail, dict):
        for name, errors in detail.items():
            if name == api_settings.NON_FIELD_ERRORS_KEY:
                non_field.extend(_flatten(errors))
            else:
                fields[str(name)] = _as_messages(errors)
    else:
        non_field.extend(_flatten(detail))
    message = "；".join(non_field) if non_field else INVALID_DETAIL
    return error_body("invalid", message, fields=fields)


def _as_messages(errors: Any) -> Any:
    """Field errors as plain strings, keeping nested serializers' structure."""
    if isinstance(errors, dict):
        return {str(k): _as_messages(v) for k, v in errors.items()}
    if isinstance(errors, list):
        if any(isinstance(e, (dict, list)) for e in errors):
            return [_as_messages(e) for e in errors]
        return [str(e) for e in errors]
    return [str(errors)]


def _flatten(errors: Any) -> list[str]:
    if isinstance(errors, dict):
        return [m for v in errors.values() for m in _flatten(v)]
    if isinstance(errors, list):
        return [m for e in errors for m in _flatten(e)]
    return [str(errors)]


def _server_error(exc: Exception, context: dict[str, Any]) -> Response | None:
    """An unexpected exception: JSON 500 in production, Django's debug page when DEBUG."""
    if settings.DEBUG:
        return None
    request = context.get("request")
    logger.error("Unhandled API exception", exc_info=(type(exc), exc, exc.__traceback__))
    # Let listeners (error reporting, the test client) see the exception as Django would.
    got_request_exception.send(sender=None, request=getattr(request, "_request", request))
    set_rollback()
    return Response(error_body("server_error", "服务器内部错误，请稍后重试或联系系统管理员"), status=500)
