"""Every case document: worded after 《信访工作条例》, generated, and read back from both files."""

from __future__ import annotations

import datetime
import io
import re

import docx
import pytest
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from pypdf import PdfReader

from xinfang.core.errors import DomainError
from xinfang.documents import letters
from xinfang.documents.services import document_generate
from xinfang.documents.spec import format_date, unit_abbreviation

from .conftest import pdf_text, require_cjk_fonts

D = datetime.date
COMMON = dict(petitioner="张三", case_number="d1-2026-7")
MATTER = dict(received_on=D(2026, 11, 2), channel="来信", matter="某小区消防车通道被长期占用")

# kind -> (builder kwargs, phrases that must appear in the body of both files)
CASES: dict[str, tuple[dict, list[str]]] = {
    "acceptance_notice": (
        dict(**COMMON, **MATTER, accepted_on=D(2026, 11, 9), due_on=D(2027, 1, 8), issued_on=D(2026, 11, 10)),
        [
            "第二十三条规定",
            "予以受理",
            "第三十四条规定",
            "自受理之日起60日内办结",
            "办理期限至2027年1月8日",
            "延长期限不得超过30日",
        ],
    ),
    "decline_notice": (
        dict(
            **COMMON,
            **MATTER,
            decided_on=D(2026, 11, 9),
            reason="该事项已经复核终结，信访人仍以同一事实和理由提出投诉请求",
            legal_basis="《信访工作条例》第三十六条第三款",
        ),
        ["决定不予受理", "已经复核终结", "本决定的依据是《信访工作条例》第三十六条第三款"],
    ),
    "diversion_notice": (
        dict(
            **COMMON,
            **MATTER,
            decided_on=D(2026, 11, 9),
            art31_item=4,
            route="依法向甲市人民政府申请行政复议",
            destination="甲市人民政府行政复议机构",
        ),
        [
            "第三十一条第四项",
            "行政复议、行政裁决、行政确认、行政许可、行政处罚",
            "不再按照信访程序办理",
            "请你依法向甲市人民政府申请行政复议",
            "受理机关：甲市人民政府行政复议机构",
        ],
    ),
    "forward_letter": (
        dict(**COMMON, **MATTER, to_unit_name="乙市消防救援支队", forwarded_on=D(2026, 11, 5)),
        ["转送你单位", "第二十三条规定", "15日内书面告知信访人", "5个工作日内提出异议", "附件：信访材料"],
    ),
    "assign_letter": (
        dict(
            **COMMON,
            **MATTER,
            to_unit_name="甲市一区大队",
            assigned_on=D(2026, 11, 5),
            result_due=D(2026, 12, 31),
            confidential=True,
        ),
        ["交办你单位", "请于2026年12月31日前将办理结果书面报送本机关", "办结报告", "第三十条规定"],
    ),
    "extension_notice": (
        dict(
            **COMMON,
            **MATTER,
            accepted_on=D(2026, 11, 9),
            reason="案情复杂，需调取历次消防监督检查档案核实",
            days=30,
            new_due=D(2027, 2, 7),
            issued_on=D(2027, 1, 4),
        ),
        ["第三十四条规定", "经本机关负责人批准", "延长30日", "延长后的办理期限至2027年2月7日", "因案情复杂"],
    ),
    "opinion": (
        dict(
            **COMMON,
            **MATTER,
            accepted_on=D(2026, 11, 9),
            request="要求清理占用消防车通道的车辆并设置标识",
            facts="经现场检查，该小区3号楼北侧消防车通道被私家车占用，物业未设置禁停标识",
            opinion="已责令物业服务企业限期清理并施划标线，大队将组织复查",
            legal_basis="《中华人民共和国消防法》第二十八条、第六十条",
            result="support",
            review_unit_name="测试省消防救援总队",
            issued_on=D(2026, 12, 20),
        ),
        [
            "一、信访请求",
            "二、事实和理由",
            "三、处理意见及依据",
            "法律法规依据：《中华人民共和国消防法》第二十八条、第六十条",
            "予以支持",
            "第三十五条规定",
            "自收到本意见书之日起30日内",
            "向本机关的上一级机关测试省消防救援总队请求复查",
        ],
    ),
    "review_opinion": (
        dict(
            **COMMON,
            original_unit_name="甲市一区大队",
            original_number="甲一消信意〔2026〕4号",
            requested_on=D(2027, 1, 10),
            request="要求撤销原处理意见",
            facts="原处理意见认定事实清楚，适用依据正确，程序合法",
            opinion="原处理意见并无不当",
            legal_basis="《信访工作条例》第三十二条",
            result="reject",
            disposition="uphold",
            rereview_unit_name="测试省消防救援总队",
            issued_on=D(2027, 2, 8),
        ),
        [
            "第三十五条规定",
            "《信访处理意见书》（甲一消信意〔2026〕4号）",
            "本机关决定维持甲市一区大队作出的信访处理意见",
            "不予支持",
            "第三十六条规定",
            "30日内",
            "测试省消防救援总队请求复核",
        ],
    ),
    "rereview_opinion": (
        dict(
            **COMMON,
            review_unit_name="甲市消防救援支队",
            review_number="甲消信复〔2027〕1号",
            requested_on=D(2027, 3, 1),
            request="要求给予经济补偿",
            facts="请求事由有一定合理性，但现行规定未设补偿",
            opinion="现行法律法规未规定此类补偿",
            legal_basis="《中华人民共和国消防法》",
            result="explain",
            hearing_held=True,
            issued_on=D(2027, 3, 30),
        ),
        ["第三十六条规定", "举行了听证", "解释说明", "最终处理意见", "第三十六条第三款", "同一事实和理由", "不再受理"],
    ),
}

