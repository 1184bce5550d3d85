"""DOCX layout after GB/T 9704-2012, written with python-docx.

Word cannot fall back from one font to another, so each run names the faces every Chinese Windows
(and the 国产 desktops' compatibility packs) has: 仿宋 for the body, 宋体 (bold) for the title and the
masthead, 黑体 and 楷体 for the first two heading levels. The East Asian name is set in w:eastAsia.
22 lines a page come from a 28.95 pt line grid and exact line spacing, 28 characters a line from
condensed character spacing on the 3号 runs.
"""

from __future__ import annotations

import io
from typing import Any

from docx import Document
from docx.enum.section import WD_SECTION_START
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor
from docx.text.paragraph import Paragraph
from docx.text.run import Run

from xinfang.documents import spec as S
from xinfang.documents.spec import BlockKind, DocumentSpec

# (ASCII name, East Asian name)
FANGSONG = ("FangSong", "仿宋")
SONG = ("SimSun", "宋体")
HEI = ("SimHei", "黑体")
KAI = ("KaiTi", "楷体")

_BLOCK_FONT = {
    BlockKind.PARAGRAPH: FANGSONG,
    BlockKind.HEADING1: HEI,
    BlockKind.HEADING2: KAI,
    BlockKind.LABELED: FANGSONG,
}


def _set_fonts(rpr_owner: Any, face: tuple[str, str]) -> None:
    """Set ascii/hAnsi to the Latin name and eastAsia to the Chinese name on a run or a style."""
    font = rpr_owner.font
    font.name = face[0]
    element = rpr_owner.element
    rpr = element.get_or_add_rPr()
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = OxmlElement("w:rFonts")
        rpr.insert(0, rfonts)
    rfonts.set(qn("w:ascii"), face[0])
    rfonts.set(qn("w:hAnsi"), face[0])
    rfonts.set(qn("w:eastAsia"), face[1])
    rfonts.set(qn("w:cs"), face[0])


def _run(p: Paragraph, text: str, face: tuple[str, str], size: float, *, bold: bool = False, red: bool = False) -> Run:
    run = p.add_run(text)
    _set_fonts(run, face)
    run.font.size = Pt(size)
    run.font.bold = bold
    if size == S.BODY_SIZE_PT:
        _condense(run)
    if red:
        run.font.color.rgb = RGBColor.from_string(S.RED)
    return run


# 156 mm / 28 characters = 15.79 pt a character: 16 pt glyphs condensed by 0.25 pt (w:spacing, in 1/20 pt).
BODY_CHAR_SPACING_TWENTIETHS = round((S.CHAR_PITCH_PT - S.BODY_SIZE_PT - 0.04) * 20)


def _condense(run: Run) -> None:
    rpr = run._r.get_or_add_rPr()
    spacing = OxmlElement("w:spacing")
    spacing.set(qn("w:val"), str(BODY_CHAR_SPACING_TWENTIETHS))
    for successor in ("w:w", "w:kern", "w:position", "w:sz", "w:szCs", "w:highlight", "w:u", "w:lang"):
        following = rpr.find(qn(successor))
        if following is not None:
            following.addprevious(spacing)
            return
    rpr.append(spacing)


def _para(
    doc: Document,  # type: ignore[valid-type]
    *,
    align: WD_ALIGN_PARAGRAPH = WD_ALIGN_PARAGRAPH.JUSTIFY,
    first_line_chars: float = 0,
    left_chars: float = 0,
    right_chars: float = 0,
    exact: bool = True,
    grid: bool = True,
) -> Paragraph:
    p = doc.add_paragraph()  # type: ignore[attr-defined]
    fmt = p.paragraph_format
    fmt.alignment = align
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(0)
    if exact:
        fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        fmt.line_spacing = Pt(S.LINE_PITCH_PT)
    if first_line_chars:
        fmt.first_line_indent = Pt(first_line_chars * S.BODY_SIZE_PT)
        _chars_attr(p, "w:firstLineChars", first_line_chars)
    if left_chars:
        fmt.left_indent = Pt(left_chars * S.BODY_SIZE_PT)
        _chars_attr(p, "w:leftChars", left_chars)
    if right_chars:
        fmt.right_indent = Pt(right_chars * S.BODY_SIZE_PT)
        _chars_attr(p, "w:rightChars", right_chars)
    if not grid:
        _free_of_grid(p)
    return p


