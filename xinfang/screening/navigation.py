"""The 排查预警 menu (seed 三, R2.13)."""

from xinfang.core.navigation import NavItem

NAV_ITEMS = {
    "screening": [
        NavItem("排查报送情况", "screening:board", "screening.view", "bi-clipboard-data"),
        NavItem("排查报告", "screening:report-list", "screening.view", "bi-file-earmark-text"),
        NavItem("矛盾纠纷台账", "screening:conflict-list", "screening.view", "bi-journal-bookmark"),
        NavItem("预警信息", "screening:warning-list", "screening.view", "bi-exclamation-triangle"),
        NavItem("特殊时期与值班", "screening:period-list", "screening.view", "bi-calendar-event"),
        NavItem("督查", "screening:inspection-list", "screening.view", "bi-search"),
        NavItem("通报", "screening:bulletin-list", "screening.view", "bi-megaphone"),
        NavItem("信访业务培训", "screening:training-list", "screening.view", "bi-mortarboard"),
    ],
    "admin": [NavItem("排查预警参数", "screening:settings", "core.settings.manage", "bi-sliders")],
}