BUILDERS = {
    "acceptance_notice": letters.acceptance_notice,
    "decline_notice": letters.decline_notice,
    "diversion_notice": letters.diversion_notice,
    "forward_letter": letters.forward_letter,
    "assign_letter": letters.assign_letter,
    "extension_notice": letters.extension_notice,
    "opinion": letters.opinion,
    "review_opinion": letters.review_opinion,
    "rereview_opinion": letters.rereview_opinion,
}


def _flat(text: str) -> str:
    return "".join(text.split())


def test_every_kind_has_a_builder_and_a_case():
    assert set(BUILDERS) == set(letters.DOCUMENT_KINDS) == set(CASES)


@pytest.mark.parametrize("kind", sorted(CASES))
def test_each_letter_generates_docx_and_pdf_with_title_number_and_legal_wording(world, kind, media_root):
    require_cjk_fonts()
    unit = world.unit("d1")
    kwargs, phrases = CASES[kind]
    spec = BUILDERS[kind](unit_name=unit.name, **kwargs)
    assert spec.kind == kind
    assert spec.signature == "甲市消防救援支队"

    doc = document_generate(actor=world.user("d1.officer"), owner=unit, unit=unit, spec=spec)

    suffix = letters.DOCUMENT_KINDS[kind].number_suffix
    assert doc.number == f"甲消信{suffix}〔{spec.date.year}〕1号"
    assert doc.title == letters.DOCUMENT_KINDS[kind].title

    # DOCX, read back with python-docx.
    with doc.docx.open("rb") as fh:
        d = docx.Document(io.BytesIO(fh.read()))
    texts = [p.text for p in d.paragraphs]
    assert doc.title in texts
    assert doc.number in texts
    assert "甲市消防救援支队" in texts  # 发文机关署名
    assert format_date(spec.date) in texts  # 成文日期
    body = _flat("".join(texts))
    for phrase in phrases:
        assert _flat(phrase) in body, phrase
    section = d.sections[0]
    assert abs(section.page_width - Mm(210)) < Mm(0.1)
    assert abs(section.page_height - Mm(297)) < Mm(0.1)
    assert abs(section.top_margin - Mm(37)) < Mm(0.1)
    assert abs(section.bottom_margin - Mm(35)) < Mm(0.1)
    assert abs(section.left_margin - Mm(28)) < Mm(0.1)
    assert abs(section.right_margin - Mm(26)) < Mm(0.1)

    # PDF, text extracted with pypdf (needs a CJK font with a ToUnicode map).
    with doc.pdf.open("rb") as fh:
        pdf_bytes = fh.read()
    box = PdfReader(io.BytesIO(pdf_bytes)).pages[0].mediabox
    assert (round(float(box.width) / 72 * 25.4), round(float(box.height) / 72 * 25.4)) == (210, 297)  # A4
    text = _flat(pdf_text(pdf_bytes))
    assert "—1—" in text  # the page number
    text = re.sub(r"—\d+—", "", text)  # page numbers fall inside a paragraph running onto the next page
    assert _flat(doc.title) in text
    assert doc.number in text
    assert "甲市消防救援支队" in text
    for phrase in phrases:
        assert _flat(phrase) in text, phrase