def _chars_attr(p: Paragraph, attr: str, chars: float) -> None:
    """Indents in hundredths of a character (w:firstLineChars="200" = 2 characters), as Word writes them."""
    ind = p._p.get_or_add_pPr().get_or_add_ind()
    ind.set(qn(attr), str(round(chars * 100)))


def _border(p: Paragraph, edge: str, size_eighths: int, color: str = "000000") -> None:
    ppr = p._p.get_or_add_pPr()
    borders = ppr.find(qn("w:pBdr"))
    if borders is None:
        borders = OxmlElement("w:pBdr")
        ppr.append(borders)
    line = OxmlElement(f"w:{edge}")
    line.set(qn("w:val"), "single")
    line.set(qn("w:sz"), str(size_eighths))
    line.set(qn("w:space"), "1")
    line.set(qn("w:color"), color)
    borders.append(line)
    _place(ppr, borders, "w:pBdr")


# The order of w:pPr's children that this module writes (ECMA-376 CT_PPrBase), as Word requires it.
_PPR_ORDER = ("w:pStyle", "w:pBdr", "w:shd", "w:tabs", "w:snapToGrid", "w:spacing", "w:ind", "w:jc")


def _place(ppr: Any, element: Any, tag: str) -> None:
    """Move `element` before the first sibling that the schema puts after it."""
    for successor in _PPR_ORDER[_PPR_ORDER.index(tag) + 1 :]:
        following = ppr.find(qn(successor))
        if following is not None:
            following.addprevious(element)
            return
    ppr.append(element)


def _free_of_grid(p: Paragraph) -> None:
    """w:snapToGrid="0": large or centred lines (红头, 标题, 文号, 署名) keep their natural width
    instead of taking whole cells of the 28-character grid."""
    ppr = p._p.get_or_add_pPr()
    snap = OxmlElement("w:snapToGrid")
    snap.set(qn("w:val"), "0")
    _place(ppr, snap, "w:snapToGrid")


def _blank(doc: Document) -> None:  # type: ignore[valid-type]
    p = _para(doc)
    _run(p, "", FANGSONG, S.BODY_SIZE_PT)


def _page_number(p: Paragraph) -> None:
    """ "— 1 —": a PAGE field between two 一字线, 4号宋体 (GB/T 9704-2012 7.5)."""
    _run(p, "— ", SONG, S.PAGE_NUMBER_SIZE_PT)
    for kind, text in (("begin", None), (None, "PAGE"), ("separate", None), (None, "1"), ("end", None)):
        run = _run(p, "", SONG, S.PAGE_NUMBER_SIZE_PT)
        if kind is not None:
            fld = OxmlElement("w:fldChar")
            fld.set(qn("w:fldCharType"), kind)
            run._r.append(fld)
        elif text == "PAGE":
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = " PAGE "
            run._r.append(instr)
        else:
            run.text = text or ""
    _run(p, " —", SONG, S.PAGE_NUMBER_SIZE_PT)


