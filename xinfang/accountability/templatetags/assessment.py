"""Template helpers of the assessment pages: `{% load assessment %}`."""

from __future__ import annotations

from collections.abc import Callable
from html import escape  # what django.utils.html.escape does, without its lazy-string wrapper (5,200 calls)
from typing import Any

from django import template
from django.conf import settings
from django.utils.formats import localize
from django.utils.safestring import SafeString, mark_safe

from xinfang.accountability import indicators as ind

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


def _grouped(value: int | None) -> str:
    """An integer as {{ n }} shows it with USE_THOUSAND_SEPARATOR; None → "None"."""
    return localize(value) if value is not None else str(value)


def _cell(indicator: ind.Indicator, fig: ind.Figure, base: str, number: Callable[[Any], str]) -> str:
    """One figure of a row: the rate (or count) linked to its drill-down, numerator/denominator below."""
    code = indicator.code
    link = f"{base}{code}/"
    if indicator.kind == ind.RATE:
        if indicator.drillable and fig.denominator:
            inner = (
                f'<a href="{link}numerator/" data-drill="numerator">{escape(fig.percent)}</a>'
                f'<div class="text-body-secondary"><a class="link-secondary" href="{link}numerator/">'
                f"{number(fig.numerator)}</a>/"
                f'<a class="link-secondary" href="{link}denominator/" data-drill="denominator">'
                f"{number(fig.denominator)}</a></div>"
            )
        else:
            inner = f'<span class="text-body-secondary">{escape(fig.percent)}</span>'
            if fig.denominator is not None and fig.available:
                inner += f'<div class="text-body-secondary">{number(fig.numerator)}/{number(fig.denominator)}</div>'
    else:
        danger = "text-danger" if fig.numerator else ""
        inner = f'<a href="{link}numerator/" data-drill="numerator" class="{danger}">{number(fig.numerator)}</a>'
    return f'<td class="small xf-nowrap" data-indicator="{code}">{inner}</td>'


@register.simple_tag
def assessment_rows(result: Any, units_prefix: str) -> SafeString:
    """The <tr> of every row of the assessment table, built here rather than by the template language: at the 局
    that is 400 支队 (3,000 大队) × 13 figures with three links each — ~1 s (~6 s) through {% for %}/{% if %}/{{ }},
    a few milliseconds as strings. Every value is escaped as {{ }} would; the markup is that of the template it
    replaced (tests/test_views.py compares them)."""
    prefix = escape(units_prefix)
    indicators = result.indicators
    number = _grouped if settings.USE_THOUSAND_SEPARATOR else str  # {{ n }} of an int: str(n) without grouping
    out: list[str] = []
    for row in result.rows:
        unit = row.unit
        base = f"{prefix}{unit.pk}/"
        rank = row.rank
        score = row.score
        shown = (
            escape(localize(score))
            if score is not None
            else '<span class="text-body-secondary" title="没有适用的计分项">无法评分</span>'
        )
        out.append(
            f'<tr data-unit="{escape(unit.code)}"><td>{number(rank) if rank else "—"}</td>'
            f'<td class="xf-nowrap"><a href="{base}">{escape(unit.name)}</a></td>'
            f'<td class="fw-semibold" data-score>{shown}</td>'
        )
        figures = row.figures
        out.extend(_cell(i, figures[i.code], base, number) for i in indicators)
        out.append("</tr>\n")
    return mark_safe("".join(out))  # noqa: S308 — every value above is escaped
