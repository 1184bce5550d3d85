"""xlsx ledgers (R6.4) of the leadership part: each list page's rows, from the same selector, as a workbook.

Formula-like text is neutralised (cases.exports.neutralise), visitors' names are masked, and every export is
audited (leadership.<ledger>.exported) with its filters and row count.
"""

from __future__ import annotations

import datetime
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import IO, Any

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from xinfang.cases.exports import XLSX, neutralise
from xinfang.core.audit import audit_record
from xinfang.core.masking import mask_name
from xinfang.leadership import selectors
from xinfang.leadership.models import Meeting, Ownership, Reception, ReceptionDay, Supervision
from xinfang.leadership.quotas import STATE_LABELS

__all__ = ["LEDGERS", "XLSX", "Export", "ledger_export"]

CHUNK = 500


@dataclass
class Export:
    file: IO[bytes]
    filename: str
    count: int


@dataclass(frozen=True)
class Ledger:
    title: str
    columns: tuple[tuple[str, int], ...]
    rows: Callable[[Any, dict[str, Any], datetime.date], Iterable[list[Any]]]


def _d(day: datetime.date | None) -> Any:
    return day


def _meeting_rows(user: Any, filters: dict[str, Any], today: datetime.date) -> Iterator[list[Any]]:
    m: Meeting
    for m in selectors.meeting_list(user, **filters).iterator(chunk_size=CHUNK):
        yield [
            m.unit.name,
            m.held_on,
            m.topics,
            m.decisions,
            m.attendees,
            "有" if m.minutes_sha256 else "无",
            m.recorded_by.display_name,
        ]


def _day_rows(user: Any, filters: dict[str, Any], today: datetime.date) -> Iterator[list[Any]]:
    d: ReceptionDay
    for d in selectors.reception_day_list(user, **filters).iterator(chunk_size=CHUNK):
        yield [
            d.planned_on,
            d.time_text,
            d.unit.name,
            d.leader.display_name,
            d.get_role_display(),
            d.place,
            "是" if d.published else "否",
            d.get_status_display(),
            d.cancel_reason,
        ]


def _reception_rows(user: Any, filters: dict[str, Any], today: datetime.date) -> Iterator[list[Any]]:
    r: Reception
    # prefetch_related needs chunk_size with iterator(); Django fetches the visitors per chunk.
    for r in selectors.reception_list(user, **filters).iterator(chunk_size=CHUNK):
        yield [
            r.received_on,
            r.unit.name,
            r.leader.display_name,
            r.get_role_display(),
            "、".join(mask_name(v.name) for v in r.visitors.all() if v.name),
            r.headcount,
            r.matter,
            r.outcome,
            r.case.number if r.case_id and r.case else "",
        ]


def _ownership_rows(user: Any, filters: dict[str, Any], today: datetime.date) -> Iterator[list[Any]]:
    o: Ownership
    for o in selectors.ownership_list(user, **filters).iterator(chunk_size=CHUNK):
        items = o.checklist_items()
        done = "、".join(i["label"] for i in items if i["applies"] and i["done"])
        pending = "、".join(i["label"] for i in items if i["applies"] and not i["done"])
        yield [
            o.case.number,
            o.case.title,
            o.case.unit.name,
            o.leader.display_name,
            f"{o.unit.name}{o.get_role_display()}",
            o.get_basis_display(),
            o.get_plan_kind_display(),
            o.tasks,
            o.assigned_on,
            o.deadline,
            "是" if o.is_open and o.deadline < today else "否",
            done,
            pending,
            o.progress_count,  # type: ignore[attr-defined]
            o.get_status_display(),
            o.closed_on,
            o.outcome,
        ]


def _supervision_rows(user: Any, filters: dict[str, Any], today: datetime.date) -> Iterator[list[Any]]:
    qs = selectors.supervision_list(user, **filters)
    s: Supervision
    for chunk_start in range(0, qs.count(), CHUNK):
        chunk = list(qs[chunk_start : chunk_start + CHUNK])
        checks = selectors.supervision_owner_checks(chunk)
        for s in chunk:
            check = checks[s.pk]
            owner = check.owner
            yield [
                s.case.number,
                s.case.title,
                s.case.unit.name,
                s.get_level_display(),
                s.listed_by_unit.name,
                s.reference_no,
                s.listed_on,
                s.deadline,
                "是" if s.is_active and s.deadline < today else "否",
                owner.leader.display_name if owner else "",
                "符合" if check.ok else f"应由{check.required_unit.name if check.required_unit else ''}主官包案",
                s.report_count,  # type: ignore[attr-defined]
                s.get_status_display(),
                s.lifted_on,
                s.lift_reason,
            ]


