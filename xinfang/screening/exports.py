"""xlsx exports of every screening list (R6.4): each one iterates exactly the rows of the list's selector (the same
function the page and the API use), personal data masked, formula-like text neutralised (cases.exports helpers),
and every export audited (screening.<list>.exported). The lists hold no petitioner data (the conflict ledger's
linked people are shown, masked, on its detail page only, where Case visibility is checked)."""

from __future__ import annotations

import datetime
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from xinfang.cases.exports import XLSX, Export, _audit_filters, neutralise
from xinfang.core.audit import audit_record
from xinfang.screening import periods, selectors
from xinfang.screening.models import (
    Bulletin,
    Conflict,
    DutyShift,
    EarlyWarning,
    Inspection,
    ScreeningReport,
    SpecialPeriod,
    Training,
)

__all__ = ["EXPORTS", "XLSX", "Sheet", "export"]


@dataclass(frozen=True)
class Sheet:
    """One exportable list: its file title, its columns (title, width) and how a row of the selector reads."""

    title: str
    columns: tuple[tuple[str, int], ...]
    rows: Callable[[Any, dict[str, Any]], Iterable[list[Any]]]


def _dt(value: datetime.datetime | None) -> Any:
    return timezone.localtime(value).replace(tzinfo=None) if value else None


def _report_rows(user: Any, filters: dict[str, Any]) -> Iterable[list[Any]]:
    r: ScreeningReport
    for r in selectors.report_list(user, **filters).iterator(chunk_size=500):
        yield [
            r.unit.name,
            r.get_period_display(),
            periods.period_label(r.period, r.period_start),
            r.period_start,
            r.period_end,
            r.due_on,
            _dt(r.submitted_at),
            "逾期" if r.is_late else "按时",
            "是" if r.is_zero else "否",
            r.item_count,  # type: ignore[attr-defined]
            r.submitted_by.display_name,
            r.summary,
        ]


def _status_rows(user: Any, filters: dict[str, Any]) -> Iterable[list[Any]]:
    on = filters.get("on") or timezone.localdate()
    for o in selectors.status_board(user, on):
        r = o.counted_report
        yield [
            o.unit.name,
            o.unit.get_level_display(),
            "每日报告" if o.period == periods.DAY else o.label,
            o.period_start,
            o.due_on,
            o.state_label,
            _dt(r.submitted_at) if r else None,
            ("是" if r.is_zero else "否") if r else "",
        ]


def _conflict_rows(user: Any, filters: dict[str, Any]) -> Iterable[list[Any]]:
    c: Conflict
    for c in selectors.conflict_list(user, **filters).iterator(chunk_size=500):
        yield [
            c.pk,
            c.unit.name,
            c.title,
            c.topic.name,
            c.get_risk_level_display(),
            "是" if c.collective_risk else "否",
            c.headcount,
            c.leader.display_name,
            c.measures,
            c.get_status_display(),
            c.found_on,
            c.resolved_on,
            c.last_progress,  # type: ignore[attr-defined]
        ]


def _period_rows(user: Any, filters: dict[str, Any]) -> Iterable[list[Any]]:
    p: SpecialPeriod
    for p in selectors.special_period_list(user, **filters):
        scope = "、".join(u.name for u in p.scope_units.all()) or "本单位全辖区"
        yield [
            p.name,
            p.get_kind_display(),
            p.unit.name,
            p.start_on,
            p.end_on,
            scope,
            "已撤销" if p.cancelled_at else "",
            p.declared_by.display_name,
        ]


def _shift_rows(user: Any, filters: dict[str, Any]) -> Iterable[list[Any]]:
    s: DutyShift
    for s in selectors.duty_shift_list(user, **filters).iterator(chunk_size=500):
        yield [s.special_period.name, s.unit.name, _dt(s.starts_at), _dt(s.ends_at), s.officer.display_name, s.phone]


def _warning_rows(user: Any, filters: dict[str, Any]) -> Iterable[list[Any]]:
    w: EarlyWarning
    for w in selectors.warning_list(user, **filters):
        yield [
            w.pk,
            w.unit.name,
            w.title,
            w.get_risk_display(),
            w.headcount,
            w.get_stage_display(),
            _dt(w.discovered_at),
            _dt(w.reported_at),
            _dt(w.controlled_at),
            _dt(w.resolved_at),
            "、".join(h.to_unit.name for h in w.open_hops),  # type: ignore[attr-defined]
        ]


def _inspection_rows(user: Any, filters: dict[str, Any]) -> Iterable[list[Any]]:
    i: Inspection
    for i in selectors.inspection_list(user, **filters):
        items = list(i.items.all())
        yield [
            i.unit.name,
            i.on,
            i.inspectors,
            "、".join(u.name for u in i.units_visited.all()),
            i.findings,
            i.problems,
            len(items),
            sum(1 for it in items if it.closed_on is None),
            i.closed_on,
        ]


def _bulletin_rows(user: Any, filters: dict[str, Any]) -> Iterable[list[Any]]:
    b: Bulletin
    for b in selectors.bulletin_list(user):
        yield [b.title, b.unit.name, periods.period_label(b.period, b.period_start), _dt(b.created_at)]


