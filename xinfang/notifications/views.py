"""The notification centre: the signed-in user's own messages (list, open, mark read) and the header badge."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from xinfang.notifications import selectors, services

PAGE_SIZE = 30


@login_required
@require_GET
def notification_list(request: HttpRequest) -> HttpResponse:
    unread_only = request.GET.get("show") != "all"
    qs = selectors.notification_list(request.user, unread_only=unread_only)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "notifications/list.html",
        {"page_obj": page, "unread_only": unread_only, "unread": selectors.unread_count(request.user)},
    )


@login_required
@require_GET
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Follow a message's link; opening it marks it read."""
    notification = selectors.access_notification(request.user, pk)
    services.notification_mark_read(actor=request.user, notification=notification)
    url = notification.url
    if url and url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}, require_https=False):
        return redirect(url)
    return redirect("notifications:list")


@login_required
@require_POST
def notification_read(request: HttpRequest, pk: int) -> HttpResponse:
    notification = selectors.access_notification(request.user, pk)
    services.notification_mark_read(actor=request.user, notification=notification)
    if request.headers.get("HX-Request") == "true":
        notification.refresh_from_db()
        return render(
            request,
            "notifications/_row.html",
            {"n": notification, "swap_badge": True, "unread_count": selectors.unread_count(request.user)},
        )
    return redirect(_back(request))


@login_required
@require_POST
def notification_read_all(request: HttpRequest) -> HttpResponse:
    n = services.notifications_mark_all_read(actor=request.user)
    messages.success(request, f"已将{n}条消息标为已读。" if n else "没有未读消息。")
    return redirect("notifications:list")


@login_required
@require_GET
def unread_badge(request: HttpRequest) -> HttpResponse:
    """The header badge alone, for htmx polling."""
    return render(request, "notifications/_badge.html", {"count": selectors.unread_count(request.user)})


def _back(request: HttpRequest) -> str:
    nxt = request.POST.get("next", "")
    if nxt and url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()}, require_https=False):
        return nxt
    return reverse("notifications:list")
