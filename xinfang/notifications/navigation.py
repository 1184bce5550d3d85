"""Menu items of the pages this part provides. The ledger import pages live under /cases/import/ (they run as
background jobs of this app); the item shows once xinfang/cases/urls.py includes xinfang.cases.import_urls."""

from xinfang.core.navigation import NavItem

NAV_ITEMS = {
    "cases": [NavItem("导入历史台账", "cases:import", "cases.case.import", "bi-upload")],
}
