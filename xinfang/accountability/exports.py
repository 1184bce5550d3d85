"""Exports of the year's assessment (R5.1): xlsx (one row per unit, numerator/denominator/value for every indicator,
score, rank) and the DOCX report (reports.render_assessment_report). Both show exactly `selectors.assessment` for
the user — the same rows the page shows — and both are audited. Aggregates only: no personal data."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from xinfang.accountability import indicators as ind
from xinfang.accountability.reports import render_assessment_report
from xinfang.accountability.selectors import Assessment
from xinfang.cases.exports import XLSX, neutralise
from xinfang.core.audit import audit_record

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@dataclass
class Export:
    data: bytes
    filename: str
    content_type: str


def _header() -> list[str]:
    cols = ["排名", "单位", "比率得分", "扣分", "调整", "总分"]
    for i in ind.INDICATORS:
        if i.kind == ind.RATE:
            cols += [f"{i.label}·{i.numerator_label}", f"{i.label}·{i.denominator_label}", i.label]
        else:
            cols.append(i.label)
    return cols


def _num(value: Any) -> Any:
    return float(value) if value is not None else "不适用"


def assessment_xlsx(*, actor: Any, result: Assessment, request: Any = None) -> Export:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = f"{result.year}年度考核"
    header = _header()
    ws.append(header)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in result.rows:
        values: list[Any] = [
            row.rank if row.rank is not None else "—",
            row.unit.name,
            _num(row.result.rate_points),
            float(row.result.deductions),
            float(row.adjustment),
            _num(row.score),
        ]
        for i in ind.INDICATORS:
            fig = row.figures[i.code]
            if i.kind == ind.RATE:
                values += [fig.numerator, fig.denominator, fig.percent]
            else:
                values.append(fig.numerator)
        ws.append([neutralise(v) for v in values])
    for idx, title in enumerate(header, start=1):
        ws.column_dimensions[get_column_letter(idx)].width = max(10, min(len(title) * 2 + 2, 30))
    ws.freeze_panes = "C2"
    notes = wb.create_sheet("指标定义")
    notes.append(["指标", "定义"])
    for i in ind.INDICATORS:
        notes.append([i.label, i.formula])
    notes.column_dimensions["A"].width = 24
    notes.column_dimensions["B"].width = 100
    out = io.BytesIO()
    wb.save(out)
    _audit(actor, result, "xlsx", request)
    return Export(
        out.getvalue(), f"{result.year}年度信访工作考核-{result.level_label}-{timezone.localdate():%Y%m%d}.xlsx", XLSX
    )


def assessment_docx(*, actor: Any, result: Assessment, request: Any = None) -> Export:
    data = render_assessment_report(result)
    _audit(actor, result, "docx", request)
    return Export(data, f"{result.year}年度信访工作考核结果-{result.level_label}.docx", DOCX)


def _audit(actor: Any, result: Assessment, fmt: str, request: Any) -> None:
    audit_record(
        actor=actor,
        action="accountability.assessment.exported",
        unit=getattr(actor, "unit", None),
        after={
            "year": result.year,
            "level": result.level,
            "format": fmt,
            "units": [r.unit.pk for r in result.rows],
            "scheme": result.scheme.pk if result.scheme else None,
        },
        request=request,
    )
