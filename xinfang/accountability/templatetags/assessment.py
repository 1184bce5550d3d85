"""Template helpers of the assessment pages: `{% load assessment %}`."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def figure(figures: dict[str, Any], code: str) -> Any:
    """figures|figure:code → the Figure of one indicator."""
    return figures.get(code)


@register.filter
def part_of(parts: list[Any], code: str) -> Any:
    """result.parts|part_of:code → the ScorePart of one indicator, or None if the scheme does not use it."""
    for part in parts:
        if part.code == code:
            return part
    return None
