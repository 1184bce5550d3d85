"""The UI shell: sign-in, home page, and the 审计员's audit trail pages."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from functools import wraps
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from xinfang.core.audit import audit_record, audit_verify
from xinfang.core.errors import DomainError
from xinfang.core.forms import AuditFilterForm, LoginForm, OwnPasswordChangeForm
from xinfang.core.models import AuditEvent
from xinfang.core.navigation import BUILDING, OPEN, request_navigation
from xinfang.core.scope import has_perm
from xinfang.orgs.models import User
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
    template_name = "registration/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


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


# --- home ---------------------------------------------------------------------------------------


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
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
    if filters.get("date_from"):
        start = datetime.datetime.combine(filters["date_from"], datetime.time.min, tzinfo=tz)
        qs = qs.filter(created_at__gte=start)
    if filters.get("date_to"):
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
