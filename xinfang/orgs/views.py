"""Unit-tree pages (§0) and the designation compliance page (R1.1).

Thin views: parse input with a form, fetch through access_unit / a selector, call one service, render.
Out of scope -> 404 (access_unit), in scope without the permission -> 403.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from xinfang.core.errors import DomainError
from xinfang.core.scope import has_any_perm, has_perm
from xinfang.orgs import importing, selectors, services
from xinfang.orgs.forms import (
    ComplianceForm,
    UnitCreateForm,
    UnitFilterForm,
    UnitImportForm,
    UnitMoveForm,
    UnitRenameForm,
    add_domain_error,
)
from xinfang.orgs.models import LEVEL_RANK, Level, Unit
from xinfang.orgs.roles import Role

VIEW = "orgs.unit.view"
MANAGE = "orgs.unit.manage"
COMPLIANCE = "orgs.compliance.view"


def _require_any(request: HttpRequest, perm: str) -> None:
    if not has_any_perm(request.user, perm):
        raise PermissionDenied("您无权访问此页面")


def _post_data(request: HttpRequest) -> QueryDict | None:
    """Bind forms on every POST, even an empty one (an empty POST must show "required", not a blank form)."""
    return request.POST if request.method == "POST" else None


def _manageable_parents(request: HttpRequest) -> QuerySet[Unit]:
    return Unit.objects.visible_to(request.user, MANAGE).filter(is_active=True).exclude(level=Level.STATION)


@login_required
@require_GET
def unit_tree(request: HttpRequest) -> HttpResponse:
    _require_any(request, VIEW)
    form = UnitFilterForm(request.GET)
    form.is_valid()
    q = form.cleaned_data.get("q", "") or ""
    show_inactive = bool(form.cleaned_data.get("inactive"))
    # One query: the visible units ordered by path (each unit after its parent), siblings then sorted by code.
    units = selectors.tree_sorted(selectors.unit_list(request.user, include_inactive=show_inactive, q=q.strip()))
    base = min((u.depth for u in units), default=0)
    rows = [{"unit": u, "indent": u.depth - base, "can_manage": has_perm(request.user, MANAGE, u)} for u in units]
    return render(
        request,
        "orgs/units/tree.html",
        {
            "form": form,
            "rows": rows,
            "q": q,
            "show_inactive": show_inactive,
            "can_manage_any": has_any_perm(request.user, MANAGE),
            "can_compliance": has_any_perm(request.user, COMPLIANCE),
        },
    )


@login_required
@require_GET
def unit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    unit = selectors.access_unit(request.user, pk, VIEW)
    visible = Unit.objects.visible_to(request.user)
    # Only the ancestors inside the user's scope: nothing above it is shown.
    ancestors = list(visible.filter(pk__in=unit.ancestor_ids()).order_by("path"))
    children = list(visible.filter(parent=unit).order_by("path"))
    parent = ancestors[-1] if ancestors and ancestors[-1].pk == unit.parent_id else None
    role_order = {r: i for i, r in enumerate(Role.values)}
    posts = sorted(selectors.post_list(request.user, unit=unit), key=lambda p: (role_order.get(p.role, 99), p.start_on))
    return render(
        request,
        "orgs/units/detail.html",
        {
            "unit": unit,
            "ancestors": ancestors,
            "parent": parent,
            "children": children,
            "posts": posts,
            "can_manage": has_perm(request.user, MANAGE, unit),
            "can_add_child": unit.is_active and unit.level != Level.STATION and has_perm(request.user, MANAGE, unit),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def unit_create(request: HttpRequest) -> HttpResponse:
    parent: Unit | None = None
    if request.GET.get("parent"):
        parent = selectors.access_unit(request.user, request.GET["parent"], MANAGE)
    else:
        _require_any(request, MANAGE)
    initial: dict[str, Any] = {}
    if parent is not None:
        initial["parent"] = parent.pk
        below = [lv for lv in Level if LEVEL_RANK[lv] == parent.rank + 1]
        if below:
            initial["level"] = below[0].value
    form = UnitCreateForm(_post_data(request), initial=initial, parents=_manageable_parents(request))
    if request.method == "POST" and form.is_valid():
        try:
            unit = services.unit_create(
                actor=request.user,
                code=form.cleaned_data["code"],
                name=form.cleaned_data["name"],
                level=form.cleaned_data["level"],
                parent=form.cleaned_data["parent"],
                request=request,
            )
        except DomainError as e:
            add_domain_error(form, e)
        else:
            messages.success(request, f"已新建单位“{unit.name}”。")
            return redirect("orgs:unit-detail", pk=unit.pk)
    return render(request, "orgs/units/create.html", {"form": form, "parent": parent})


@login_required
@require_http_methods(["GET", "POST"])
def unit_rename(request: HttpRequest, pk: int) -> HttpResponse:
    unit = selectors.access_unit(request.user, pk, MANAGE)
    form = UnitRenameForm(_post_data(request), initial={"name": unit.name})
    if request.method == "POST" and form.is_valid():
        try:
            services.unit_rename(actor=request.user, unit=unit, name=form.cleaned_data["name"], request=request)
        except DomainError as e:
            add_domain_error(form, e)
        else:
            messages.success(request, "单位名称已修改。")
            return redirect("orgs:unit-detail", pk=unit.pk)
    return render(request, "orgs/units/rename.html", {"form": form, "unit": unit})


@login_required
@require_http_methods(["GET", "POST"])
def unit_move(request: HttpRequest, pk: int) -> HttpResponse:
    unit = selectors.access_unit(request.user, pk, MANAGE)
    # Candidates: visible active units the user manages, above the unit's level, outside its own subtree.
    parents = (
        _manageable_parents(request)
        .filter(level__in=[lv.value for lv in Level if LEVEL_RANK[lv] < unit.rank])
        .exclude(path__startswith=unit.path)
        .order_by("path")
    )
    if unit.parent_id:
        parents = parents.exclude(pk=unit.parent_id)
    form = UnitMoveForm(_post_data(request), parents=parents)
    if request.method == "POST" and form.is_valid():
        try:
            services.unit_move(actor=request.user, unit=unit, new_parent=form.cleaned_data["parent"], request=request)
        except DomainError as e:
            add_domain_error(form, e)
        else:
            messages.success(request, "已调整隶属关系。")
            return redirect("orgs:unit-detail", pk=unit.pk)
    current_parent = None
    if unit.parent_id:
        current_parent = Unit.objects.visible_to(request.user).filter(pk=unit.parent_id).first()
    return render(request, "orgs/units/move.html", {"form": form, "unit": unit, "current_parent": current_parent})


@login_required
@require_POST
def unit_active(request: HttpRequest, pk: int) -> HttpResponse:
    unit = selectors.access_unit(request.user, pk, MANAGE)
    active = request.POST.get("active") in ("1", "true", "on")
    try:
        services.unit_set_active(actor=request.user, unit=unit, active=active, request=request)
    except DomainError as e:
        messages.error(request, e.message)
    else:
        messages.success(request, "单位已启用。" if active else "单位已停用。")
    return redirect("orgs:unit-detail", pk=unit.pk)


@login_required
@require_http_methods(["GET", "POST"])
def unit_import(request: HttpRequest) -> HttpResponse:
    _require_any(request, MANAGE)
    form = UnitImportForm(_post_data(request), request.FILES if request.method == "POST" else None)
    row_errors: list[services.RowError] = []
    created: list[Unit] = []
    if request.method == "POST" and form.is_valid():
        try:
            created = services.units_import(actor=request.user, rows=form.rows, request=request)
        except DomainError as e:
            add_domain_error(form, e)
            row_errors = getattr(e, "row_errors", [])
    return render(
        request,
        "orgs/units/import.html",
        {
            "form": form,
            "row_errors": row_errors,
            "created": created,
            "max_rows": importing.MAX_ROWS,
            "headers": importing.HEADERS,
        },
    )


@login_required
@require_GET
def unit_import_template(request: HttpRequest) -> HttpResponse:
    _require_any(request, MANAGE)
    content = importing.template_workbook(importing.template_example(request.user))
    response = HttpResponse(content, content_type=importing.XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = (
        f"attachment; filename=\"unit-import-template.xlsx\"; filename*=UTF-8''{quote(importing.TEMPLATE_FILENAME)}"
    )
    return response


@login_required
@require_GET
def compliance(request: HttpRequest) -> HttpResponse:
    _require_any(request, COMPLIANCE)
    on = timezone.localdate()
    form = ComplianceForm(request.GET or None, initial={"on": on})
    only_problems = False
    if form.is_bound and form.is_valid():
        on = form.cleaned_data["on"] or on
        only_problems = bool(form.cleaned_data["problems"])
    rows = selectors.compliance_list(request.user, on, only_problems=only_problems)
    base = min((r.unit.depth for r in rows), default=0)
    return render(
        request,
        "orgs/compliance.html",
        {
            "form": form,
            "rows": rows,
            "items": [{"row": r, "indent": r.unit.depth - base} for r in rows],
            "on": on,
            "only_problems": only_problems,
            "problem_count": sum(1 for r in rows if r.problems),
        },
    )
