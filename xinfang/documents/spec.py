"""What a generated document says, independent of its file format.

A `DocumentSpec` is the frozen snapshot a document is rendered from: the services store it as the
row's `context` (JSON) and both layouts (DOCX and PDF) read only from it. The layout follows
GB/T 9704-2012 《党政机关公文格式》; the measurements shared by both layouts live here.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from xinfang.core.errors import DomainError

# Bump when the layout or the wording of the builders changes; stored on every generated row.
TEMPLATE_VERSION = "gbt9704-2012/1"

# GB/T 9704-2012 5.2.1 and 5.2.2: A4; 天头 37 mm, 订口 28 mm, 版心 156 mm × 225 mm.
PAGE_WIDTH_MM = 210
PAGE_HEIGHT_MM = 297
MARGIN_TOP_MM = 37
MARGIN_BOTTOM_MM = 35
MARGIN_LEFT_MM = 28
MARGIN_RIGHT_MM = 26
# 5.2.4 and 6.4: 22 lines a page, 28 characters a line, 3号 (16 pt) body; 225 mm / 22 = 28.95 pt per line.
BODY_SIZE_PT = 16.0
TITLE_SIZE_PT = 22.0  # 2号
PAGE_NUMBER_SIZE_PT = 14.0  # 4号
COPY_SIZE_PT = 14.0  # 版记: 4号
LINE_PITCH_PT = 28.95
TEXT_WIDTH_PT = (PAGE_WIDTH_MM - MARGIN_LEFT_MM - MARGIN_RIGHT_MM) / 25.4 * 72  # 442.2 pt
# 156 mm / 28 characters: each character advances 15.79 pt, i.e. 16 pt minus 0.21 pt.
CHAR_PITCH_PT = TEXT_WIDTH_PT / 28
MASTHEAD_MAX_PT = 42.0
RED = "FF0000"


class BlockKind:
    PARAGRAPH = "paragraph"  # 正文自然段: 左空二字，回行顶格
    HEADING1 = "heading1"  # 第一层 "一、": 黑体
    HEADING2 = "heading2"  # 第二层 "（一）": 楷体
    LABELED = "labeled"  # "标签：内容"

    ALL = (PARAGRAPH, HEADING1, HEADING2, LABELED)


@dataclass(frozen=True)
class Block:
    kind: str
    text: str
    label: str = ""

    @property
    def display_text(self) -> str:
        return f"{self.label}：{self.text}" if self.kind == BlockKind.LABELED else self.text


def paragraph(text: str) -> Block:
    return Block(BlockKind.PARAGRAPH, text)


def heading(text: str, level: int = 1) -> Block:
    return Block(BlockKind.HEADING1 if level == 1 else BlockKind.HEADING2, text)


def labeled(label: str, text: str) -> Block:
    return Block(BlockKind.LABELED, text, label)


@dataclass(frozen=True)
class DocumentSpec:
    """One document. Rendering is a pure function of these fields."""

    kind: str  # a code, e.g. "acceptance_notice"
    title: str  # 标题, e.g. "受理告知书"
    signature: str  # 发文机关署名: the issuing unit's name
    date: datetime.date  # 成文日期
    body: list[Block] = field(default_factory=list)
    number: str = ""  # 发文字号 (文号); empty: document_generate allocates one
    addressee: str = ""  # 主送, e.g. "张三："
    attachments: list[str] = field(default_factory=list)  # 附件说明
    note: str = ""  # 附注 (e.g. 联系人、联系电话), printed in parentheses under the date
    copy_to: str = ""  # 抄送 (版记)
    masthead: str = ""  # 发文机关标志 (红头); empty: no masthead

    def with_number(self, number: str) -> DocumentSpec:
        return replace(self, number=number)

    @property
    def date_text(self) -> str:
        return format_date(self.date)

    def validate(self) -> None:
        if not self.kind.strip():
            raise DomainError("公文种类不能为空", code="document_invalid", field="kind")
        if not self.title.strip():
            raise DomainError("公文标题不能为空", code="document_invalid", field="title")
        if not self.signature.strip():
            raise DomainError("发文机关署名不能为空", code="document_invalid", field="signature")
        if not isinstance(self.date, datetime.date):
            raise DomainError("成文日期无效", code="document_invalid", field="date")
        for block in self.body:
            if block.kind not in BlockKind.ALL:
                raise DomainError(f"未知的正文段落类型：{block.kind}", code="document_invalid", field="body")


def format_date(day: datetime.date) -> str:
    """GB/T 9704-2012 7.3.5.4: Arabic numerals, the full year, no leading zeros ("2026年1月8日")."""
    return f"{day.year}年{day.month}月{day.day}日"


def format_number(prefix: str, year: int, seq: int) -> str:
    """发文字号: 机关代字 + 〔年份〕 + 序号 (GB/T 9704-2012 7.2.4), e.g. "江消信告〔2026〕3号"."""
    return f"{prefix}〔{year}〕{seq}号"


def spec_to_context(spec: DocumentSpec) -> dict[str, Any]:
    data = asdict(spec)
    data["date"] = spec.date.isoformat()
    return data


def spec_from_context(context: dict[str, Any]) -> DocumentSpec:
    data = dict(context)
    data["date"] = datetime.date.fromisoformat(data["date"])
    data["body"] = [Block(**b) for b in data.get("body", [])]
    data["attachments"] = list(data.get("attachments", []))
    return DocumentSpec(**data)


# --- measurements shared by both layouts -------------------------------------------------------


def text_width_chars(text: str) -> float:
    """Width in body characters: CJK and full-width count 1, ASCII (half-width digits) ½."""
    return sum(0.5 if ord(ch) < 0x2000 else 1.0 for ch in text)


def signature_offsets(signature: str, date_text: str) -> tuple[float, float]:
    """Right indents (in characters) of the 署名 and the 成文日期 line.

    GB/T 9704-2012 7.3.5.1 (sealed documents; the printed letter is stamped by hand): the date is
    placed 4 characters from the right, and the issuing unit's name is centred on the date. If that
    pushes the name closer than 2 characters to the right edge, both move left together.
    """
    date_right = 4.0
    sig_right = date_right + (text_width_chars(date_text) - text_width_chars(signature)) / 2
    if sig_right < 2.0:
        shift = 2.0 - sig_right
        sig_right += shift
        date_right += shift
    return sig_right, date_right


def masthead_size_pt(masthead: str) -> float:
    """发文机关标志: as large as 42 pt, smaller so that the name fits on one line of the 版心."""
    width = max(text_width_chars(masthead), 1.0)
    return min(MASTHEAD_MAX_PT, round(TEXT_WIDTH_PT / width * 0.98 - 0.05, 1))


_PLACE_SEGMENT = re.compile(r"([^省市州盟县区旗]+?)(?:省|自治区|市|州|盟|县|区|旗)")


def unit_abbreviation(unit_name: str) -> str:
    """A default 机关代字 from a unit's name: the first character of each place segment, at most two.

    "江苏省消防救援总队" -> "江", "南京市玄武区大队" -> "南玄". Units with a registered 代字 pass it in.
    """
    segments = []
    rest = unit_name
    for _ in range(2):
        m = _PLACE_SEGMENT.match(rest)
        if not m:
            break
        segments.append(m.group(1)[0])
        rest = rest[m.end() :]
    return "".join(segments) or unit_name[:2]
