"""The 通报 (R3.5): a DocumentSpec built from the frozen figures of selectors.bulletin_figures, rendered by the
documents engine (GB/T 9704 DOCX and PDF). Plain values in, a spec out; the figures are stored with the bulletin,
so the document can always be traced to what it says."""

from __future__ import annotations

import datetime
from typing import Any

from xinfang.documents.spec import Block, DocumentSpec, heading, paragraph, unit_abbreviation

KIND = "screening_bulletin"


def number_prefix(unit_name: str) -> str:
    """机关代字 of a bulletin, e.g. 甲消信通."""
    return f"{unit_abbreviation(unit_name)}消信通"


def _names(names: list[str], empty: str) -> str:
    return "、".join(names) if names else empty


def bulletin_spec(
    *, unit_name: str, title: str, figures: dict[str, Any], remarks: str, date: datetime.date
) -> DocumentSpec:
    reports = figures["reports"]
    items = figures["items"]
    label = figures["period_label"]
    body: list[Block] = [
        paragraph(
            f"根据“大队每周排查一次，支队每月排查一次、总队每季度排查一次”的要求，现将{label}"
            f"{unit_name}及所属单位信访矛盾排查化解工作情况通报如下。"
        ),
        heading("一、排查报告报送情况"),
        paragraph(
            f"本期应报排查报告{reports['expected']}份，按时报送{reports['submitted']}份，逾期报送{reports['late']}份，"
            f"未报送{reports['missing']}份，尚未到报送期限{reports['not_due']}份；其中零报告{reports['zero']}份。"
        ),
        paragraph(f"未按期报送的单位：{_names(figures['missing_units'], '无')}。"),
        paragraph(f"逾期报送的单位：{_names(figures['late_units'], '无')}。"),
        heading("二、矛盾纠纷排查化解情况"),
        paragraph(
            f"本期排查上报矛盾纠纷{items['found']}件，其中新发现{items['new']}件，已化解{items['resolved']}件，"
            f"尚未化解{items['unresolved']}件。按风险等级："
            + "，".join(f"{k}{v}件" for k, v in items["by_risk"].items())
            + "。"
        ),
        heading("三、督查发现的问题"),
    ]
    inspections = figures["inspections"]
    if not inspections:
        body.append(paragraph("本期未开展督查。"))
    for i, ins in enumerate(inspections, start=1):
        problems = ins["problems"].strip() or "未发现问题"
        body.append(
            paragraph(
                f"（{i}）{ins['unit']}于{_date(ins['on'])}督查{_names(ins['visited'], '')}，"
                f"发现问题：{problems.rstrip('。')}。提出整改事项{ins['items']}项，尚未完成{ins['open_items']}项。"
            )
        )
    body.append(heading("四、工作要求"))
    body.append(
        paragraph(
            remarks.strip()
            or "各单位要对照本通报，认真落实定期排查和“零报告”制度，按时逐级汇总上报；对排查出的矛盾纠纷逐案逐人逐项"
            "建档立账，落实化解责任；对督查发现的问题限期整改到位。"
        )
    )
    spec = DocumentSpec(kind=KIND, title=title, signature=unit_name, date=date, body=body, addressee="各单位：")
    spec.validate()
    return spec


def _date(iso: str) -> str:
    d = datetime.date.fromisoformat(iso)
    return f"{d.year}年{d.month}月{d.day}日"
