"""The demo corps loaded by `manage.py load_demo` (and `make demo`). Demo data only.

The builder is a list of steps run in order inside one transaction; each step is idempotent
(it finds its objects by unit code or username and creates only what is missing), so loading
twice changes nothing. Later parts append their own steps to STEPS (e.g. demo cases).

    sf   示范省消防救援总队           sysadmin / secadmin / auditor, plus sf.chief / sf.leader / sf.officer
    ├── jz  江州市消防救援支队        jz01 … jz04 (大队)
    ├── lc  临川市消防救援支队        lc01 … lc03
    └── qs  青山市消防救援支队        qs01 … qs03

Every unit X has X.chief (主官), X.leader (分管领导) and X.officer (信访干部); every demo account
signs in with DEMO_PASSWORD.
"""

from __future__ import annotations

import datetime
import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import transaction

from xinfang.core.audit import audit_record
from xinfang.orgs.models import Level, Post, Unit, User
from xinfang.orgs.roles import Role

DEMO_PASSWORD = "Xinfang-Demo-2026"
DEMO_ACTOR = "load_demo"
POSTS_START = datetime.date(2025, 1, 1)

# (code, name, level, parent code) — parents first.
UNITS: list[tuple[str, str, str, str | None]] = [
    ("sf", "示范省消防救援总队", Level.CORPS, None),
    ("jz", "江州市消防救援支队", Level.DETACHMENT, "sf"),
    ("jz01", "江州市鼓楼区消防救援大队", Level.BRIGADE, "jz"),
    ("jz02", "江州市江滨区消防救援大队", Level.BRIGADE, "jz"),
    ("jz03", "江州市高新区消防救援大队", Level.BRIGADE, "jz"),
    ("jz04", "江州市临江县消防救援大队", Level.BRIGADE, "jz"),
    ("lc", "临川市消防救援支队", Level.DETACHMENT, "sf"),
    ("lc01", "临川市东城区消防救援大队", Level.BRIGADE, "lc"),
    ("lc02", "临川市西湖区消防救援大队", Level.BRIGADE, "lc"),
    ("lc03", "临川市南丰县消防救援大队", Level.BRIGADE, "lc"),
    ("qs", "青山市消防救援支队", Level.DETACHMENT, "sf"),
    ("qs01", "青山市青山区消防救援大队", Level.BRIGADE, "qs"),
    ("qs02", "青山市石门县消防救援大队", Level.BRIGADE, "qs"),
    ("qs03", "青山市云岭县消防救援大队", Level.BRIGADE, "qs"),
]

# The three posts every unit gets, in this order: username suffix and role.
UNIT_POSTS: list[tuple[str, str]] = [("chief", Role.CHIEF), ("leader", Role.LEADER), ("officer", Role.OFFICER)]

# The three separated admin accounts (三员分立), at the 总队.
ADMINS: list[tuple[str, str, str]] = [
    ("sysadmin", "郑文博", Role.SYSADMIN),
    ("secadmin", "冯晓东", Role.SECADMIN),
    ("auditor", "韩雪梅", Role.AUDITOR),
]

# The 总队's 信访工作领导小组 member and 业务处室 officer (fictitious): they run 考核, 核查 and 问责.
CORPS_EXTRA: list[tuple[str, str, str]] = [
    ("sf.group", "郑国华", Role.GROUP),
    ("sf.dept", "孙立平", Role.DEPARTMENT),
]

# Demo people (fictitious): the 主官, 分管领导 and 信访干部 of each unit, in UNIT_POSTS order.
PEOPLE: dict[str, tuple[str, str, str]] = {
    "sf": ("王建国", "李卫东", "张晓燕"),
    "jz": ("刘志强", "陈国平", "杨丽华"),
    "jz01": ("赵明亮", "黄海涛", "周敏"),
    "jz02": ("吴俊杰", "徐振华", "孙婷婷"),
    "jz03": ("马永刚", "朱建军", "胡晓梅"),
    "jz04": ("郭立新", "何志勇", "高雅琴"),
    "lc": ("林国栋", "罗文涛", "梁秀英"),
    "lc01": ("宋伟", "谢宏伟", "唐静"),
    "lc02": ("许光明", "韩志刚", "邓丽娟"),
    "lc03": ("曹德胜", "彭建华", "曾雪"),
    "qs": ("萧正德", "田卫国", "董晓丽"),
    "qs01": ("袁海军", "潘振宇", "蒋玉兰"),
    "qs02": ("蔡志明", "余建平", "杜芳"),
    "qs03": ("叶春生", "程浩", "魏小红"),
}
assert set(PEOPLE) == {code for code, *_ in UNITS}