def _setup(doc: Document) -> None:  # type: ignore[valid-type]
    section = doc.sections[0]  # type: ignore[attr-defined]
    section.start_type = WD_SECTION_START.NEW_PAGE
    section.page_width = Mm(S.PAGE_WIDTH_MM)
    section.page_height = Mm(S.PAGE_HEIGHT_MM)
    section.top_margin = Mm(S.MARGIN_TOP_MM)
    section.bottom_margin = Mm(S.MARGIN_BOTTOM_MM)
    section.left_margin = Mm(S.MARGIN_LEFT_MM)
    section.right_margin = Mm(S.MARGIN_RIGHT_MM)
    section.header_distance = Mm(15)
    # The page number's top sits 7 mm below the 版心: 35 - 7 - one 4号 line (≈ 5 mm) from the page's edge.
    section.footer_distance = Mm(S.MARGIN_BOTTOM_MM - 7 - 5)

    normal = doc.styles["Normal"]  # type: ignore[attr-defined]
    _set_fonts(normal, FANGSONG)
    normal.font.size = Pt(S.BODY_SIZE_PT)
    _document_defaults(doc)

    # 22 lines a page: a line grid of 28.95 pt (579 twips). Only lines: a character grid narrower than
    # the font is drawn differently by Word, WPS and LibreOffice; 28 characters a line come instead
    # from each body run's character spacing (see _run).
    sect_pr = section._sectPr
    grid = sect_pr.find(qn("w:docGrid"))
    if grid is None:
        grid = OxmlElement("w:docGrid")
        sect_pr.append(grid)
    for attr in list(grid.attrib):
        del grid.attrib[attr]
    grid.set(qn("w:type"), "lines")
    grid.set(qn("w:linePitch"), str(round(S.LINE_PITCH_PT * 20)))

    # Odd pages: number on the right, one character in; even pages: on the left.
    doc.settings.odd_and_even_pages_header_footer = True  # type: ignore[attr-defined]
    odd = section.footer.paragraphs[0]
    odd.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    odd.paragraph_format.right_indent = Pt(S.PAGE_NUMBER_SIZE_PT)
    _free_of_grid(odd)
    _page_number(odd)
    even = section.even_page_footer.paragraphs[0]
    even.alignment = WD_ALIGN_PARAGRAPH.LEFT
    even.paragraph_format.left_indent = Pt(S.PAGE_NUMBER_SIZE_PT)
    _free_of_grid(even)
    _page_number(even)


def _document_defaults(doc: Document) -> None:  # type: ignore[valid-type]
    """docDefaults: 3号仿宋, Chinese text (zh-CN line-breaking rules), no paragraph spacing."""
    styles = doc.styles.element  # type: ignore[attr-defined]
    rpr = styles.find(f"{qn('w:docDefaults')}/{qn('w:rPrDefault')}/{qn('w:rPr')}")
    if rpr is not None:
        rfonts = rpr.find(qn("w:rFonts"))
        if rfonts is not None:
            for attr in list(rfonts.attrib):
                del rfonts.attrib[attr]
            rfonts.set(qn("w:ascii"), FANGSONG[0])
            rfonts.set(qn("w:hAnsi"), FANGSONG[0])
            rfonts.set(qn("w:eastAsia"), FANGSONG[1])
            rfonts.set(qn("w:cs"), FANGSONG[0])
        for tag in ("w:sz", "w:szCs"):
            size = rpr.find(qn(tag))
            if size is not None:
                size.set(qn("w:val"), str(round(S.BODY_SIZE_PT * 2)))
        lang = rpr.find(qn("w:lang"))
        if lang is not None:
            lang.set(qn("w:eastAsia"), "zh-CN")
    spacing = styles.find(f"{qn('w:docDefaults')}/{qn('w:pPrDefault')}/{qn('w:pPr')}/{qn('w:spacing')}")
    if spacing is not None:
        spacing.set(qn("w:after"), "0")
        spacing.set(qn("w:line"), "240")
        spacing.set(qn("w:lineRule"), "auto")


def _core_properties(doc: Document, spec: DocumentSpec) -> None:  # type: ignore[valid-type]
    props = doc.core_properties  # type: ignore[attr-defined]
    props.title = spec.title
    props.author = spec.signature
    props.subject = spec.number
    props.comments = f"xinfang {S.TEMPLATE_VERSION}"
    props.keywords = spec.kind


