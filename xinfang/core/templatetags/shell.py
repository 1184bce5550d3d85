"""Template helpers for the UI shell: `{% load shell %}`."""

from __future__ import annotations

import json
from typing import Any

from django import template

from xinfang.core.navigation import VisibleSection, request_navigation

register = template.Library()


@register.simple_tag(takes_context=True)
def nav_sections(context: template.Context) -> list[VisibleSection]:
    request = context.get("request")
    if request is None or not request.user.is_authenticated:
        return []
    return request_navigation(request)


@register.filter
def pretty_json(value: Any) -> str:
    """Indented JSON for before/after snapshots (escaped by the template as usual)."""
    if value is None:
        return ""
    return json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True, default=str)


ALERT_CLASSES = {"debug": "secondary", "info": "info", "success": "success", "warning": "warning", "error": "danger"}


@register.filter
def alert_class(message_tags: str) -> str:
    """Bootstrap alert colour for a django.contrib.messages level tag."""
    for tag in (message_tags or "").split():
        if tag in ALERT_CLASSES:
            return ALERT_CLASSES[tag]
    return "info"
