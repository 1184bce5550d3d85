"""The leadership pages in the 领导责任 menu (seed 一)."""

from __future__ import annotations

from xinfang.core.navigation import NavItem

NAV_ITEMS = {
    "leadership": [
        NavItem("责任看板", "leadership:board", "leadership.view", "bi-person-badge"),
        NavItem("年度落实情况", "leadership:compliance", "leadership.view", "bi-bar-chart-steps"),
        NavItem("党委会研究信访工作", "leadership:meeting-list", "leadership.view", "bi-people"),
        NavItem("领导接访安排", "leadership:day-list", "leadership.view", "bi-calendar-week"),
        NavItem("领导接访台账", "leadership:reception-list", "leadership.view", "bi-journal-check"),
        NavItem("领导包案", "leadership:ownership-list", "leadership.view", "bi-briefcase"),
        NavItem("挂牌督办", "leadership:supervision-list", "leadership.view", "bi-flag"),
        NavItem("领导责任配额", "leadership:quotas", "core.settings.manage", "bi-sliders"),
    ]
}
