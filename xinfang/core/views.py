"""The UI shell: sign-in, home page, and the 审计员's audit trail pages."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from functools import wraps
from typing import Any, cast
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from xinfang.core import otp
from xinfang.core.audit import audit_record, audit_verify
from xinfang.core.errors import DomainError
from xinfang.core.forms import AuditFilterForm, BootstrapFormMixin, LoginForm, OwnPasswordChangeForm
from xinfang.core.models import AuditEvent
from xinfang.core.navigation import BUILDING, OPEN, request_navigation
from xinfang.core.scope import has_perm
from xinfang.core.security import rate_limit, retry_message
from xinfang.orgs.models import User
from xinfang.orgs.selectors import user_list
from xinfang.orgs.services import user_set_password

PAGE_SIZE = 50
AUDIT_PERM = "core.audit.view"

View = Callable[..., HttpResponse]


def perm_required(perm: str) -> Callable[[View], View]:
    """Sign-in required (else redirect to the login page), then `perm` held somewhere (else 403).

    Object pages still fetch through an access_* helper, which decides 404/403 per object.
    """

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not has_perm(request.user, perm, None):
                raise PermissionDenied("您无权访问此页面")
            return view(request, *args, **kwargs)

        return login_required(wrapped)

    return decorator


# --- sign-in ------------------------------------------------------------------------------------


class LoginView(auth_views.LoginView):
    """Password first (django-axes locks the account after 5 failures; a per-address limit on top), then the
    second factor for the accounts that need one (SecondFactorMiddleware keeps every other page shut)."""

    template_name = "registration/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        retry = rate_limit(request, "login", settings.XINFANG_LOGIN_RATE_LIMIT)
        if retry is not None:
            form = self.get_form()
            form.errors.clear()
            form.add_error(None, retry_message(retry))
            response = self.render_to_response(self.get_context_data(form=form))
            response.status_code = 429
            response["Retry-After"] = str(retry)
            return response
        return super().post(request, *args, **kwargs)

    def form_valid(self, form: Any) -> HttpResponse:
        auth_login(self.request, form.get_user())
        otp.session_start(self.request.session, form.get_user())
        return HttpResponseRedirect(self.get_success_url())

    def get_success_url(self) -> str:
        url = super().get_success_url()
        if self.request.session.get(otp.STATE_KEY) != otp.PENDING:
            return url
        target = "otp-verify" if otp.has_factor(self.request.user) else "otp-enrol"
        return f"{reverse(target)}?{urlencode({'next': url})}"


class LogoutView(auth_views.LogoutView):
    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        was_signed_in = request.user.is_authenticated
        response = super().post(request, *args, **kwargs)
        if was_signed_in:
            messages.info(request, "您已安全退出。")
        return response


def _remember_session(request: HttpRequest, user: Any) -> None:
    """Keep this session the account's live one after its key was cycled (one live sign-in)."""
    key = request.session.session_key or ""
    type(user).objects.filter(pk=user.pk).update(current_session_key=key)
    request.user.current_session_key = key  # type: ignore[union-attr]