def _compliance_rows(user: Any, filters: dict[str, Any], today: datetime.date) -> Iterator[list[Any]]:
    year = filters["year"]
    for row in selectors.compliance_for_year(user, year, today=today, root=filters.get("unit")):
        chiefs = "；".join(
            f"{c.user.display_name}："
            + "，".join(f"{cell.span.label}{cell.days}天（{STATE_LABELS[cell.state]}）" for cell in c.cells)
            for c in row.chiefs
        )
        yield [
            row.unit.name,
            row.unit.get_level_display(),
            year,
            row.pace.held,
            row.pace.required,
            row.pace.owed,
            f"{row.pace.percent_gone}%",
            f"{row.pace.percent_met}%",
            "是" if row.pace.behind_pace else "否",
            chiefs,
            "；".join(row.designation_gaps),
            "；".join(row.reception_gaps),
        ]


LEDGERS: dict[str, Ledger] = {
    "meeting": Ledger(
        "党委会研究信访工作台账",
        (
            ("单位", 24),
            ("会议日期", 12),
            ("研究议题", 40),
            ("部署事项和决定", 50),
            ("参会人员", 24),
            ("会议纪要", 10),
            ("记录人", 12),
        ),
        _meeting_rows,
    ),
    "reception_day": Ledger(
        "领导接访安排",
        (
            ("接访日期", 12),
            ("接访时间", 16),
            ("单位", 24),
            ("接访领导", 12),
            ("岗位", 10),
            ("地点", 20),
            ("已公布", 8),
            ("状态", 10),
            ("取消原因", 20),
        ),
        _day_rows,
    ),
    "reception": Ledger(
        "领导接访台账",
        (
            ("接访日期", 12),
            ("单位", 24),
            ("接访领导", 12),
            ("岗位", 10),
            ("来访人", 20),
            ("人数", 8),
            ("反映事项", 40),
            ("处理情况", 40),
            ("信访事项编号", 18),
        ),
        _reception_rows,
    ),
    "ownership": Ledger(
        "领导包案台账",
        (
            ("信访事项编号", 18),
            ("事由", 30),
            ("办理单位", 20),
            ("包案领导", 12),
            ("岗位", 24),
            ("包案依据", 14),
            ("化解方式", 10),
            ("工作任务", 40),
            ("包案日期", 12),
            ("限期", 12),
            ("已超期", 8),
            ("已到位", 30),
            ("未到位", 30),
            ("进展次数", 8),
            ("状态", 14),
            ("结束日期", 12),
            ("包案结果", 30),
        ),
        _ownership_rows,
    ),
    "supervision": Ledger(
        "挂牌督办台账",
        (
            ("信访事项编号", 18),
            ("事由", 30),
            ("办理单位", 20),
            ("督办机关", 12),
            ("挂牌单位", 20),
            ("督办文号", 18),
            ("挂牌日期", 12),
            ("督办期限", 12),
            ("已超期", 8),
            ("包案领导", 12),
            ("包案要求", 20),
            ("进展报告", 8),
            ("状态", 10),
            ("解除日期", 12),
            ("解除理由", 30),
        ),
        _supervision_rows,
    ),
    "compliance": Ledger(
        "领导责任落实情况",
        (
            ("单位", 24),
            ("层级", 8),
            ("年度", 8),
            ("党委会已开", 10),
            ("全年应开", 10),
            ("尚欠", 8),
            ("时间进度", 10),
            ("完成进度", 10),
            ("落后进度", 8),
            ("主官接访", 60),
            ("责任人明确", 30),
            ("接访未达标", 60),
        ),
        _compliance_rows,
    ),
}


def _header(ws: Any, columns: tuple[tuple[str, int], ...]) -> None:
    bold = Font(bold=True)
    cells = []
    for title, _width in columns:
        cell = WriteOnlyCell(ws, value=title)
        cell.font = bold
        cells.append(cell)
    ws.append(cells)


def _audit_filters(filters: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in filters.items():
        if value in (None, "", False):
            continue
        if key == "q":
            out[key] = "（已填写）"
        elif hasattr(value, "pk"):
            out[key] = value.pk
        else:
            out[key] = value
    return out


def ledger_export(*, actor: Any, ledger: str, filters: dict[str, Any], request: Any = None) -> Export:
    """Write one ledger to a temporary xlsx file and audit the export."""
    spec = LEDGERS[ledger]
    today = timezone.localdate()
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(spec.title[:31])
    for i, (_title, width) in enumerate(spec.columns):
        ws.column_dimensions[get_column_letter(i + 1)].width = width
    ws.freeze_panes = "A2"
    _header(ws, spec.columns)
    count = 0
    for row in spec.rows(actor, filters, today):
        ws.append([neutralise(v) for v in row])
        count += 1
    out = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
    wb.save(out)
    out.seek(0)
    audit_record(
        actor=actor,
        action=f"leadership.{ledger}.exported",
        unit=getattr(actor, "unit", None),
        after={"count": count, "filters": _audit_filters(filters)},
        request=request,
    )
    return Export(file=out, filename=f"{spec.title}-{today:%Y%m%d}.xlsx", count=count)  # type: ignore[arg-type]