def test_docx_typography_follows_gbt9704(world):
    unit = world.unit("d1")
    from .conftest import acceptance_spec

    doc = document_generate(actor=None, owner=unit, unit=unit, spec=acceptance_spec(masthead="甲市消防救援支队"))
    with doc.docx.open("rb") as fh:
        d = docx.Document(io.BytesIO(fh.read()))
    paragraphs = {p.text: p for p in d.paragraphs if p.text}

    title = paragraphs["信访事项受理告知书"]
    assert title.runs[0].font.size == Pt(22)  # 2号
    assert title.alignment == 1  # centred
    body = next(p for t, p in paragraphs.items() if t.startswith("你于2026年11月2日"))
    run = body.runs[0]
    assert run.font.size == Pt(16)  # 3号
    assert run._r.rPr.find(qn("w:rFonts")).get(qn("w:eastAsia")) == "仿宋"
    assert body.paragraph_format.first_line_indent == Pt(32)  # two characters
    assert round(body.paragraph_format.line_spacing.pt, 2) == 28.95
    # 28 characters a line: 16 pt glyphs condensed by 0.25 pt (w:spacing in 1/20 pt).
    assert run._r.rPr.find(qn("w:spacing")).get(qn("w:val")) == "-5"
    grid = d.sections[0]._sectPr.find(qn("w:docGrid"))
    assert grid.get(qn("w:linePitch")) == "579"  # 22 lines a page
    masthead = d.paragraphs[0]
    assert masthead.text == "甲市消防救援支队"
    assert str(masthead.runs[0].font.color.rgb) == "FF0000"  # 红头
    footer_xml = d.sections[0].footer._element.xml
    assert "PAGE" in footer_xml and "— " in footer_xml


def test_builders_refuse_what_the_regulation_does_not_allow():
    base = dict(unit_name="甲市消防救援支队", **COMMON, **MATTER)
    with pytest.raises(DomainError, match="1至30日"):
        letters.extension_notice(
            **base, accepted_on=D(2026, 11, 9), reason="复杂", days=31, new_due=D(2027, 2, 8), issued_on=D(2027, 1, 4)
        )
    with pytest.raises(DomainError, match="第三十一条第一至五项"):
        letters.diversion_notice(**base, decided_on=D(2026, 11, 9), art31_item=6, route="出具处理意见书")
    with pytest.raises(DomainError, match="予以支持、解释说明或不予支持"):
        letters.opinion(
            **base,
            accepted_on=D(2026, 11, 9),
            request="r",
            facts="f",
            opinion="o",
            legal_basis="b",
            result="maybe",
            review_unit_name="测试省消防救援总队",
            issued_on=D(2026, 12, 1),
        )
    with pytest.raises(DomainError, match="交办须写明"):
        letters.assign_letter(
            **base,
            to_unit_name="甲市一区大队",
            assigned_on=D(2026, 11, 5),
            result_due=None,  # type: ignore[arg-type]
        )
    with pytest.raises(DomainError, match="延期理由不能为空"):
        letters.extension_notice(
            **base, accepted_on=D(2026, 11, 9), reason=" ", days=10, new_due=D(2027, 1, 18), issued_on=D(2027, 1, 4)
        )


def test_dates_are_arabic_without_leading_zeros():
    assert format_date(D(2026, 1, 8)) == "2026年1月8日"
    assert format_date(D(2026, 11, 28)) == "2026年11月28日"


def test_default_prefix_comes_from_the_unit_name():
    assert unit_abbreviation("江苏省消防救援总队") == "江"
    assert unit_abbreviation("甲市消防救援支队") == "甲"
    assert unit_abbreviation("甲市一区大队") == "甲一"
    assert letters.default_number_prefix("江苏省消防救援总队", "acceptance_notice") == "江消信告"
    assert letters.default_number_prefix("甲市一区大队", "opinion") == "甲一消信意"