@login_required
@require_http_methods(["GET", "POST"])
def password_change(request: HttpRequest) -> HttpResponse:
    account = cast(User, request.user)  # signed in: login_required
    form = OwnPasswordChangeForm(account, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = user_set_password(
                actor=account, user=account, password=form.cleaned_data["new_password1"], request=request
            )
        except DomainError as e:
            form.add_error("new_password1", e.message)
        else:
            update_session_auth_hash(request, user)
            _remember_session(request, user)
            return redirect("password-change-done")
    return render(request, "registration/password_change_form.html", {"form": form})


@login_required
@require_GET
def password_change_done(request: HttpRequest) -> HttpResponse:
    return render(request, "registration/password_change_done.html")


# --- second factor (xinfang.core.otp) -----------------------------------------------------------


class CodeForm(BootstrapFormMixin, forms.Form):
    token = forms.CharField(
        label="动态验证码",
        max_length=32,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True}),
    )

    def __init__(self, *args: Any, label: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if label:
            self.fields["token"].label = label
        self._bootstrap()


def _next_url(request: HttpRequest) -> str:
    url = request.POST.get("next") or request.GET.get("next") or ""
    if url and url_has_allowed_host_and_scheme(url, {request.get_host()}, require_https=request.is_secure()):
        return url
    return reverse("home")


@login_required
@require_http_methods(["GET", "POST"])
def otp_verify(request: HttpRequest) -> HttpResponse:
    """Sign-in step two: a 6-digit code from the authenticator app, or one recovery code."""
    user = cast(User, request.user)
    if otp.session_verified(request.session) or not otp.session_needs_factor(request.session, user):
        return redirect(_next_url(request))
    if not otp.has_factor(user):
        return redirect(f"{reverse('otp-enrol')}?{urlencode({'next': _next_url(request)})}")
    form = CodeForm(request.POST or None, label="动态验证码或恢复码")
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            device = otp.otp_check(user=user, token=form.cleaned_data["token"], request=request)
        except DomainError as e:
            status = 400
            if e.code == "otp_invalid" and otp.record_failure(request.session) >= otp.max_failures():
                logout(request)
                messages.error(request, "动态验证码连续输错次数过多，已退出登录，请重新登录。")
                return redirect("login")
            form.add_error("token", e.message)
        else:
            otp.mark_verified(request, device)
            with transaction.atomic():
                audit_record(actor=user, action="core.otp.verified", target=user, unit=user.unit, request=request)
            if otp.is_admin(user) and otp.recovery_codes_left(user) <= 2:
                messages.warning(request, "您的恢复码所剩无几，请在“两步验证”页面重新生成。")
            return redirect(_next_url(request))
    return render(
        request,
        "registration/otp_verify.html",
        {"form": form, "next": _next_url(request), "max_failures": otp.max_failures()},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def otp_enrol(request: HttpRequest) -> HttpResponse:
    """Enrol an authenticator app: scan the QR code (rendered here, no outside service), confirm with a code,
    and receive ten single-use recovery codes, shown once."""
    user = cast(User, request.user)
    if otp.has_factor(user):
        messages.info(request, "您已启用两步验证。")
        return redirect("otp-verify" if not otp.session_verified(request.session) else "otp-settings")
    enrolment = otp.totp_enrolment_start(actor=user)
    form = CodeForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            codes = otp.totp_enrolment_confirm(actor=user, token=form.cleaned_data["token"], request=request)
        except DomainError as e:
            form.add_error("token", e.message)
            status = 400
        else:
            return render(
                request,
                "registration/otp_recovery_codes.html",
                {"codes": [otp.format_code(c) for c in codes], "next": _next_url(request), "enrolled": True},
            )
    context = {
        "form": form,
        "enrolment": enrolment,
        "required": otp.is_admin(user),
        "next": _next_url(request),
    }
    return render(request, "registration/otp_enrol.html", context, status=status)


@login_required
@require_GET
def otp_settings(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    device = otp.totp_device(user)
    context = {
        "device": device,
        "required": otp.is_admin(user),
        "codes_left": otp.recovery_codes_left(user) if device else 0,
    }
    return render(request, "registration/otp_settings.html", context)


@login_required
@require_POST
def otp_recovery_codes(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    try:
        codes = otp.recovery_codes_regenerate(actor=user, request=request)
    except DomainError as e:
        messages.error(request, e.message)
        return redirect("otp-settings")
    return render(
        request,
        "registration/otp_recovery_codes.html",
        {"codes": [otp.format_code(c) for c in codes], "next": reverse("otp-settings"), "enrolled": False},
    )


@login_required
@require_POST
def otp_disable(request: HttpRequest) -> HttpResponse:
    try:
        otp.otp_disable(actor=request.user, request=request)
    except DomainError as e:
        messages.error(request, e.message)
    else:
        messages.success(request, "已停用两步验证。")
    return redirect("otp-settings")


OTP_ADMIN_PERM = "orgs.post.manage"  # the 安全管理员's own job


@perm_required(OTP_ADMIN_PERM)
@require_GET
def otp_admin(request: HttpRequest) -> HttpResponse:
    """安全管理员: every account in his scope with its second-factor state, and a reset for a lost phone."""
    q = request.GET.get("q", "").strip()[:50]
    users = user_list(request.user, perm=OTP_ADMIN_PERM, q=q)
    page = Paginator(users, PAGE_SIZE).get_page(request.GET.get("page"))
    from django_otp.plugins.otp_totp.models import TOTPDevice

    enrolled = set(
        TOTPDevice.objects.filter(user__in=[u.pk for u in page.object_list], confirmed=True).values_list(
            "user_id", flat=True
        )
    )
    rows = [(u, u.pk in enrolled) for u in page.object_list]
    return render(request, "registration/otp_admin.html", {"page_obj": page, "rows": rows, "q": q})


@perm_required(OTP_ADMIN_PERM)
@require_POST
def otp_reset(request: HttpRequest, pk: int) -> HttpResponse:
    target = user_list(request.user, perm=OTP_ADMIN_PERM).filter(pk=pk).first()
    if target is None:
        raise Http404("用户不存在或不在您的权限范围内")
    try:
        otp.otp_reset(actor=request.user, user=target, request=request)
    except DomainError as e:
        raise PermissionDenied(e.message) from None
    messages.success(
        request, f"已重置 {target.display_name}（{target.username}）的两步验证，该账号下次登录时须重新启用。"
    )
    return redirect("otp-admin")


# --- home ---------------------------------------------------------------------------------------


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """A user who may see cases lands on his dashboard (R6.1), with the home cards below it; others see the cards."""
    if has_perm(request.user, "cases.case.view", None):
        from xinfang.dashboard.views import render_dashboard

        return render_dashboard(request, home=True)
    sections = request_navigation(request)
    return render(
        request,
        "core/home.html",
        {
            "sections": sections,
            "has_open_section": any(s.state == OPEN for s in sections),
            "building": [s for s in sections if s.state == BUILDING],
        },
    )


# --- audit trail (审计员) ------------------------------------------------------------------------


def audit_search(filters: dict[str, Any]) -> QuerySet[AuditEvent]:
    """The audit trail filtered for the search page. It covers every user: no scope applies."""
    qs = AuditEvent.objects.select_related("unit")
    if filters.get("actor"):
        qs = qs.filter(actor_username__icontains=filters["actor"].strip())
    if filters.get("action"):
        qs = qs.filter(action__startswith=filters["action"].strip())
    if filters.get("target_type"):
        qs = qs.filter(target_type=filters["target_type"].strip().lower())
    if filters.get("target_id"):
        qs = qs.filter(target_id=filters["target_id"].strip())
    tz = timezone.get_current_timezone()
    # Dates at the ends of the calendar (0001-01-01, 9999-12-31) bound nothing and cannot be shifted to UTC.
    if filters.get("date_from") and filters["date_from"] > datetime.date.min + datetime.timedelta(days=1):
        start = datetime.datetime.combine(filters["date_from"], datetime.time.min, tzinfo=tz)
        qs = qs.filter(created_at__gte=start)
    if filters.get("date_to") and filters["date_to"] < datetime.date.max - datetime.timedelta(days=1):
        end = datetime.datetime.combine(filters["date_to"] + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz)
        qs = qs.filter(created_at__lt=end)
    if filters.get("unit") is not None:
        qs = qs.filter(unit__path__startswith=filters["unit"].path)
    return qs.order_by("-id")


@perm_required(AUDIT_PERM)
@require_GET
def audit_list(request: HttpRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    if form.is_bound and not form.is_valid():
        events: QuerySet[AuditEvent] = AuditEvent.objects.none()
    else:
        events = audit_search(filters)
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "core/audit_list.html", {"form": form, "page_obj": page})


@perm_required(AUDIT_PERM)
@require_http_methods(["GET", "POST"])
def audit_verify_view(request: HttpRequest) -> HttpResponse:
    result = None
    if request.method == "POST":
        result = audit_verify()
        with transaction.atomic():
            audit_record(
                actor=request.user,
                action="core.audit.verified",
                unit=getattr(request.user, "unit", None),
                after={"checked": result.checked, "broken_id": result.broken_id, "reason": result.reason},
                request=request,
            )
    return render(request, "core/audit_verify.html", {"result": result})


# --- error pages (wired in xinfang/urls.py as handler403 / handler404) -----------------------------


def error_403(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    reason = str(exception) if isinstance(exception, PermissionDenied) and str(exception) else ""
    return render(request, "core/403.html", {"reason": reason}, status=403)


def error_404(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "core/404.html", status=404)
