"""The dashboard (工作台) in the 案件办理 menu, for everyone who may see cases."""

from __future__ import annotations

from xinfang.core.navigation import NavItem

NAV_ITEMS = {
    "cases": [NavItem("工作台", "dashboard:index", "cases.case.view", "bi-speedometer2")],
}
