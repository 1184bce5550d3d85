"""Security plumbing (R-SEC) that every request passes through, and small guards the services share.

- SecurityHeadersMiddleware: the Content-Security-Policy of every page (no inline or eval'd script), a sandboxing
  policy on every download (Content-Disposition: attachment), Permissions-Policy, and a cap on request bodies.
- SecondFactorMiddleware: a signed-in account that needs its second factor (the three admin roles always; anyone
  who enrolled one) reaches nothing but the verification / enrolment pages and sign-out until it is verified.
- rate_limit(...): per-address fixed-window counters in Django's cache (sign-in, API token).
- check_xlsx_archive(...): refuses zip bombs and oversized parts before openpyxl opens an uploaded workbook.
"""

from __future__ import annotations

import io
import time
import zipfile
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.crypto import salted_hmac
from django.utils.http import urlencode

from xinfang.core.errors import DomainError

# --- headers --------------------------------------------------------------------------------------

PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"
# Bodies larger than this are refused before any view reads them (attachments are ≤ 20 MB each).
MAX_REQUEST_BYTES_DEFAULT = 110 * 1024 * 1024


def is_download(response: HttpResponse) -> bool:
    return response.get("Content-Disposition", "").lower().startswith("attachment")


class SecurityHeadersMiddleware:
    """CSP on every response; downloads are sandboxed and never sniffed (an uploaded HTML file cannot run)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = int(getattr(settings, "XINFANG_MAX_REQUEST_BYTES", MAX_REQUEST_BYTES_DEFAULT))
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if limit and length > limit:
            response: HttpResponse = HttpResponse(
                "请求内容过大。", status=413, content_type="text/plain; charset=utf-8"
            )
        elif _has_nul(request):
            # No text column may hold a NUL byte (PostgreSQL refuses it outright): refuse it at the door.
            response = _bad_request(request, "nul_byte", "请求参数中含有不允许的控制字符（NUL）。")
        else:
            response = self.get_response(request)
        if is_download(response):
            response["Content-Security-Policy"] = settings.XINFANG_DOWNLOAD_CSP
            response["X-Content-Type-Options"] = "nosniff"
            response.setdefault("Cache-Control", "private, no-store")
        else:
            response.setdefault("Content-Security-Policy", settings.XINFANG_CSP)
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response


def _has_nul(request: HttpRequest) -> bool:
    raw = request.META.get("QUERY_STRING", "")
    return "%00" in raw or "\x00" in raw or "\x00" in request.path


def _bad_request(request: HttpRequest, code: str, detail: str) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse({"code": code, "detail": detail}, status=400)
    return HttpResponse(detail, status=400, content_type="text/plain; charset=utf-8")


# --- second factor --------------------------------------------------------------------------------

# URL names a signed-in account may open before its second factor is verified.
PENDING_ALLOWED = frozenset({"otp-verify", "otp-enrol", "logout"})


class SecondFactorMiddleware:
    """Place after AuthenticationMiddleware and SingleSessionMiddleware. Costs no query for an account whose
    state is already in its session (xinfang.core.otp keeps it there); the admin-role check reuses the request's
    cached grants, so an account promoted to an admin post mid-session is stopped at its next request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from xinfang.core import otp

        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not hasattr(request, "session"):
            return self.get_response(request)
        if otp.session_verified(request.session) or not otp.session_needs_factor(request.session, user):
            return self.get_response(request)
        if _url_name(request) in PENDING_ALLOWED:
            return self.get_response(request)
        if request.path.startswith("/api/"):
            return JsonResponse(
                {"code": "otp_required", "detail": "请先在网页上完成两步验证（动态验证码）后再使用本会话调用接口。"},
                status=403,
            )
        target = "otp-verify" if otp.has_factor(user) else "otp-enrol"
        query = urlencode({"next": request.get_full_path()}) if request.method == "GET" else ""
        return redirect(f"{reverse(target)}?{query}" if query else reverse(target))


