from xinfang.core.navigation import NavItem

NAV_ITEMS = {
    "admin": [NavItem("公开信访渠道", "portal:manage-channels", "core.settings.manage", "bi-megaphone")],
}
