"""The navigation, as data: the seed's five parts plus 系统管理.

An item shows when its URL name resolves (apps add their pages over time) and the user holds its
permission somewhere. A section whose pages do not exist yet shows as "（建设中）", so the five-part
structure stays visible; a section whose pages exist but none of which the user may open is left
out (三员分立: an auditor has no business menu).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.urls import NoReverseMatch, reverse

from xinfang.core.scope import has_perm


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    perm: str
    icon: str = ""


@dataclass(frozen=True)
class NavSection:
    key: str
    label: str
    icon: str
    items: tuple[NavItem, ...] = ()


NAVIGATION: tuple[NavSection, ...] = (
    NavSection(
        "leadership",
        "领导责任",
        "bi-person-badge",
        (NavItem("责任落实", "orgs:compliance", "orgs.compliance.view", "bi-clipboard-check"),),
    ),
    NavSection(
        "cases",
        "案件办理",
        "bi-folder2-open",
        (
            NavItem("信访事项", "cases:case-list", "cases.case.view", "bi-journal-text"),
            NavItem("我的待办", "cases:my-work", "cases.case.view", "bi-list-check"),
            NavItem("登记信访事项", "cases:case-register", "cases.case.register", "bi-plus-square"),
        ),
    ),
    NavSection("screening", "排查预警", "bi-binoculars"),
    NavSection("incidents", "应急联动", "bi-broadcast"),
    NavSection("accountability", "考核问责", "bi-award"),
    NavSection(
        "admin",
        "系统管理",
        "bi-gear",
        (
            NavItem("组织机构", "orgs:unit-tree", "orgs.unit.view", "bi-diagram-3"),
            NavItem("用户管理", "orgs:user-list", "orgs.user.manage", "bi-people"),
            NavItem("岗位任免", "orgs:post-list", "orgs.post.manage", "bi-person-vcard"),
            NavItem("节假日安排", "calendar", "core.calendar.manage", "bi-calendar3"),
            NavItem("两步验证管理", "otp-admin", "orgs.post.manage", "bi-shield-lock"),
            NavItem("审计记录", "audit-list", "core.audit.view", "bi-shield-check"),
            NavItem("审计链校验", "audit-verify", "core.audit.view", "bi-link-45deg"),
        ),
    ),
)

BUILDING = "building"
OPEN = "open"
HIDDEN = "hidden"


@dataclass
class VisibleItem:
    label: str
    url: str
    url_name: str
    icon: str


@dataclass
class VisibleSection:
    key: str
    label: str
    icon: str
    state: str
    items: list[VisibleItem] = field(default_factory=list)


def _resolve(url_name: str) -> str | None:
    try:
        return reverse(url_name)
    except NoReverseMatch:
        return None


def app_items() -> dict[str, list[NavItem]]:
    """Items contributed by the apps: `NAV_ITEMS = {section_key: [NavItem, ...]}` in xinfang/<app>/navigation.py."""
    contributed: dict[str, list[NavItem]] = {}
    for config in apps.get_app_configs():
        if not config.name.startswith("xinfang.") or config.name == "xinfang.core":
            continue
        try:
            module = importlib.import_module(f"{config.name}.navigation")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.navigation":
                raise
            continue
        for key, items in getattr(module, "NAV_ITEMS", {}).items():
            contributed.setdefault(key, []).extend(items)
    return contributed


def navigation_for(user: Any, sections: tuple[NavSection, ...] = NAVIGATION) -> list[VisibleSection]:
    """The sections as this user sees them; sections with state HIDDEN are left out."""
    result: list[VisibleSection] = []
    extra = app_items()
    for section in sections:
        items = (*section.items, *extra.get(section.key, ()))
        existing = [(item, url) for item in items if (url := _resolve(item.url_name)) is not None]
        allowed = [
            VisibleItem(item.label, url, item.url_name, item.icon)
            for item, url in existing
            if has_perm(user, item.perm, None)
        ]
        if allowed:
            state = OPEN
        elif existing:
            state = HIDDEN
        else:
            state = BUILDING
        if state != HIDDEN:
            result.append(VisibleSection(section.key, section.label, section.icon, state, allowed))
    return result


def request_navigation(request: Any) -> list[VisibleSection]:
    """navigation_for(request.user), computed once per request."""
    cached = getattr(request, "_xf_navigation", None)
    if cached is None:
        cached = navigation_for(request.user)
        request._xf_navigation = cached
    return cached
