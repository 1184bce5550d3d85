"""Writes to the unit tree, users and posts. Each service is atomic and audited."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import CharField, F, Q, Value
from django.db.models.functions import Concat, Substr
from django.utils import timezone

from xinfang.core.audit import audit_record
from xinfang.core.errors import DomainError
from xinfang.core.scope import forget_grants, has_perm, user_grants
from xinfang.orgs.models import LEVEL_RANK, Level, Post, Unit, User
from xinfang.orgs.roles import ADMIN_ROLES, Role


def _require(actor: Any, perm: str, unit: Unit | None) -> None:
    if not has_perm(actor, perm, unit):
        raise DomainError("您无权在该单位进行此操作。", code="forbidden")


UNIT_MANAGE = "orgs.unit.manage"
NAME_MAX = Unit._meta.get_field("name").max_length or 100
CODE_MAX = Unit._meta.get_field("code").max_length or 32


def _unit_snapshot(unit: Unit) -> dict[str, Any]:
    return {
        "code": unit.code,
        "name": unit.name,
        "level": unit.level,
        "parent": unit.parent_id,
        "is_active": unit.is_active,
    }


def _may_create_root(actor: Any) -> bool:
    """A unit without a parent may only be created by a unit manager posted at a top-level unit."""
    return any(UNIT_MANAGE in g.perms and g.unit_path.count("/") == 2 for g in user_grants(actor))


def _check_level(level: str, parent: Unit | None) -> None:
    if level not in Level.values:
        raise DomainError("单位层级无效。", code="invalid_level", field="level")
    if parent is None:
        if level not in (Level.BUREAU, Level.CORPS):
            raise DomainError("只有消防救援局或总队可以没有上级单位。", code="parent_required", field="parent")
        return
    if LEVEL_RANK[Level(level)] <= parent.rank:
        raise DomainError(
            f"{Level(level).label}不能隶属于{parent.get_level_display()}。", code="invalid_parent", field="parent"
        )
    if not parent.is_active:
        raise DomainError("上级单位已停用。", code="parent_inactive", field="parent")


def _code_format_error(code: str) -> str | None:
    if not code:
        return "单位代码不能为空。"
    if len(code) > CODE_MAX or not code.isascii() or not all(c.isalnum() or c in "-_" for c in code):
        return f"单位代码只能由字母、数字、“-”和“_”组成，且不超过{CODE_MAX}位。"
    return None


def _check_code(code: str, exclude_pk: int | None = None) -> str:
    code = (code or "").strip()
    message = _code_format_error(code)
    if message:
        raise DomainError(message, code="invalid_code", field="code")
    qs = Unit.objects.filter(code=code)
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    if qs.exists():
        raise DomainError(f"单位代码“{code}”已被使用。", code="duplicate_code", field="code")
    return code


def _check_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise DomainError("单位名称不能为空。", code="name_required", field="name")
    if len(name) > NAME_MAX:
        raise DomainError(f"单位名称不能超过{NAME_MAX}个字。", code="name_too_long", field="name")
    return name


@transaction.atomic
def unit_create(*, actor: Any, code: str, name: str, level: str, parent: Unit | None, request: Any = None) -> Unit:
    if parent is None:
        if not _may_create_root(actor):
            raise DomainError("只有在最高层级单位任职的管理员才能新建无上级的单位。", code="forbidden", field="parent")
    else:
        parent = Unit.objects.select_for_update().get(pk=parent.pk)  # fresh path and active flag
        _require(actor, UNIT_MANAGE, parent)
    code = _check_code(code)
    name = _check_name(name)
    _check_level(level, parent)
    unit = Unit.objects.create(code=code, name=name, level=level, parent=parent)
    unit.path = f"{parent.path if parent else '/'}{unit.pk}/"
    unit.depth = (parent.depth + 1) if parent else 0
    unit.save(update_fields=["path", "depth"])
    audit_record(
        actor=actor, action="orgs.unit.created", target=unit, unit=unit, after=_unit_snapshot(unit), request=request
    )
    return unit


@transaction.atomic
def unit_rename(*, actor: Any, unit: Unit, name: str, request: Any = None) -> Unit:
    unit = Unit.objects.select_for_update().get(pk=unit.pk)
    _require(actor, UNIT_MANAGE, unit)
    name = _check_name(name)
    if name == unit.name:
        raise DomainError("新名称与原名称相同。", code="unchanged", field="name")
    before = _unit_snapshot(unit)
    unit.name = name
    unit.save(update_fields=["name", "updated_at"])
    audit_record(
        actor=actor,
        action="orgs.unit.renamed",
        target=unit,
        unit=unit,
        before=before,
        after=_unit_snapshot(unit),
        request=request,
    )
    return unit


@transaction.atomic
def unit_move(*, actor: Any, unit: Unit, new_parent: Unit, request: Any = None) -> Unit:
    unit = Unit.objects.select_for_update().get(pk=unit.pk)
    new_parent = Unit.objects.select_for_update().get(pk=new_parent.pk)
    _require(actor, UNIT_MANAGE, unit)
    _require(actor, UNIT_MANAGE, new_parent)
    if new_parent.path.startswith(unit.path):
        raise DomainError("不能把单位调整到它自己或其下级单位之下。", code="cycle", field="parent")
    if unit.parent_id == new_parent.pk:
        raise DomainError("新的上级单位与原上级单位相同。", code="unchanged", field="parent")
    _check_level(unit.level, new_parent)
    before = _unit_snapshot(unit)
    old_path = unit.path
    new_path = f"{new_parent.path}{unit.pk}/"
    delta = new_parent.depth + 1 - unit.depth
    # One UPDATE rewrites the whole subtree's paths and depths (the path index serves the prefix match).
    Unit.objects.filter(path__startswith=old_path).update(
        path=Concat(Value(new_path), Substr("path", len(old_path) + 1), output_field=CharField()),
        depth=F("depth") + delta,
    )
    Unit.objects.filter(pk=unit.pk).update(parent=new_parent, updated_at=timezone.now())
    unit.refresh_from_db()
    audit_record(
        actor=actor,
        action="orgs.unit.moved",
        target=unit,
        unit=unit,
        before=before,
        after=_unit_snapshot(unit),
        request=request,
    )
    return unit


@transaction.atomic
def unit_set_active(*, actor: Any, unit: Unit, active: bool, request: Any = None) -> Unit:
    """Units are never deleted (their history stays); they are deactivated."""
    unit = Unit.objects.select_for_update().get(pk=unit.pk)
    _require(actor, UNIT_MANAGE, unit)
    if unit.is_active == active:
        raise DomainError("单位已是该状态。", code="unchanged")
    if not active:
        if Unit.objects.filter(parent=unit, is_active=True).exists():
            raise DomainError("该单位仍有启用的下级单位，请先停用或调整下级单位。", code="has_active_children")
        # Current posts, and posts that start later: neither may be left at a deactivated unit.
        today = timezone.localdate()
        if Post.objects.filter(unit=unit).filter(Q(end_on__isnull=True) | Q(end_on__gte=today)).exists():
            raise DomainError("该单位仍有在岗人员，请先免去其岗位。", code="has_active_posts")
    elif unit.parent is not None and not unit.parent.is_active:
        raise DomainError("上级单位已停用，请先启用上级单位。", code="parent_inactive")
    before = _unit_snapshot(unit)
    unit.is_active = active
    unit.save(update_fields=["is_active", "updated_at"])
    action = "orgs.unit.activated" if active else "orgs.unit.deactivated"
    audit_record(
        actor=actor, action=action, target=unit, unit=unit, before=before, after=_unit_snapshot(unit), request=request
    )
    return unit


# --- import -----------------------------------------------------------------------------------

LEVEL_BY_LABEL = {label: value for value, label in Level.choices} | {v: v for v in Level.values}
COL_NAME, COL_CODE, COL_PARENT, COL_LEVEL = "单位名称", "单位代码", "上级单位代码", "层级"


@dataclass
class ImportRow:
    row: int
    name: str
    code: str
    parent_code: str
    level: str


@dataclass
class RowError:
    row: int
    column: str
    message: str


def units_import_validate(rows: list[ImportRow], *, actor: Any = None) -> list[RowError]:
    """Validate every row against the existing tree and the other rows (a parent may come after its children).

    With `actor`, also check that the actor may create each unit where the file puts it. Two queries in all.
    """
    errors: list[RowError] = []
    existing = {u.code: u for u in Unit.objects.only("id", "code", "level", "path", "is_active")}
    new_codes: dict[str, ImportRow] = {}
    for r in rows:
        if not r.name:
            errors.append(RowError(r.row, COL_NAME, "单位名称不能为空"))
        elif len(r.name) > NAME_MAX:
            errors.append(RowError(r.row, COL_NAME, f"单位名称不能超过{NAME_MAX}个字"))
        message = _code_format_error(r.code)
        if message:
            errors.append(RowError(r.row, COL_CODE, message.rstrip("。")))
        elif r.code in existing:
            errors.append(RowError(r.row, COL_CODE, f"单位代码“{r.code}”已被使用"))
        if r.code in new_codes:
            errors.append(RowError(r.row, COL_CODE, f"与第{new_codes[r.code].row}行的单位代码重复"))
        elif r.code:
            new_codes[r.code] = r
        if r.level not in LEVEL_BY_LABEL:
            errors.append(RowError(r.row, COL_LEVEL, f"层级“{r.level}”无效，应为：消防救援局、总队、支队、大队、站"))
    for r in rows:
        level = LEVEL_BY_LABEL.get(r.level)
        if level is None:
            continue
        if not r.parent_code:
            if level not in (Level.BUREAU, Level.CORPS):
                errors.append(RowError(r.row, COL_PARENT, "只有消防救援局或总队可以没有上级单位"))
            elif actor is not None and not _may_create_root(actor):
                errors.append(RowError(r.row, COL_PARENT, "您无权新建无上级的单位"))
            continue
        parent_level: str | None = None
        if r.parent_code == r.code:
            errors.append(RowError(r.row, COL_PARENT, "上级单位不能是本单位"))
            continue
        if r.parent_code in existing:
            parent = existing[r.parent_code]
            if actor is not None and not has_perm(actor, UNIT_MANAGE, parent):
                # Same words as a missing code: units outside the actor's scope are not disclosed.
                errors.append(RowError(r.row, COL_PARENT, f"上级单位代码“{r.parent_code}”不存在或不在您的管理范围内"))
                continue
            parent_level = parent.level
            if not parent.is_active:
                errors.append(RowError(r.row, COL_PARENT, f"上级单位“{r.parent_code}”已停用"))
        elif r.parent_code in new_codes:
            parent_level = LEVEL_BY_LABEL.get(new_codes[r.parent_code].level)
        else:
            errors.append(RowError(r.row, COL_PARENT, f"上级单位代码“{r.parent_code}”不存在或不在您的管理范围内"))
            continue
        if parent_level and LEVEL_RANK[Level(level)] <= LEVEL_RANK[Level(parent_level)]:
            errors.append(RowError(r.row, COL_LEVEL, f"{Level(level).label}不能隶属于{Level(parent_level).label}"))
    # Cycles among new rows (a -> b -> a) never reach an existing unit.
    for r in rows:
        if r.parent_code == r.code:
            continue
        seen = {r.code}
        cur = r
        while cur.parent_code in new_codes:
            if cur.parent_code in seen:
                errors.append(RowError(r.row, COL_PARENT, "上级关系形成循环"))
                break
            seen.add(cur.parent_code)
            cur = new_codes[cur.parent_code]
    errors.sort(key=lambda e: e.row)
    return errors


def _file_depths(rows: list[ImportRow]) -> dict[str, int]:
    """Depth of each new row below the nearest existing unit (or root); rows are validated, so no cycles."""
    by_code = {r.code: r for r in rows}
    depths: dict[str, int] = {}

    def depth(code: str) -> int:
        if code not in depths:
            parent = by_code[code].parent_code
            depths[code] = depth(parent) + 1 if parent in by_code else 0
        return depths[code]

    for r in rows:
        depth(r.code)
    return depths


@transaction.atomic
def units_import(*, actor: Any, rows: list[ImportRow], request: Any = None) -> list[Unit]:
    """All or nothing: any invalid row -> DomainError carrying the row errors, nothing written."""
    if not rows:
        raise DomainError("导入文件中没有数据行。", code="import_empty")
    errors = units_import_validate(rows, actor=actor)
    if errors:
        err = DomainError(f"导入文件有{len(errors)}处错误，未导入任何单位。", code="import_invalid")
        err.row_errors = errors  # type: ignore[attr-defined]
        raise err
    depths = _file_depths(rows)
    parents = {u.code: u for u in Unit.objects.filter(code__in={r.parent_code for r in rows if r.parent_code})}
    created: list[Unit] = []
    # Parents before children, whatever the order in the file.
    for r in sorted(rows, key=lambda r: (depths[r.code], r.row)):
        unit = unit_create(
            actor=actor,
            code=r.code,
            name=r.name,
            level=LEVEL_BY_LABEL[r.level],
            parent=parents[r.parent_code] if r.parent_code else None,
            request=request,
        )
        parents[unit.code] = unit
        created.append(unit)
    audit_record(
        actor=actor,
        action="orgs.unit.imported",
        after={"count": len(created), "codes": [u.code for u in created][:200]},
        request=request,
    )
    return created


# --- users and posts --------------------------------------------------------------------------


def _user_snapshot(user: User) -> dict[str, Any]:
    return {"username": user.username, "name": user.name, "unit": user.unit_id, "is_active": user.is_active}


def _check_password(password: str, user: User | None) -> None:
    try:
        validate_password(password, user)
    except ValidationError as e:
        raise DomainError("；".join(e.messages), code="weak_password", field="password") from None


@transaction.atomic
def user_create(*, actor: Any, username: str, name: str, unit: Unit, password: str, request: Any = None) -> User:
    _require(actor, "orgs.user.manage", unit)
    username = (username or "").strip()
    if not username:
        raise DomainError("账号不能为空。", code="username_required", field="username")
    if User.objects.filter(username__iexact=username).exists():
        raise DomainError(f"账号“{username}”已存在。", code="duplicate_username", field="username")
    user = User(username=username, name=(name or "").strip(), unit=unit)
    _check_password(password, user)
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    audit_record(
        actor=actor, action="orgs.user.created", target=user, unit=unit, after=_user_snapshot(user), request=request
    )
    return user


@transaction.atomic
def user_update(*, actor: Any, user: User, name: str, unit: Unit, request: Any = None) -> User:
    user = User.objects.select_for_update().get(pk=user.pk)
    _require(actor, "orgs.user.manage", user.unit)
    _require(actor, "orgs.user.manage", unit)
    before = _user_snapshot(user)
    user.name = (name or "").strip()
    user.unit = unit
    user.save(update_fields=["name", "unit"])
    audit_record(
        actor=actor,
        action="orgs.user.updated",
        target=user,
        unit=unit,
        before=before,
        after=_user_snapshot(user),
        request=request,
    )
    return user


@transaction.atomic
def user_set_password(*, actor: Any, user: User, password: str, request: Any = None) -> User:
    user = User.objects.select_for_update().get(pk=user.pk)
    if actor.pk != user.pk:
        _require(actor, "orgs.user.manage", user.unit)
    _check_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    audit_record(actor=actor, action="orgs.user.password_set", target=user, unit=user.unit, request=request)
    return user


@transaction.atomic
def user_set_active(*, actor: Any, user: User, active: bool, request: Any = None) -> User:
    user = User.objects.select_for_update().get(pk=user.pk)
    _require(actor, "orgs.user.manage", user.unit)
    if actor.pk == user.pk:
        raise DomainError("不能停用自己的账号。", code="self")
    before = _user_snapshot(user)
    user.is_active = active
    user.save(update_fields=["is_active"])
    action = "orgs.user.activated" if active else "orgs.user.deactivated"
    audit_record(
        actor=actor,
        action=action,
        target=user,
        unit=user.unit,
        before=before,
        after=_user_snapshot(user),
        request=request,
    )
    return user


@transaction.atomic
def post_create(
    *,
    actor: Any,
    user: User,
    unit: Unit,
    role: str,
    start_on: datetime.date,
    end_on: datetime.date | None = None,
    remit: str = "",
    request: Any = None,
) -> Post:
    _require(actor, "orgs.post.manage", unit)
    User.objects.select_for_update().get(pk=user.pk)  # serialize post changes per user
    if role not in Role.values:
        raise DomainError("岗位无效。", code="invalid_role", field="role")
    if actor.pk == user.pk:
        raise DomainError("不能为自己任免岗位。", code="self")
    if not unit.is_active:
        raise DomainError("单位已停用。", code="unit_inactive", field="unit")
    if not user.is_active:
        raise DomainError("该账号已停用。", code="user_inactive", field="user")
    if end_on is not None and end_on < start_on:
        raise DomainError("任职止日期不能早于任职起日期。", code="invalid_dates", field="end_on")
    today = timezone.localdate()
    current = Post.objects.active(max(start_on, today)).filter(user=user)
    held = set(current.values_list("role", flat=True))
    if role in ADMIN_ROLES and held - {role}:
        raise DomainError(
            "管理员岗位须专人专岗（三员分立），该人员已有其他岗位。", code="admin_separation", field="role"
        )
    if role not in ADMIN_ROLES and held & ADMIN_ROLES:
        raise DomainError("该人员担任管理员岗位，不能兼任业务岗位（三员分立）。", code="admin_separation", field="role")
    if current.filter(unit=unit, role=role).exists():
        raise DomainError("该人员在该单位已担任此岗位。", code="duplicate_post", field="role")
    post = Post.objects.create(user=user, unit=unit, role=role, start_on=start_on, end_on=end_on, remit=remit)
    forget_grants(user)
    audit_record(actor=actor, action="orgs.post.created", target=post, unit=unit, after=post.as_dict(), request=request)
    return post


@transaction.atomic
def post_end(*, actor: Any, post: Post, end_on: datetime.date, request: Any = None) -> Post:
    post = Post.objects.select_for_update().select_related("unit", "user").get(pk=post.pk)
    _require(actor, "orgs.post.manage", post.unit)
    if actor.pk == post.user_id:
        raise DomainError("不能为自己任免岗位。", code="self")
    if post.end_on is not None and post.end_on <= end_on:
        raise DomainError("该岗位已免职。", code="already_ended")
    if end_on < post.start_on:
        raise DomainError("免职日期不能早于任职起日期。", code="invalid_dates", field="end_on")
    before = post.as_dict()
    post.end_on = end_on
    post.save(update_fields=["end_on"])
    forget_grants(post.user)
    audit_record(
        actor=actor,
        action="orgs.post.ended",
        target=post,
        unit=post.unit,
        before=before,
        after=post.as_dict(),
        request=request,
    )
    return post