def _url_name(request: HttpRequest) -> str:
    from django.urls import Resolver404, resolve

    try:
        match = resolve(request.path_info)
    except Resolver404:
        return ""
    return f"{match.namespace}:{match.url_name}" if match.namespace else str(match.url_name or "")


# --- rate limits ----------------------------------------------------------------------------------


def parse_limit(raw: str | None) -> tuple[int, int] | None:
    """ "count/seconds" -> (count, seconds); "" / "0" / garbage -> None (no limit)."""
    raw = (raw or "").strip()
    if not raw or raw == "0":
        return None
    count, _, seconds = raw.partition("/")
    try:
        n, window = int(count), int(seconds or "60")
    except ValueError:
        return None
    return (n, window) if n > 0 and window > 0 else None


def client_address(request: HttpRequest) -> str:
    header = getattr(settings, "XINFANG_CLIENT_IP_HEADER", "")
    value = request.META.get(header, "") if header else ""
    if value:
        return str(value).split(",")[0].strip()[:64]
    return str(request.META.get("REMOTE_ADDR", "") or "unknown")[:64]


def rate_limit(request: HttpRequest, name: str, raw_limit: str | None) -> int | None:
    """Count one attempt of `name` from the request's address. None: allowed; else the seconds to wait."""
    limit = parse_limit(raw_limit)
    if limit is None:
        return None
    count, window = limit
    now = time.time()
    slot = int(now // window)
    # The address enters the cache (files under var/cache) only as a keyed hash: no IP address is stored there.
    address = salted_hmac("xinfang.ratelimit", client_address(request)).hexdigest()[:32]
    key = f"xf:rl:{name}:{address}:{slot}"
    cache.add(key, 0, timeout=window + 5)
    try:
        n = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window + 5)
        n = 1
    if n > count:
        return max(1, int((slot + 1) * window - now))
    return None


def retry_message(seconds: int) -> str:
    minutes = (seconds + 59) // 60
    return f"来自本机地址的尝试过于频繁，请在 {minutes} 分钟后再试。"


# --- uploaded workbooks ---------------------------------------------------------------------------

MAX_XLSX_UNCOMPRESSED = 100 * 1024 * 1024  # all parts together
MAX_XLSX_PART = 60 * 1024 * 1024  # one sheet / sharedStrings part
MAX_XLSX_RATIO = 200  # a real sheet compresses 5-20x; bombs 1000x+
MAX_XLSX_ENTRIES = 2000


def check_xlsx_archive(data: bytes, *, field: str = "file") -> None:
    """Refuse a workbook whose zip container would expand beyond sane limits, before openpyxl reads it.

    openpyxl loads sharedStrings.xml whole even in read-only mode, so a 100 KB file expanding to gigabytes would
    exhaust memory. Python's zipfile never inflates past an entry's declared size, so checking the declared sizes
    here bounds what any later reader can get out of the archive.
    """

    def fail(message: str) -> DomainError:
        return DomainError(message, code="import_file", field=field)

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
    except Exception:  # BadZipFile, EOFError, NotImplementedError ("zip file version 6.7") …: untrusted bytes
        raise fail("文件无法读取：不是有效的 .xlsx 文件，或文件已损坏。") from None
    if len(entries) > MAX_XLSX_ENTRIES:
        raise fail("文件结构异常（包含的部件过多），请在 Excel 中另存为新的 .xlsx 文件后再导入。")
    total = 0
    for entry in entries:
        total += entry.file_size
        if entry.file_size > MAX_XLSX_PART or total > MAX_XLSX_UNCOMPRESSED:
            raise fail("文件解压后过大（超过 100 MB），请删除多余内容或拆分后导入。")
        if entry.compress_size and entry.file_size / entry.compress_size > MAX_XLSX_RATIO and entry.file_size > 1 << 20:
            raise fail("文件压缩比异常（疑似“压缩炸弹”），已拒绝导入。")


def is_formula_text(value: Any) -> bool:
    """Would a spreadsheet program evaluate this cell text? (= + - @, tab, CR at the start)"""
    return isinstance(value, str) and value.startswith(("=", "+", "-", "@", "\t", "\r"))
