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
    "core.settings.manage": "维护业务参数（配额、排查周期、考核方案等）",
    "cases.case.view": "查看信访事项",
    "cases.case.register": "登记信访事项",
    "cases.case.handle": "办理信访事项",
    "cases.case.approve": "审批处理意见、延期",
    "cases.case.export": "导出信访事项台账",
    "cases.case.import": "导入历史信访事项台账",
    "cases.case.guide": "业务处室指导重点信访事项、核查答复意见",
    "cases.topic.manage": "维护信访事项业务分类",
    # 领导责任 (seed 一)
    "leadership.view": "查看领导责任落实（党委会、接访、包案、督办）",
    "leadership.record": "记录党委会、接访、包案进展",
    "leadership.ownership.assign": "确定领导包案",
    "leadership.supervision.manage": "挂牌督办、解除督办",
    # 排查预警 (seed 三)
    "screening.view": "查看排查、预警、台账、督查、培训",
    "screening.report": "填报排查报告、值班表、矛盾纠纷台账",
    "screening.warning.raise": "报告、签收预警信息",
    "screening.period.declare": "宣布特殊时期",
    "screening.inspection.manage": "组织督查、发布通报",
    "screening.training.manage": "组织培训、记录参训",
    # 应急联动 (seed 四)
    "incidents.view": "查看预案、突发事件、联席会议移交",
    "incidents.manage": "登记处置突发事件、维护预案与联动单位",
    # 考核问责 (seed 五)
    "accountability.view": "查看考核、核查、问责",
    "accountability.assess": "开展年度考核、调整评分",
    "accountability.check": "复查复核核查与倒查",
    "accountability.action.issue": "约谈、通报、责令整改、追责",
    "accountability.rectify": "报送整改情况",
}

_BUSINESS_VIEW = {
    "orgs.unit.view",
    "orgs.compliance.view",
    "cases.case.view",
    "leadership.view",
    "screening.view",
    "incidents.view",
    "accountability.view",
}
_UNIT_LEAD = {
    "core.pii.unmask",
    "cases.case.register",
    "cases.case.approve",
    "cases.case.export",
    "cases.case.import",
    "leadership.record",
    "leadership.ownership.assign",
    "leadership.supervision.manage",
    "screening.report",
    "screening.warning.raise",
    "screening.period.declare",
    "screening.inspection.manage",
    "screening.training.manage",
    "incidents.manage",
    "accountability.rectify",
}

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    Role.CHIEF: frozenset(_BUSINESS_VIEW | _UNIT_LEAD),
    Role.LEADER: frozenset(_BUSINESS_VIEW | _UNIT_LEAD),
    Role.MEMBER: frozenset(_BUSINESS_VIEW | {"leadership.record", "screening.warning.raise"}),
    Role.OFFICER: frozenset(
        _BUSINESS_VIEW
        | {
            "core.pii.unmask",
            "cases.case.register",
            "cases.case.handle",
            "cases.case.export",
            "cases.case.import",
            "leadership.record",
            "screening.report",
            "screening.warning.raise",
            "screening.training.manage",
            "incidents.manage",
            "accountability.rectify",
        }
    ),
    Role.DEPARTMENT: frozenset(_BUSINESS_VIEW | {"cases.case.guide", "accountability.check"}),
    Role.GROUP: frozenset(
        _BUSINESS_VIEW
        | {
            "cases.case.export",
            "screening.inspection.manage",
            "accountability.assess",
            "accountability.action.issue",
        }
    ),
    # 三员分立: each admin role does its own job only, and none of them handles cases.
    Role.SYSADMIN: frozenset(
        {
            "orgs.unit.view",
            "orgs.unit.manage",
            "orgs.user.manage",
            "core.calendar.manage",
            "core.settings.manage",
            "cases.topic.manage",
        }
    ),
    Role.SECADMIN: frozenset({"orgs.unit.view", "orgs.post.manage"}),
    Role.AUDITOR: frozenset({"core.audit.view"}),
}

assert all(p in PERMISSIONS for perms in ROLE_PERMISSIONS.values() for p in perms)
