"""The 领导包案责任书 (seed 一(三): "各级领导包案要以书面形式确定，做到任务明确、责任到人、包干到底、限期解决，
确保停诉息访"): a builder that words it from plain values and returns a `DocumentSpec` for the documents engine.

It names the case by number and subject only — no petitioner's personal data goes into the letter.
"""

from __future__ import annotations

import datetime
from typing import Any

from xinfang.core.errors import DomainError
from xinfang.documents.spec import DocumentSpec, format_date, heading, labeled, paragraph, unit_abbreviation
from xinfang.leadership.models import CHECKLIST

KIND = "ownership_letter"
TITLE = "领导包案责任书"


def number_prefix(unit_name: str) -> str:
    """机关代字 of the letter, e.g. 江消信包〔2026〕1号."""
    return f"{unit_abbreviation(unit_name)}消信包"


def _required(value: str, label: str, field: str) -> str:
    if not value or not value.strip():
        raise DomainError(f"{label}不能为空", code="document_invalid", field=field)
    return value.strip()


def ownership_letter(
    *,
    unit_name: str,
    case_number: str,
    case_title: str,
    case_unit_name: str,
    leader: str,
    leader_post: str,
    basis: str,
    plan_kind: str,
    plan: str,
    tasks: str,
    team: list[str],
    assigned_on: datetime.date,
    deadline: datetime.date,
    supervision: str = "",
    number: str = "",
) -> DocumentSpec:
    """包案责任书: who owns which case, with which team, tasks and plan, by when, to which standard."""
    leader = _required(leader, "包案领导", "leader")
    body = [
        paragraph(
            f"根据《信访工作条例》和上级关于推行重大疑难信访问题领导包案责任制的要求，经研究，"
            f"确定由{leader_post}{leader}同志对下列信访事项实行领导包案，特立此责任书。"
        ),
        heading("一、包案事项"),
        labeled("信访事项编号", _required(case_number, "信访事项编号", "case_number")),
        labeled("事由", _required(case_title, "事由", "case_title")),
        labeled("办理单位", case_unit_name),
        labeled("包案依据", basis),
    ]
    if supervision:
        body.append(labeled("督办情况", supervision))
    body += [
        heading("二、包案领导和工作专班"),
        labeled("包案领导", f"{leader}（{leader_post}）"),
        labeled("工作专班", "、".join(team) if team else "由包案领导指定"),
        heading("三、工作任务"),
        paragraph(_required(tasks, "工作任务", "tasks")),
        heading(f"四、化解方案（{plan_kind}）"),
        paragraph(_required(plan, "化解方案", "plan")),
        heading("五、工作要求"),
        paragraph(
            "按照“三到位一处理”原则推动问题解决："
            + "；".join(label for _key, label in CHECKLIST)
            + "。做到任务明确、责任到人、包干到底、限期解决。"
        ),
        paragraph(
            f"包案自{format_date(assigned_on)}起，限于{format_date(deadline)}前解决，确保停诉息访。"
            "包案期间定期报告工作进展；问题解决后报告包案结果。"
        ),
        paragraph(f"包案领导（签字）：{'　' * 6}　　日期：{'　' * 6}"),
    ]
    spec = DocumentSpec(
        kind=KIND,
        title=TITLE,
        signature=_required(unit_name, "包案单位", "unit_name"),
        date=assigned_on,
        body=body,
        number=number,
    )
    spec.validate()
    return spec


def ownership_letter_for(ownership: Any) -> DocumentSpec:
    """The builder's values taken from an Ownership (with its case, unit, leader, team, supervision)."""
    case = ownership.case
    supervision = case.supervisions.filter(status="active").select_related("listed_by_unit").first()
    sup_text = ""
    if supervision is not None:
        sup_text = (
            f"{supervision.get_level_display()}于{format_date(supervision.listed_on)}挂牌督办"
            + (f"（{supervision.reference_no}）" if supervision.reference_no else "")
            + f"，督办期限{format_date(supervision.deadline)}"
        )
    team = [u.display_name for u in ownership.team.order_by("pk")]
    if ownership.team_note:
        team.append(ownership.team_note)
    return ownership_letter(
        unit_name=ownership.unit.name,
        case_number=case.number,
        case_title=case.title,
        case_unit_name=case.unit.name,
        leader=ownership.leader.display_name,
        leader_post=f"{ownership.unit.name}{ownership.get_role_display()}",
        basis=ownership.get_basis_display(),
        plan_kind=ownership.get_plan_kind_display(),
        plan=ownership.plan,
        tasks=ownership.tasks,
        team=team,
        assigned_on=ownership.assigned_on,
        deadline=ownership.deadline,
        supervision=sup_text,
    )
