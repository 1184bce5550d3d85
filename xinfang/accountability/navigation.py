"""The accountability pages in the 考核问责 menu (seed 五); the scoring scheme also under 系统管理 for the
system administrator (core.settings.manage)."""

from __future__ import annotations

from xinfang.core.navigation import NavItem

NAV_ITEMS = {
    "accountability": [
        NavItem("年度考核", "accountability:assessment", "accountability.view", "bi-bar-chart-line"),
        NavItem("复查复核核查", "accountability:check-list", "accountability.view", "bi-clipboard-check"),
        NavItem("倒查", "accountability:lookback-list", "accountability.view", "bi-search"),
        NavItem("问责与整改", "accountability:action-list", "accountability.view", "bi-megaphone"),
        NavItem("年度报告与建议", "accountability:report-list", "accountability.view", "bi-file-earmark-text"),
        NavItem("考核评分方案", "accountability:scheme-list", "accountability.view", "bi-sliders"),
    ],
    "admin": [
        NavItem("考核评分方案", "accountability:scheme-list", "core.settings.manage", "bi-sliders"),
    ],
}
