"""Roles (岗位) and the namespaced permission strings they grant — kept in code, one table.

A permission held through a post at unit U applies to U and every unit below it.
"""

from __future__ import annotations

from django.db import models


class Role(models.TextChoices):
    CHIEF = "chief", "主官"
    LEADER = "leader", "分管领导"
    MEMBER = "member", "班子成员"
    OFFICER = "officer", "信访干部"
    DEPARTMENT = "department", "业务处室"
    GROUP = "group", "领导小组成员"
    SYSADMIN = "sysadmin", "系统管理员"
    SECADMIN = "secadmin", "安全管理员"
    AUDITOR = "auditor", "审计员"


ADMIN_ROLES = frozenset({Role.SYSADMIN, Role.SECADMIN, Role.AUDITOR})

PERMISSIONS: dict[str, str] = {
    "orgs.unit.view": "查看单位",
    "orgs.unit.manage": "管理单位（新建、改名、调整隶属、停用、导入）",
    "orgs.user.manage": "管理用户账号",
    "orgs.post.manage": "任免岗位与角色",
    "orgs.compliance.view": "查看责任落实情况",
    "core.audit.view": "查阅审计记录",
    "core.pii.unmask": "查看未脱敏的个人信息",
    "core.calendar.manage": "维护节假日安排",
    "cases.case.view": "查看信访事项",
    "cases.case.register": "登记信访事项",
    "cases.case.handle": "办理信访事项",
    "cases.case.approve": "审批处理意见、延期",
    "cases.case.export": "导出信访事项台账",
    "cases.topic.manage": "维护信访事项业务分类",
}

_BUSINESS_VIEW = {"orgs.unit.view", "orgs.compliance.view", "cases.case.view"}

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    Role.CHIEF: frozenset(
        _BUSINESS_VIEW | {"core.pii.unmask", "cases.case.register", "cases.case.approve", "cases.case.export"}
    ),
    Role.LEADER: frozenset(
        _BUSINESS_VIEW | {"core.pii.unmask", "cases.case.register", "cases.case.approve", "cases.case.export"}
    ),
    Role.MEMBER: frozenset(_BUSINESS_VIEW),
    Role.OFFICER: frozenset(
        _BUSINESS_VIEW | {"core.pii.unmask", "cases.case.register", "cases.case.handle", "cases.case.export"}
    ),
    Role.DEPARTMENT: frozenset(_BUSINESS_VIEW),
    Role.GROUP: frozenset(_BUSINESS_VIEW | {"cases.case.export"}),
    # 三员分立: each admin role does its own job only, and none of them handles cases.
    Role.SYSADMIN: frozenset(
        {"orgs.unit.view", "orgs.unit.manage", "orgs.user.manage", "core.calendar.manage", "cases.topic.manage"}
    ),
    Role.SECADMIN: frozenset({"orgs.unit.view", "orgs.post.manage"}),
    Role.AUDITOR: frozenset({"core.audit.view"}),
}

assert all(p in PERMISSIONS for perms in ROLE_PERMISSIONS.values() for p in perms)
