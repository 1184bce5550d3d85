"""User accounts (系统管理员, orgs.user.manage) and posts (安全管理员, orgs.post.manage).

List and create pages need the permission somewhere (else 403). Object pages fetch through the
access helpers: outside the actor's scope -> 404, in scope without the permission -> 403.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from xinfang.core.errors import DomainError
from xinfang.core.forms import add_domain_error
from xinfang.core.views import perm_required
from xinfang.orgs import selectors, services
from xinfang.orgs.models import Unit, User
from xinfang.orgs.people_forms import (
    POST_PERM,
    USER_PERM,
    PostCreateForm,
    PostEndForm,
    PostFilterForm,
    UserCreateForm,
    UserEditForm,
    UserPasswordForm,
    UserSearchForm,
)

PAGE_SIZE = 50
PASSWORD_FIELDS = {"password": "password1"}


def _access_user(actor: Any, user_id: Any, perm: str) -> User:
    return selectors.access_user(actor, user_id, perm)


# --- users (系统管理员) ----------------------------------------------------------------------------


@perm_required(USER_PERM)
@require_GET
def user_list(request: HttpRequest) -> HttpResponse:
    form = UserSearchForm(request.GET or None)
    q = form.cleaned_data["q"].strip() if form.is_valid() else ""
    users = selectors.user_list(request.user, q=q)
    page = Paginator(users, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "orgs/people/user_list.html", {"form": form, "page_obj": page, "q": q})


@perm_required(USER_PERM)
@require_http_methods(["GET", "POST"])
def user_create(request: HttpRequest) -> HttpResponse:
    form = UserCreateForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.user_create(
                actor=request.user,
                username=data["username"],
                name=data["name"],
                unit=data["unit"],
                password=data["password1"],
                request=request,
            )
        except DomainError as e:
            add_domain_error(form, e, PASSWORD_FIELDS)
        else:
            messages.success(request, f"已创建账号“{user.username}”。岗位请由安全管理员任免。")
            return redirect("orgs:user-detail", pk=user.pk)
    return render(request, "orgs/people/user_form.html", {"form": form, "title": "新建用户"})


@login_required
@require_GET
def user_detail(request: HttpRequest, pk: int) -> HttpResponse:
    target = _access_user(request.user, pk, USER_PERM)
    posts = selectors.post_list(request.user, include_ended=True).filter(user=target)
    return render(request, "orgs/people/user_detail.html", {"target": target, "posts": posts})


@login_required
@require_http_methods(["GET", "POST"])
def user_edit(request: HttpRequest, pk: int) -> HttpResponse:
    target = _access_user(request.user, pk, USER_PERM)
    form = UserEditForm(request.POST or None, actor=request.user, initial={"name": target.name, "unit": target.unit_id})
    if request.method == "POST" and form.is_valid():
        try:
            services.user_update(
                actor=request.user,
                user=target,
                name=form.cleaned_data["name"],
                unit=form.cleaned_data["unit"],
                request=request,
            )
        except DomainError as e:
            add_domain_error(form, e)
        else:
            messages.success(request, "用户信息已保存。")
            return redirect("orgs:user-detail", pk=target.pk)
    return render(request, "orgs/people/user_form.html", {"form": form, "target": target, "title": "修改用户信息"})


@login_required
@require_http_methods(["GET", "POST"])
def user_password(request: HttpRequest, pk: int) -> HttpResponse:
    target = _access_user(request.user, pk, USER_PERM)
    form = UserPasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.user_set_password(
                actor=request.user, user=target, password=form.cleaned_data["password1"], request=request
            )
        except DomainError as e:
            add_domain_error(form, e, PASSWORD_FIELDS)
        else:
            messages.success(request, f"已重置“{target.username}”的密码，请通过安全途径告知本人。")
            return redirect("orgs:user-detail", pk=target.pk)
    return render(request, "orgs/people/user_password.html", {"form": form, "target": target})


@login_required
@require_POST
def user_active(request: HttpRequest, pk: int) -> HttpResponse:
    target = _access_user(request.user, pk, USER_PERM)
    active = request.POST.get("active") == "1"
    try:
        services.user_set_active(actor=request.user, user=target, active=active, request=request)
    except DomainError as e:
        messages.error(request, e.message)
    else:
        messages.success(request, f"已{'启用' if active else '停用'}账号“{target.username}”。")
    return redirect("orgs:user-detail", pk=target.pk)


# --- posts (安全管理员) ----------------------------------------------------------------------------


@perm_required(POST_PERM)
@require_GET
def post_list(request: HttpRequest) -> HttpResponse:
    holder = _access_user(request.user, request.GET["user"], POST_PERM) if request.GET.get("user") else None
    form = PostFilterForm(request.GET or None, actor=request.user)
    if form.is_bound and not form.is_valid():
        posts = selectors.post_list(request.user).none()
    else:
        data = form.cleaned_data if form.is_bound else {}
        unit: Unit | None = data.get("unit")
        posts = selectors.post_list(request.user, unit=unit, include_ended=bool(data.get("include_ended")))
        if holder is not None:
            posts = posts.filter(user=holder)
    page = Paginator(posts, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "orgs/people/post_list.html", {"form": form, "page_obj": page, "holder": holder})


@perm_required(POST_PERM)
@require_http_methods(["GET", "POST"])
def post_create(request: HttpRequest) -> HttpResponse:
    initial: dict[str, Any] = {}
    if request.GET.get("user"):
        initial["user"] = _access_user(request.user, request.GET["user"], POST_PERM).pk
    if request.GET.get("unit"):
        initial["unit"] = selectors.access_unit(request.user, request.GET["unit"], POST_PERM).pk
    form = PostCreateForm(request.POST or None, actor=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            post = services.post_create(
                actor=request.user,
                user=data["user"],
                unit=data["unit"],
                role=data["role"],
                start_on=data["start_on"],
                end_on=data["end_on"],
                remit=data["remit"],
                request=request,
            )
        except DomainError as e:
            add_domain_error(form, e)
        else:
            messages.success(request, f"已任命{post.user.display_name}为{post.unit.name}{post.get_role_display()}。")
            return redirect(f"{reverse('orgs:post-list')}?user={post.user_id}")
    return render(request, "orgs/people/post_form.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def post_end(request: HttpRequest, pk: int) -> HttpResponse:
    post = selectors.access_post(request.user, pk, POST_PERM)
    form = PostEndForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.post_end(actor=request.user, post=post, end_on=form.cleaned_data["end_on"], request=request)
        except DomainError as e:
            add_domain_error(form, e)
        else:
            label = f"{post.unit.name}{post.get_role_display()}"
            messages.success(request, f"已免去{post.user.display_name}的{label}岗位。")
            return redirect(f"{reverse('orgs:post-list')}?user={post.user_id}")
    return render(request, "orgs/people/post_end.html", {"form": form, "post": post})
