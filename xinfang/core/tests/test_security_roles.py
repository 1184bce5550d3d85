"""三员分立 (等保 2.0 third level, R-SEC point 10): the three admin roles stay separated — each holds only its own
job's permissions, none holds a business permission (cases, personal data, the audit trail except the 审计员), and
no person holds an admin post together with any other post. The permission matrix proves the same route by route;
these tests pin the rule itself so a new permission cannot quietly be granted to an admin role."""

from __future__ import annotations

import datetime

import pytest

from xinfang.core.errors import DomainError
from xinfang.core.scope import has_perm
from xinfang.orgs.roles import ADMIN_ROLES, ROLE_PERMISSIONS, Role
from xinfang.orgs.services import post_create

ONLY = {
    Role.SYSADMIN: {
        "orgs.unit.manage",
        "orgs.user.manage",
        "core.calendar.manage",
        "core.settings.manage",
        "cases.topic.manage",
    },
    Role.SECADMIN: {"orgs.post.manage"},
    Role.AUDITOR: {"core.audit.view"},
}
SHARED = {"orgs.unit.view"}  # sysadmin and secadmin see the unit tree they administer


def test_each_admin_role_holds_exactly_its_own_permissions():
    for role in ADMIN_ROLES:
        assert ROLE_PERMISSIONS[role] - SHARED == ONLY[role], role


def test_no_business_role_holds_an_admin_permission_and_no_admin_role_a_business_one():
    admin_only = set().union(*ONLY.values())
    business = set().union(*(perms for role, perms in ROLE_PERMISSIONS.items() if role not in ADMIN_ROLES))
    assert not admin_only & business
    for role in ADMIN_ROLES:
        granted = ROLE_PERMISSIONS[role]
        assert "core.pii.unmask" not in granted
        assert not {p for p in granted if p.startswith("cases.case.")}, role


def test_only_the_auditor_reads_the_audit_trail(world):
    readers = {name for name, user in world.users.items() if has_perm(user, "core.audit.view", None)}
    assert readers == {"auditor"}


@pytest.mark.parametrize(
    ("username", "role"),
    [
        ("sysadmin", Role.AUDITOR),  # an admin cannot take a second admin post
        ("auditor", Role.OFFICER),  # nor a business post
        ("d1b1.officer", Role.SECADMIN),  # a business post holder cannot become an admin
    ],
)
def test_no_one_holds_an_admin_post_beside_another_post(world, username, role):
    with pytest.raises(DomainError) as refused:
        post_create(
            actor=world.user("secadmin"),
            user=world.user(username),
            unit=world.unit("c"),
            role=role,
            start_on=datetime.date(2026, 1, 1),
        )
    assert refused.value.code == "admin_separation"