def _training_rows(user: Any, filters: dict[str, Any]) -> Iterable[list[Any]]:
    t: Training
    for t in selectors.training_list(user, **filters):
        yield [t.unit.name, t.on, t.topic, float(t.hours), t.location, t.trainee_count]  # type: ignore[attr-defined]


def _training_status_rows(user: Any, filters: dict[str, Any]) -> Iterable[list[Any]]:
    year = filters.get("year") or timezone.localdate().year
    for r in selectors.training_status(user, year, untrained_only=bool(filters.get("untrained_only"))):
        yield [
            r.unit.name,
            r.user.display_name,
            r.user.username,
            r.trainings,
            float(r.hours),
            r.last_on,
            "已培训" if r.trained else "未培训",
        ]


REPORTS_COLUMNS = (
    ("报告单位", 24), ("周期", 8), ("报告期", 26), ("周期起", 12), ("周期止", 12), ("报送期限", 12),
    ("报送时间", 18), ("是否按时", 10), ("零报告", 8), ("排查发现（件）", 14), ("填报人", 12), ("排查情况", 40),
)  # fmt: skip

STATUS_COLUMNS = (
    ("单位", 24), ("层级", 8), ("报告期", 26), ("周期起", 12), ("报送期限", 12), ("状态", 16),
    ("报送时间", 18), ("零报告", 8),
)  # fmt: skip

CONFLICTS_COLUMNS = (
    ("编号", 8), ("责任单位", 24), ("矛盾纠纷事项", 36), ("类别", 16), ("风险等级", 10), ("可能引发集体访", 14),
    ("涉及人数", 10), ("责任领导", 12), ("化解措施", 40), ("状态", 10), ("发现日期", 12), ("化解日期", 12),
    ("最近进展", 12),
)  # fmt: skip

PERIODS_COLUMNS = (
    ("名称", 24), ("类型", 10), ("宣布单位", 24), ("开始日期", 12), ("结束日期", 12), ("范围", 30),
    ("状态", 10), ("宣布人", 12),
)  # fmt: skip

WARNINGS_COLUMNS = (
    ("编号", 8), ("发现单位", 24), ("预警事项", 36), ("风险类型", 18), ("预计人数", 10), ("阶段", 10),
    ("发现时间", 18), ("报告时间", 18), ("控制时间", 18), ("解决时间", 18), ("待签收单位", 24),
)  # fmt: skip

INSPECTIONS_COLUMNS = (
    ("督查单位", 24), ("督查日期", 12), ("督查组成员", 24), ("被督查单位", 30), ("督查情况", 40),
    ("存在问题", 40), ("整改事项", 10), ("未完成", 10), ("整改完毕日期", 14),
)  # fmt: skip

EXPORTS: dict[str, Sheet] = {
    "reports": Sheet("排查报告", REPORTS_COLUMNS, _report_rows),
    "status": Sheet("排查报送情况", STATUS_COLUMNS, _status_rows),
    "conflicts": Sheet("矛盾纠纷台账", CONFLICTS_COLUMNS, _conflict_rows),
    "periods": Sheet("特殊时期", PERIODS_COLUMNS, _period_rows),
    "shifts": Sheet(
        "值班表",
        (("特殊时期", 24), ("值班单位", 24), ("开始时间", 18), ("结束时间", 18), ("值班人员", 12), ("值班电话", 16)),
        _shift_rows,
    ),
    "warnings": Sheet("预警信息", WARNINGS_COLUMNS, _warning_rows),
    "inspections": Sheet("督查", INSPECTIONS_COLUMNS, _inspection_rows),
    "bulletins": Sheet("通报", (("标题", 40), ("通报单位", 24), ("通报期", 20), ("生成时间", 18)), _bulletin_rows),
    "trainings": Sheet(
        "培训",
        (("举办单位", 24), ("培训日期", 12), ("培训主题", 36), ("学时", 8), ("地点", 20), ("参训人数", 10)),
        _training_rows,
    ),
    "training_status": Sheet(
        "信访干部培训情况",
        (("单位", 24), ("姓名", 12), ("账号", 16), ("参训次数", 10), ("学时", 8), ("最近培训", 12), ("状态", 10)),
        _training_status_rows,
    ),
}


def export(*, actor: Any, name: str, filters: dict[str, Any], request: Any = None) -> Export:
    """Write the list `name` (a key of EXPORTS) as the actor sees it with `filters`, and audit the export."""
    sheet = EXPORTS[name]
    today = timezone.localdate()
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(sheet.title)
    for i, (_title, width) in enumerate(sheet.columns):
        ws.column_dimensions[get_column_letter(i + 1)].width = width
    ws.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for title, _width in sheet.columns:
        cell = WriteOnlyCell(ws, value=title)
        cell.font = bold
        header.append(cell)
    ws.append(header)
    count = 0
    for row in sheet.rows(actor, filters):
        ws.append([neutralise(v) for v in row])
        count += 1
    out = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # handed to the response, closed by it
    wb.save(out)
    out.seek(0)
    audit_record(
        actor=actor,
        action=f"screening.{name}.exported",
        unit=getattr(actor, "unit", None),
        after={"count": count, "filters": _audit_filters(filters)},
        request=request,
    )
    return Export(file=out, filename=f"{sheet.title}-{today:%Y%m%d}.xlsx", count=count)  # type: ignore[arg-type]
