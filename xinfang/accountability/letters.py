"""The accountability documents (seed 五(三)): 约谈通知书, 通报, 责令限期整改通知书, 挂牌督办通知书 — builders that word
each document from plain values and return a `DocumentSpec` for the documents engine (GB/T 9704 layout, stored
immutably with its sha256 by `document_generate`). 追责 goes through the discipline procedures and produces no
notice here.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from xinfang.core.errors import DomainError
from xinfang.documents.spec import DocumentSpec, format_date, heading, paragraph, unit_abbreviation

RULES = "《关于加强信访工作的意见》"


@dataclass(frozen=True)
class ActionDocument:
    code: str
    title: str
    number_suffix: str


# action kind -> the document it produces
ACTION_DOCUMENTS: dict[str, ActionDocument] = {
    "admonition": ActionDocument("admonition_notice", "约谈通知书", "约"),
    "bulletin": ActionDocument("bulletin", "通报", "通"),
    "rectification": ActionDocument("rectification_notice", "责令限期整改通知书", "改"),
    "supervision": ActionDocument("supervision_notice", "挂牌督办通知书", "督"),
}


def number_prefix(issuer_name: str, action_kind: str) -> str:
    """机关代字, e.g. 示消信约 for a 约谈通知书 of 示范省消防救援总队."""
    return f"{unit_abbreviation(issuer_name)}消信{ACTION_DOCUMENTS[action_kind].number_suffix}"


def _sentence(text: str) -> str:
    text = text.strip()
    if not text:
        return text
    return text if text[-1] in "。！？；”）)" else f"{text}。"


def _required(value: str, label: str, field: str) -> str:
    if not value or not value.strip():
        raise DomainError(f"{label}不能为空", code="document_invalid", field=field)
    return value.strip()


def _target(target_unit: str, target_person: str) -> str:
    return f"{target_unit}{target_person}" if target_person else target_unit


def _based_on(records: list[str]) -> list:
    if not records:
        return []
    return [heading("附：相关事项"), *[paragraph(f"{i}. {r}") for i, r in enumerate(records, start=1)]]


def action_document(
    *,
    action_kind: str,
    issuer_name: str,
    target_unit: str,
    target_person: str = "",
    reason: str,
    requirements: str = "",
    deadline: datetime.date | None,
    issued_on: datetime.date,
    records: list[str] | None = None,
    number: str = "",
) -> DocumentSpec:
    """The document of an accountability action of `action_kind` (see ACTION_DOCUMENTS)."""
    if action_kind not in ACTION_DOCUMENTS:
        raise DomainError("该问责方式不生成通知文书", code="document_invalid", field="kind")
    doc = ACTION_DOCUMENTS[action_kind]
    issuer = _required(issuer_name, "下达单位", "issuer_name")
    who = _target(_required(target_unit, "问责单位", "target_unit"), target_person.strip())
    why = _sentence(_required(reason, "事由", "reason"))
    asks = _sentence(requirements) if requirements.strip() else ""
    based = _based_on(records or [])
    if action_kind == "admonition":
        assert deadline is not None
        body = [
            paragraph(f"经查，{why}"),
            paragraph(
                f"根据{RULES}第五条第（三）项规定，经{issuer}信访工作领导小组研究，决定对{who}进行约谈。"
                f"请于{format_date(deadline)}到{issuer}信访工作领导小组办公室接受约谈，"
                "并就存在的问题、原因分析和整改措施作出说明。"
            ),
            *([paragraph(f"整改要求：{asks}")] if asks else []),
            *based,
        ]
        title = doc.title
        addressee = f"{who}："
    elif action_kind == "bulletin":
        body = [
            paragraph(f"经查，{why}"),
            paragraph(
                f"上述问题反映出{target_unit}在信访工作中履职不力。根据{RULES}第五条第（三）项规定，"
                f"经{issuer}信访工作领导小组研究，决定对{who}予以通报。"
            ),
            paragraph(
                "各单位要引以为戒，严格落实信访工作责任，依法依规及时就地解决群众合理诉求。"
                + (f"{target_unit}要{asks}" if asks else "")
            ),
            *(
                [paragraph(f"请{target_unit}于{format_date(deadline)}前将整改情况书面报送{issuer}。")]
                if deadline
                else []
            ),
            *based,
        ]
        title = f"关于{who}信访工作问题的通报"
        addressee = "各支队："
    else:
        assert deadline is not None
        action = "挂牌督办" if action_kind == "supervision" else "责令限期整改"
        body = [
            paragraph(f"经查，{why}"),
            paragraph(f"根据{RULES}第五条第（三）项规定，经{issuer}信访工作领导小组研究，决定对{who}{action}。"),
            *([paragraph(f"整改要求：{asks}")] if asks else []),
            paragraph(
                f"请于{format_date(deadline)}前完成整改，并将整改情况书面报送{issuer}信访工作领导小组办公室。"
                "逾期未整改或整改不到位的，将依规严肃追究相关责任。"
            ),
            *based,
        ]
        title = doc.title
        addressee = f"{who}："
    spec = DocumentSpec(
        kind=doc.code,
        title=title,
        signature=issuer,
        date=issued_on,
        body=body,
        number=number,
        addressee=addressee,
    )
    spec.validate()
    return spec