def render_docx(spec: DocumentSpec) -> bytes:
    doc = Document()
    _setup(doc)
    _core_properties(doc, spec)

    if spec.masthead:
        # 版头 (7.2): 发文机关标志 in red, 发文字号 two lines below, a red line 4 mm under it.
        p = _para(doc, align=WD_ALIGN_PARAGRAPH.CENTER, exact=False, grid=False)
        _run(p, spec.masthead, SONG, S.masthead_size_pt(spec.masthead), bold=True, red=True)
        _blank(doc)
        _blank(doc)
        p = _para(doc, align=WD_ALIGN_PARAGRAPH.CENTER, grid=False)
        _run(p, spec.number, FANGSONG, S.BODY_SIZE_PT)
        p.paragraph_format.space_after = Mm(4)
        _border(p, "bottom", 12, S.RED)
        _blank(doc)
        _blank(doc)

    # 标题 (7.3.1): 2号, centred, one or more lines.
    for line in spec.title.split("\n"):
        p = _para(doc, align=WD_ALIGN_PARAGRAPH.CENTER, grid=False)
        _run(p, line, SONG, S.TITLE_SIZE_PT, bold=True)
    if spec.number and not spec.masthead:
        p = _para(doc, align=WD_ALIGN_PARAGRAPH.CENTER, grid=False)
        _run(p, spec.number, FANGSONG, S.BODY_SIZE_PT)
    _blank(doc)

    # 主送机关 (7.3.2): flush left, ending in a full-width colon.
    if spec.addressee:
        p = _para(doc)
        _run(p, spec.addressee, FANGSONG, S.BODY_SIZE_PT)

    # 正文 (7.3.3): each paragraph indented two characters; headings 一、 in 黑体, （一） in 楷体.
    for block in spec.body:
        face = _BLOCK_FONT[block.kind]
        for line in block.display_text.split("\n"):
            p = _para(doc, first_line_chars=2)
            _run(p, line, face, S.BODY_SIZE_PT)

    # 附件说明 (7.3.4): one blank line, two characters in; further names aligned under the first.
    if spec.attachments:
        _blank(doc)
        names = (
            list(spec.attachments)
            if len(spec.attachments) == 1
            else [f"{i}.{n}" for i, n in enumerate(spec.attachments, start=1)]
        )
        for i, name in enumerate(names):
            p = _para(doc, left_chars=2 if i == 0 else 5)
            _run(p, f"附件：{name}" if i == 0 else name, FANGSONG, S.BODY_SIZE_PT)

    # 署名 and 成文日期 (7.3.5): room for the seal, the date 4 characters from the right, the name centred on it.
    _blank(doc)
    _blank(doc)
    sig_right, date_right = S.signature_offsets(spec.signature, spec.date_text)
    p = _para(doc, align=WD_ALIGN_PARAGRAPH.RIGHT, right_chars=sig_right, grid=False)
    _run(p, spec.signature, FANGSONG, S.BODY_SIZE_PT)
    p = _para(doc, align=WD_ALIGN_PARAGRAPH.RIGHT, right_chars=date_right, grid=False)
    _run(p, spec.date_text, FANGSONG, S.BODY_SIZE_PT)

    # 附注 (7.3.6): under the date, two characters in, in parentheses.
    if spec.note:
        p = _para(doc, first_line_chars=2)
        _run(p, f"（{spec.note}）", FANGSONG, S.BODY_SIZE_PT)

    # 版记 (7.4): 抄送 and 印发机关/印发日期 between rules, 4号, one character in from each side.
    if spec.copy_to:
        _blank(doc)
        p = _para(doc, left_chars=1, right_chars=1, grid=False)
        _run(p, f"抄送：{spec.copy_to}。", FANGSONG, S.COPY_SIZE_PT)
        _border(p, "top", 8)
        _border(p, "bottom", 6)
        p = _para(doc, left_chars=1, right_chars=1, grid=False)
        width = S.TEXT_WIDTH_PT - 2 * S.BODY_SIZE_PT
        p.paragraph_format.tab_stops.add_tab_stop(Pt(width), WD_TAB_ALIGNMENT.RIGHT)
        _run(p, f"{spec.signature}\t{spec.date_text}印发", FANGSONG, S.COPY_SIZE_PT)
        _border(p, "bottom", 8)

    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
