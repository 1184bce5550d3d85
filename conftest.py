"""The fixed small world every test can use (healthchecks' alice/bob/charlie, in pytest form).

    c (总队)
    ├── d1 (支队)           ├── d2 (支队)
    │   ├── d1b1 (大队)     │   ├── d2b1 (大队)
    │   └── d1b2 (大队)     │   └── d2b2 (大队)

For every unit code X: users X.officer (信访干部), X.chief (主官), X.leader (分管领导).
`world.outsider(X)` is an officer of a unit outside X's subtree and above-chain (a sibling branch).
Admins at the 总队: sysadmin, secadmin, auditor.
"""

from __future__ import annotations

import datetime
import os
from dataclasses import dataclass, field

import pytest

os.environ.setdefault("XINFANG_TESTING", "1")

# `client.force_login(user)` stands for a complete sign-in, second factor included (see the module).
pytest_plugins = ["xinfang.core.otp_testing"]

PASSWORD = "Xinfang-Test-2026"
UNIT_TREE = [
    ("c", "测试省消防救援总队", "corps", None),
    ("d1", "甲市消防救援支队", "detachment", "c"),
    ("d2", "乙市消防救援支队", "detachment", "c"),
    ("d1b1", "甲市一区大队", "brigade", "d1"),
    ("d1b2", "甲市二区大队", "brigade", "d1"),
    ("d2b1", "乙市一区大队", "brigade", "d2"),
    ("d2b2", "乙市二区大队", "brigade", "d2"),
]
OUTSIDE_OF = {"c": None, "d1": "d2", "d2": "d1", "d1b1": "d1b2", "d1b2": "d1b1", "d2b1": "d2b2", "d2b2": "d2b1"}


@dataclass
class World:
    units: dict = field(default_factory=dict)
    users: dict = field(default_factory=dict)

    def unit(self, code: str):
        return self.units[code]

    def user(self, name: str):
        return self.users[name]

    def outsider(self, code: str):
        other = OUTSIDE_OF[code]
        return self.users[f"{other}.officer"] if other else None


def _ensure_topics() -> None:
    """The topic taxonomy comes from a data migration; a transactional test flushes it, so put it back."""
    import importlib

    from xinfang.cases.models import Topic

    if not Topic.objects.exists():
        seeded = importlib.import_module("xinfang.cases.migrations.0002_seed_topics").TOPICS
        Topic.objects.bulk_create([Topic(code=c, name=n, order=o, active=True) for c, n, o in seeded])


def build_world() -> World:
    from xinfang.orgs.models import Post, Unit, User
    from xinfang.orgs.roles import Role

    _ensure_topics()
    w = World()
    start = datetime.date(2020, 1, 1)
    for code, name, level, parent in UNIT_TREE:
        p = w.units.get(parent) if parent else None
        u = Unit.objects.create(code=code, name=name, level=level, parent=p)
        u.path = f"{p.path if p else '/'}{u.pk}/"
        u.depth = p.depth + 1 if p else 0
        u.save(update_fields=["path", "depth"])
        w.units[code] = u
    for code, u in w.units.items():
        for role, label in ((Role.OFFICER, "officer"), (Role.CHIEF, "chief"), (Role.LEADER, "leader")):
            user = User.objects.create_user(
                username=f"{code}.{label}", password=PASSWORD, name=f"{u.name}{Role(role).label}", unit=u
            )
            Post.objects.create(user=user, unit=u, role=role, start_on=start)
            w.users[user.username] = user
    corps = w.units["c"]
    for role in (Role.SYSADMIN, Role.SECADMIN, Role.AUDITOR):
        name = {Role.SYSADMIN: "sysadmin", Role.SECADMIN: "secadmin", Role.AUDITOR: "auditor"}[role]
        user = User.objects.create_user(username=name, password=PASSWORD, name=Role(role).label, unit=corps)
        Post.objects.create(user=user, unit=corps, role=role, start_on=start)
        w.users[name] = user
    return w


@pytest.fixture
def world(db) -> World:
    return build_world()


@pytest.fixture
def api_client():
    from rest_framework.test import APIClient

    return APIClient()


@pytest.fixture(autouse=True)
def _fresh_legal_calendar():
    """Calendar overrides are cached per process while each test's rows roll back: start and end clean."""
    from xinfang.core.legal_calendar import calendar_changed

    calendar_changed()
    yield
    calendar_changed()


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path_factory):
    """Uploaded and generated files of a test run go to a temporary folder, never into var/."""
    settings.MEDIA_ROOT = str(tmp_path_factory.getbasetemp() / "media")
