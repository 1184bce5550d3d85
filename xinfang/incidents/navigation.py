"""The incidents pages in the 应急联动 menu (seed 四)."""

from __future__ import annotations

from xinfang.core.navigation import NavItem

NAV_ITEMS = {
    "incidents": [
        NavItem("信访突发事件", "incidents:incident-list", "incidents.view", "bi-exclamation-octagon"),
        NavItem("登记突发事件", "incidents:incident-create", "incidents.manage", "bi-plus-square"),
        NavItem("应急预案与联动单位", "incidents:plan-list", "incidents.view", "bi-journal-check"),
        NavItem("联席会议移交", "incidents:referral-list", "incidents.view", "bi-people"),
    ]
}