@dataclass
class DemoContext:
    """Shared by the steps: what exists (by code / username) and what this run created."""

    units: dict[str, Unit] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    created: dict[str, int] = field(default_factory=dict)
    _password_hash: str = ""

    def count(self, what: str, n: int = 1) -> None:
        self.created[what] = self.created.get(what, 0) + n

    @property
    def password_hash(self) -> str:
        # Hashed once per run: argon2 is deliberately slow and every demo account shares the password.
        if not self._password_hash:
            self._password_hash = make_password(DEMO_PASSWORD)
        return self._password_hash


Step = Callable[[DemoContext], None]


def _audit(action: str, target: Any, unit: Unit, after: dict[str, Any]) -> None:
    audit_record(actor=None, actor_username=DEMO_ACTOR, action=action, target=target, unit=unit, after=after)


def step_units(ctx: DemoContext) -> None:
    """The unit tree, created through the ORM with its materialized path."""
    existing = {u.code: u for u in Unit.objects.filter(code__in=[c for c, *_ in UNITS])}
    for code, name, level, parent_code in UNITS:
        if code in existing:
            ctx.units[code] = existing[code]
            continue
        parent = ctx.units[parent_code] if parent_code else None
        unit = Unit.objects.create(code=code, name=name, level=level, parent=parent)
        unit.path = f"{parent.path if parent else '/'}{unit.pk}/"
        unit.depth = parent.depth + 1 if parent else 0
        unit.save(update_fields=["path", "depth"])
        ctx.units[code] = unit
        ctx.count("units")
        after = {"code": code, "name": name, "level": level, "parent": unit.parent_id, "is_active": True}
        _audit("orgs.unit.created", unit, unit, after)


def _ensure_user(ctx: DemoContext, username: str, name: str, unit: Unit, role: str) -> None:
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User.objects.create(username=username, name=name, unit=unit, password=ctx.password_hash)
        ctx.count("users")
        after = {"username": username, "name": name, "unit": unit.pk, "is_active": True}
        _audit("orgs.user.created", user, unit, after)
    ctx.users[username] = user
    if not Post.objects.active().filter(user=user, unit=unit, role=role).exists():
        post = Post.objects.create(user=user, unit=unit, role=role, start_on=POSTS_START)
        ctx.count("posts")
        _audit("orgs.post.created", post, unit, post.as_dict())


def step_people(ctx: DemoContext) -> None:
    """主官, 分管领导 and 信访干部 for every unit; the three admins, a 领导小组 member and a 业务处室 officer at the 总队."""  # noqa: E501
    for code, *_ in UNITS:
        for (suffix, role), name in zip(UNIT_POSTS, PEOPLE[code], strict=True):
            _ensure_user(ctx, f"{code}.{suffix}", name, ctx.units[code], role)
    corps = ctx.units[UNITS[0][0]]
    for username, name, role in ADMINS + CORPS_EXTRA:
        _ensure_user(ctx, username, name, corps, role)


def step_cases(ctx: DemoContext) -> None:
    """Demo cases in every state of the workflow (xinfang.cases.demo), through the case services."""
    from xinfang.cases.demo import build_demo_cases

    created = build_demo_cases()
    if created:
        ctx.count("cases", created)


def _app_step(module: str, key: str) -> Step:
    """A later part's demo builder (`build_demo(stdout=None) -> int`, idempotent, through its services)."""

    def step(ctx: DemoContext) -> None:
        created = importlib.import_module(module).build_demo()
        if created:
            ctx.count(key, created)

    step.__name__ = f"step_{key}"
    return step


STEPS: list[Step] = [
    step_units,
    step_people,
    step_cases,
    _app_step("xinfang.leadership.demo", "leadership"),
    _app_step("xinfang.screening.demo", "screening"),
    _app_step("xinfang.incidents.demo", "incidents"),
    _app_step("xinfang.accountability.demo", "accountability"),
    _app_step("xinfang.portal.demo", "portal"),
    # reminders last: they look at everything the steps above created
    _app_step("xinfang.notifications.demo", "notifications"),
]


@transaction.atomic
def load_demo() -> DemoContext:
    """Run every step in one transaction; returns what was created (nothing on a second run)."""
    ctx = DemoContext()
    for step in STEPS:
        step(ctx)
    return ctx


def demo_usernames() -> list[str]:
    """Every demo account, for the README and the tests."""
    return [f"{code}.{suffix}" for code, *_ in UNITS for suffix, _ in UNIT_POSTS] + [a[0] for a in ADMINS + CORPS_EXTRA]
