"""DOCX reports with tables and charts: the annual petition-work report (R5.4) and the assessment report (R5.1).

The documents engine (xinfang.documents) lays out letters — paragraphs and headings after GB/T 9704 — and has no
tables or pictures, so these two reports are written here with python-docx: A4, 仿宋 body, 黑体/楷体 headings,
tables with a header row, and bar charts drawn by charts.py as PNG. Both are pure functions of their input (the
annual report of its frozen statistics), so a stored report can be shown to be what its snapshot says.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from xinfang.accountability import charts
from xinfang.accountability import indicators as ind
from xinfang.documents.spec import format_date

FANGSONG = ("FangSong", "仿宋")
SONG = ("SimSun", "宋体")
HEI = ("SimHei", "黑体")
KAI = ("KaiTi", "楷体")
CN_NUMBERS = "一二三四五六七八九十"


def _fonts(run: Any, face: tuple[str, str]) -> None:
    run.font.name = face[0]
    rpr = run._element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.append(fonts)
    fonts.set(qn("w:eastAsia"), face[1])
    fonts.set(qn("w:ascii"), face[0])
    fonts.set(qn("w:hAnsi"), face[0])


class Writer:
    def __init__(self, title: str) -> None:
        self.doc = Document()
        section = self.doc.sections[0]
        section.page_width, section.page_height = Mm(210), Mm(297)
        section.top_margin, section.bottom_margin = Mm(37), Mm(35)
        section.left_margin, section.right_margin = Mm(28), Mm(26)
        normal = self.doc.styles["Normal"]
        normal.font.size = Pt(14)
        normal.font.name = FANGSONG[0]
        normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), FANGSONG[1])
        self.doc.core_properties.title = title
        self.doc.core_properties.author = "信访工作管理系统"
        self._h1 = 0

    def title(self, text: str, sub: str = "") -> None:
        p = self.doc.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run = p.add_run(text)
        run.font.size = Pt(22)
        run.bold = True
        _fonts(run, SONG)
        if sub:
            p = self.doc.add_paragraph()
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            run = p.add_run(sub)
            run.font.size = Pt(14)
            _fonts(run, KAI)

    def heading(self, text: str) -> None:
        self._h1 += 1
        p = self.doc.add_paragraph()
        run = p.add_run(f"{CN_NUMBERS[self._h1 - 1] if self._h1 <= 10 else self._h1}、{text}")
        run.font.size = Pt(16)
        _fonts(run, HEI)

    def subheading(self, text: str) -> None:
        p = self.doc.add_paragraph()
        run = p.add_run(text)
        run.font.size = Pt(15)
        _fonts(run, KAI)

    def paragraph(self, text: str) -> None:
        p = self.doc.add_paragraph()
        p.paragraph_format.first_line_indent = Pt(28)
        run = p.add_run(text)
        _fonts(run, FANGSONG)

    def table(
        self, header: Sequence[str], rows: Sequence[Sequence[Any]], widths: Sequence[float] | None = None
    ) -> None:
        table = self.doc.add_table(rows=1, cols=len(header))
        table.style = "Table Grid"
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        for cell, text in zip(table.rows[0].cells, header, strict=True):
            cell.text = ""
            run = cell.paragraphs[0].add_run(str(text))
            run.bold = True
            run.font.size = Pt(11)
            _fonts(run, HEI)
        for row in rows:
            cells = table.add_row().cells
            for cell, value in zip(cells, row, strict=True):
                cell.text = ""
                run = cell.paragraphs[0].add_run("" if value is None else str(value))
                run.font.size = Pt(11)
                _fonts(run, FANGSONG)
        if widths:
            for row in table.rows:
                for cell, w in zip(row.cells, widths, strict=True):
                    cell.width = Mm(w)
        self.doc.add_paragraph()

    def chart(self, png: bytes) -> None:
        self.doc.add_picture(io.BytesIO(png), width=Mm(156))
        self.doc.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER

    def signature(self, unit: str, day: str) -> None:
        for text in (unit, day):
            p = self.doc.add_paragraph()
            p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            _fonts(p.add_run(text), FANGSONG)

    def bytes(self) -> bytes:
        out = io.BytesIO()
        self.doc.save(out)
        return out.getvalue()


# ---------------------------------------------------------------------------------------------------
# The annual report (条例 Art 41)


def _share(n: int, total: int) -> str:
    return f"{n * 100 / total:.1f}%" if total else "—"


def render_annual_report(ctx: dict[str, Any]) -> bytes:
    """The annual report from its frozen statistics (annual.statistics)."""
    import datetime

    year = ctx["year"]
    unit = ctx["unit"]
    w = Writer(f"{unit}{year}年度信访工作情况报告")
    w.title(
        f"{unit}{year}年度信访工作情况报告", f"（统计截至{format_date(datetime.date.fromisoformat(ctx['as_of']))}）"
    )
    rec = ctx["received"]
    total = rec["total"]
    w.heading("信访事项总体情况")
    kinds = {r["code"]: r["count"] for r in rec["by_kind"]}
    w.paragraph(
        f"{year}年度，本单位及所属单位共登记信访事项{total}件，其中初次信访{kinds.get('initial', 0)}件、"
        f"复查{kinds.get('review', 0)}件、复核{kinds.get('rereview', 0)}件；集体访{rec['collective']}批"
        f"{rec['collective_people']}人次。受理{ctx['decisions']['accepted']}件，不予受理{ctx['decisions']['declined']}件，"
        f"依法导出{ctx['decisions']['diverted']}件。"
    )
    w.table(
        ["来源渠道", "件数", "占比"], [[r["label"], r["count"], _share(r["count"], total)] for r in rec["by_channel"]]
    )
    w.table(["类别", "件数", "占比"], [[r["label"], r["count"], _share(r["count"], total)] for r in rec["by_category"]])
    w.chart(charts.bar_chart(f"{year}年各月登记信访事项（件）", [f"{m}月" for m in range(1, 13)], rec["by_month"]))

    w.heading("反映问题的主要领域")
    topics = [r for r in rec["by_topic"] if r["count"]] or rec["by_topic"][:5]
    w.table(
        ["业务分类", "件数", "占比"], [[r["label"], r["count"], _share(r["count"], total)] for r in rec["by_topic"]]
    )
    w.chart(charts.bar_chart("反映问题领域分布（件）", [r["label"] for r in topics], [r["count"] for r in topics]))

    w.heading("信访事项较多的单位")
    children = ctx["units"]["children"]
    if children:
        w.table(["单位", "件数", "占比"], [[r["unit"], r["count"], _share(r["count"], total)] for r in children])
        w.chart(
            charts.bar_chart(
                "各单位信访事项（件）", [r["unit"] for r in children], [r["count"] for r in children], alt=True
            )
        )
    w.paragraph(f"本级直接办理{ctx['units']['own']}件。")
    accused = ctx["units"]["accused"]
    if accused:
        w.subheading("检举控告类事项涉及较多的单位")
        w.table(["被反映单位", "件数"], [[r["unit"], r["count"]] for r in accused])

    w.heading("办理质量")
    rows = []
    for i in ctx["indicators"]:
        if i["kind"] == ind.RATE:
            den = "—" if i["denominator"] is None else i["denominator"]
            num = "—" if i["numerator"] is None else i["numerator"]
            rows.append([i["label"], num, den, i["display"]])
    w.table(["指标", "分子", "分母", "数值"], rows)
    opinions = ctx["opinions"]
    w.paragraph(
        "本年度出具处理意见："
        + "，".join(f"{r['label']}{r['count']}件" for r in opinions)
        + "。比率的分母为0时记为“不适用”，不按0%或100%计。"
    )
    dispositions = ctx.get("review_dispositions")  # reports frozen before this field lack it
    if dispositions and any(r["count"] for r in dispositions):
        w.paragraph(
            "本年度出具复查、复核意见，对原处理意见"
            + "，".join(f"{r['label']}{r['count']}件" for r in dispositions)
            + "。变更、撤销原处理意见的计入被复查、复核单位的复查复核改变率。"
        )

    w.heading("转送、交办和督办情况")
    t = ctx["transfers"]
    w.paragraph(f"本年度转送信访事项{t['forwarded']}件，交办{t['assigned']}件，接收单位提出异议{t['objected']}件。")
    sup = ctx.get("supervision")
    if sup:
        w.paragraph(f"挂牌督办信访事项{sup.get('listed', 0)}件，解除督办{sup.get('lifted', 0)}件。")
    activity = [("转送", t["forwarded"]), ("交办", t["assigned"]), ("接收单位异议", t["objected"])]
    if sup:
        activity += [("挂牌督办", sup.get("listed", 0)), ("解除督办", sup.get("lifted", 0))]
    w.table(["事项", "件数"], [[label, n] for label, n in activity])
    w.chart(
        charts.bar_chart("转送、交办和督办情况（件）", [a[0] for a in activity], [a[1] for a in activity], alt=True)
    )
    actions = ctx["actions"]
    w.table(["问责方式", "次数"], [[r["label"], r["count"]] for r in actions])
    inc = ctx["incidents"]
    w.paragraph(
        f"发生到总队上访事件{inc.get('at_corps', 0)}起、进京上访事件{inc.get('in_beijing', 0)}起、集体访事件"
        f"{inc.get('collective', 0)}起，其中应到场领导未按规定到场{inc['noncompliant']}起；提请信访联席会议或地方政府"
        f"部门协调{ctx['referrals']['n']}件，已化解{ctx['referrals']['resolved']}件。"
    )
    ch = ctx["checks"]
    lb = ctx["lookbacks"]
    w.paragraph(
        f"对复查、复核事项开展核查{ch['n']}件，发现不符合标准{ch['failed']}件，启动倒查{lb['n']}件，已作出处理决定{lb['decided']}件。"
    )

    w.heading("改进工作的建议及采纳情况")
    recs = ctx["recommendations"]
    if recs:
        counts = {r["code"]: r["count"] for r in ctx.get("recommendation_counts", [])}
        if counts:
            w.paragraph(
                f"本年度共提出改进工作的建议{len(recs)}条，其中已采纳{counts.get('adopted', 0)}条、"
                f"部分采纳{counts.get('partly', 0)}条、未采纳{counts.get('rejected', 0)}条、"
                f"待采纳{counts.get('pending', 0)}条。"
            )
        w.table(
            ["建议事项", "建议对象", "提出日期", "采纳情况", "落实情况"],
            [[r["title"], r["addressed_to"], r["made_on"], r["status_label"], r["response"] or "—"] for r in recs],
        )
        for r in recs:
            w.subheading(r["title"])
            w.paragraph(r["content"])
    else:
        w.paragraph("本年度未登记改进工作的建议。")
    w.signature(unit, format_date(datetime.date.fromisoformat(ctx["as_of"])))
    return w.bytes()


# ---------------------------------------------------------------------------------------------------
# The assessment report (R5.1)


def render_assessment_report(result: Any) -> bytes:
    """The year's assessment (selectors.Assessment) as DOCX: scheme, the ranked table, every indicator, a chart."""
    year = result.year
    scheme_name = (
        f"{result.scheme.name}（{result.scheme.year}年度第{result.scheme.version}版）"
        if result.scheme
        else "默认评分方案"
    )
    w = Writer(f"{year}年度信访工作考核结果（{result.level_label}）")
    w.title(f"{year}年度信访工作考核结果", f"（{result.level_label}，评分方案：{scheme_name}）")
    w.heading("考核得分和排名")
    w.table(
        ["排名", "单位", "比率得分", "扣分", "调整", "总分"],
        [
            [
                r.rank or "—",
                r.unit.name,
                r.result.rate_points if r.result.rate_points is not None else "不适用",
                r.result.deductions,
                r.adjustment,
                r.score if r.score is not None else "无法评分",
            ]
            for r in result.rows
        ],
    )
    scored = [r for r in result.rows if r.score is not None]
    if scored:
        w.chart(
            charts.bar_chart(
                f"{year}年度考核总分",
                [r.unit.name for r in scored],
                [float(r.score) for r in scored],
                max_value=float(result.scheme_data.get("max_score", 100)),
            )
        )
    w.heading("各项指标")
    for i in ind.INDICATORS:
        w.subheading(i.label)
        w.paragraph(i.formula)
        if i.kind == ind.RATE:
            w.table(
                ["单位", i.numerator_label, i.denominator_label, "数值"],
                [
                    [
                        r.unit.name,
                        "—" if r.figures[i.code].numerator is None else r.figures[i.code].numerator,
                        "—" if r.figures[i.code].denominator is None else r.figures[i.code].denominator,
                        r.figures[i.code].percent,
                    ]
                    for r in result.rows
                ],
            )
        else:
            w.table(["单位", i.numerator_label], [[r.unit.name, r.figures[i.code].numerator] for r in result.rows])
    w.paragraph(
        "比率的分母为0时记为“不适用”，该项不计分，其余计分项按权重折算至满分；相关功能未启用的指标记为“未接入”。"
    )
    return w.bytes()
