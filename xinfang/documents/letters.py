"""The case documents: builders that word each notice, letter and opinion and return a `DocumentSpec`.

They take plain values (names, dates, numbers), never model instances, so the cases app can call
them with whatever it holds. Article numbers are those of 《信访工作条例》 (2022). Every document is
issued in the unit's name (发文机关署名) and carries a 文号: pass `number` (one of the `Issuing` details every
builder takes), or leave it empty and `document_generate` allocates the next one for the unit (prefix:
`default_number_prefix`).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import TypedDict, Unpack

from xinfang.core.errors import DomainError
from xinfang.documents.spec import Block, DocumentSpec, format_date, heading, labeled, paragraph, unit_abbreviation

REGULATION = "《信访工作条例》"


@dataclass(frozen=True)
class DocumentKind:
    code: str
    title: str
    number_suffix: str  # the last character(s) of the 机关代字, e.g. 告 in 甲消信告〔2026〕3号


_KINDS = [
    DocumentKind("acceptance_notice", "信访事项受理告知书", "告"),
    DocumentKind("decline_notice", "信访事项不予受理告知书", "告"),
    DocumentKind("diversion_notice", "信访事项导出告知书", "告"),
    DocumentKind("forward_letter", "信访事项转送函", "转"),
    DocumentKind("assign_letter", "信访事项交办函", "交"),
    DocumentKind("extension_notice", "信访事项延期办理告知书", "告"),
    DocumentKind("opinion", "信访处理意见书", "意"),
    DocumentKind("review_opinion", "信访事项复查意见书", "复"),
    DocumentKind("rereview_opinion", "信访事项复核意见书", "核"),
]
DOCUMENT_KINDS: dict[str, DocumentKind] = {k.code: k for k in _KINDS}


class Issuing(TypedDict, total=False):
    """How a document is issued, the same for every builder (each optional, empty by default; see DocumentSpec)."""

    number: str  # 文号; empty: document_generate allocates the next one for the unit
    note: str  # 附注
    masthead: str  # 发文机关标志 (红头)
    copy_to: str  # 抄送


# Art 32 (1): the three outcomes of a 信访处理意见书.
RESULTS: dict[str, str] = {"support": "予以支持", "explain": "解释说明", "reject": "不予支持"}
_RESULT_SENTENCES = {
    "support": (
        "你的请求事实清楚，符合法律、法规、规章或者其他有关规定，根据{reg}第三十二条第一款第一项规定，"
        "对你的请求予以支持。本机关将督促有关机关、单位执行。"
    ),
    "explain": "你的请求事由合理但缺乏法律依据，根据{reg}第三十二条第一款第二项规定，对你的请求作出上述解释说明。",
    "reject": (
        "你的请求缺乏事实根据或者不符合法律、法规、规章或者其他有关规定，根据{reg}第三十二条第一款第三项规定，"
        "对你的请求不予支持。"
    ),
}
# What a 复查/复核 does with the opinion below it.
DISPOSITIONS: dict[str, str] = {"uphold": "维持", "change": "变更", "revoke": "撤销"}

# Art 31 items 一–五: requests that leave the petition procedure for their own legal route (导出).
ART31_ITEMS: dict[int, tuple[str, str]] = {
    1: (
        "应当通过审判机关诉讼程序或者复议程序、检察机关刑事立案程序或者法律监督程序、公安机关法律程序处理的",
        "按照法律法规规定的程序处理",
    ),
    2: ("应当通过仲裁解决的", "导入仲裁程序处理"),
    3: ("可以通过党员申诉、申请复审等解决的", "导入相应程序处理"),
    4: ("可以通过行政复议、行政裁决、行政确认、行政许可、行政处罚等行政程序解决的", "导入相应行政程序处理"),
    5: ("属于申请查处违法行为、履行保护人身权或者财产权等合法权益职责的", "由有权机关依法履行职责或者予以答复"),
}
_CN_NUMBERS = {1: "一", 2: "二", 3: "三", 4: "四", 5: "五", 6: "六"}


def default_number_prefix(unit_name: str, kind: str) -> str:
    """机关代字 for a kind: the unit's abbreviation + 消信 + the kind's character, e.g. 甲消信告."""
    suffix = DOCUMENT_KINDS[kind].number_suffix if kind in DOCUMENT_KINDS else ""
    return f"{unit_abbreviation(unit_name)}消信{suffix}"


# --- shared wording -----------------------------------------------------------------------------


def _you(collective: bool) -> str:
    return "你们" if collective else "你"


def _addressee(name: str) -> str:
    name = name.strip().rstrip("：:")
    if not name:
        raise DomainError("主送（信访人或单位）不能为空", code="document_invalid", field="addressee")
    return f"{name}："


def _sentence(text: str) -> str:
    """A user-written fragment as one sentence: trimmed, ending in a full stop."""
    text = text.strip()
    if not text:
        return text
    return text if text[-1] in "。！？；”）)" else f"{text}。"


def _clause(text: str) -> str:
    """A user-written fragment used inside a sentence: trimmed, no closing full stop."""
    return text.strip().rstrip("。；;，,")


def _required(value: str, label: str, field: str) -> str:
    if not value or not value.strip():
        raise DomainError(f"{label}不能为空", code="document_invalid", field=field)
    return value.strip()


def _matter(
    *, you: str, received_on: datetime.date, channel: str, matter: str, case_number: str, verb: str = "提出"
) -> str:
    """ "你于2026年11月1日通过来信提出的“……”信访事项（信访事项编号：……）"."""
    via = f"通过{channel.strip()}" if channel.strip() else ""
    return f"{you}于{format_date(received_on)}{via}{verb}的“{_clause(matter)}”信访事项（信访事项编号：{case_number}）"


def _spec(
    kind: str,
    *,
    unit_name: str,
    addressee: str,
    body: list[Block],
    issued_on: datetime.date,
    issuing: Issuing,
    attachments: list[str] | None = None,
) -> DocumentSpec:
    spec = DocumentSpec(
        kind=kind,
        title=DOCUMENT_KINDS[kind].title,
        signature=_required(unit_name, "发文单位", "unit_name"),
        date=issued_on,
        body=body,
        addressee=addressee,
        attachments=list(attachments or []),
        **issuing,  # any other key (e.g. a misspelt one) is refused here with a TypeError
    )
    spec.validate()
    return spec


def _result_blocks(result: str) -> list[Block]:
    if result not in RESULTS:
        raise DomainError("处理结果只能是予以支持、解释说明或不予支持", code="document_invalid", field="result")
    return [paragraph("综上，" + _RESULT_SENTENCES[result].format(reg=REGULATION))]


# --- the builders -------------------------------------------------------------------------------


def acceptance_notice(
    *,
    unit_name: str,
    petitioner: str,
    received_on: datetime.date,
    matter: str,
    case_number: str,
    accepted_on: datetime.date,
    due_on: datetime.date | None = None,
    channel: str = "",
    collective: bool = False,
    issued_on: datetime.date | None = None,
    **issuing: Unpack[Issuing],
) -> DocumentSpec:
    """受理告知书 (Art 23): accepted; with `due_on`, the 60-day limit of Art 34 and the extension rule."""
    you = _you(collective)
    body = [
        paragraph(
            _matter(you=you, received_on=received_on, channel=channel, matter=matter, case_number=case_number)
            + f"收悉。经审查，该事项属于本机关职权范围，根据{REGULATION}第二十三条规定，"
            f"本机关已于{format_date(accepted_on)}予以受理。"
        )
    ]
    if due_on is not None:
        body.append(
            paragraph(
                f"根据{REGULATION}第三十四条规定，本机关将自受理之日起60日内办结，办理期限至{format_date(due_on)}；"
                f"情况复杂的，经本机关负责人批准，可以适当延长办理期限，但延长期限不得超过30日，"
                f"并将告知{you}延期理由。"
            )
        )
    else:
        body.append(paragraph(f"本机关将依照有关法律法规和政策规定办理，并将办理结果告知{you}。"))
    body.append(paragraph("特此告知。"))
    return _spec(
        "acceptance_notice",
        unit_name=unit_name,
        addressee=_addressee(petitioner),
        body=body,
        issued_on=issued_on or accepted_on,
        issuing=issuing,
    )


def decline_notice(
    *,
    unit_name: str,
    petitioner: str,
    received_on: datetime.date,
    matter: str,
    case_number: str,
    decided_on: datetime.date,
    reason: str,
    legal_basis: str = "",
    competent_authority: str = "",
    channel: str = "",
    collective: bool = False,
    issued_on: datetime.date | None = None,
    **issuing: Unpack[Issuing],
) -> DocumentSpec:
    """不予受理告知书: the reason, its basis, and (Art 23) where the request belongs, when known."""
    you = _you(collective)
    reason = _required(reason, "不予受理的理由", "reason")
    body = [
        paragraph(
            _matter(you=you, received_on=received_on, channel=channel, matter=matter, case_number=case_number)
            + f"收悉。经审查，本机关于{format_date(decided_on)}决定不予受理，理由如下："
        ),
        paragraph(_sentence(reason)),
    ]
    if legal_basis.strip():
        body.append(paragraph(f"本决定的依据是{_clause(legal_basis)}。"))
    if competent_authority.strip():
        body.append(
            paragraph(f"根据{REGULATION}第二十三条规定，{you}反映的事项请向{_clause(competent_authority)}提出。")
        )
    body.append(paragraph("特此告知。"))
    return _spec(
        "decline_notice",
        unit_name=unit_name,
        addressee=_addressee(petitioner),
        body=body,
        issued_on=issued_on or decided_on,
        issuing=issuing,
    )


def diversion_notice(
    *,
    unit_name: str,
    petitioner: str,
    received_on: datetime.date,
    matter: str,
    case_number: str,
    decided_on: datetime.date,
    art31_item: int,
    route: str,
    destination: str = "",
    channel: str = "",
    collective: bool = False,
    issued_on: datetime.date | None = None,
    **issuing: Unpack[Issuing],
) -> DocumentSpec:
    """导出告知书 (Art 31 items 一–五): names the legal route (`route`, e.g. "依法向人民法院提起行政诉讼")
    and where to go (`destination`, e.g. the court or the 复议机关)."""
    if art31_item not in ART31_ITEMS:
        raise DomainError(
            "导出只适用于《信访工作条例》第三十一条第一至五项", code="document_invalid", field="art31_item"
        )
    route = _required(route, "法定途径", "route")
    you = _you(collective)
    situation, outcome = ART31_ITEMS[art31_item]
    go = f"请{you}{_clause(route)}"
    if destination.strip():
        go += f"，受理机关：{_clause(destination)}"
    body = [
        paragraph(
            _matter(you=you, received_on=received_on, channel=channel, matter=matter, case_number=case_number)
            + "收悉。"
        ),
        paragraph(
            f"经审查，{you}反映的事项属于{REGULATION}第三十一条第{_CN_NUMBERS[art31_item]}项规定的"
            f"“{situation}”情形，依法应当{outcome}，本机关不再按照信访程序办理。"
        ),
        paragraph(f"{go}。"),
        paragraph(f"请{you}注意有关法律法规规定的申请、起诉等期限，以免影响{you}的合法权益。"),
        paragraph("特此告知。"),
    ]
    return _spec(
        "diversion_notice",
        unit_name=unit_name,
        addressee=_addressee(petitioner),
        body=body,
        issued_on=issued_on or decided_on,
        issuing=issuing,
    )


def _transfer_letter(
    kind: str,
    *,
    unit_name: str,
    to_unit_name: str,
    petitioner: str,
    received_on: datetime.date,
    matter: str,
    case_number: str,
    sent_on: datetime.date,
    result_due: datetime.date | None,
    channel: str,
    confidential: bool,
    attachments: list[str] | None,
    issued_on: datetime.date | None,
    issuing: Issuing,
) -> DocumentSpec:
    verb = "交办" if kind == "assign_letter" else "转送"
    action = "依法依规办理" if kind == "assign_letter" else "依法依规处理"
    via = f"通过{channel.strip()}" if channel.strip() else ""
    body = [
        paragraph(
            f"现将{_required(petitioner, '信访人', 'petitioner')}于{format_date(received_on)}{via}反映的"
            f"“{_clause(matter)}”信访事项（信访事项编号：{case_number}）{verb}你单位，请{action}。"
        ),
        paragraph(
            f"根据{REGULATION}第二十三条规定，该事项属于你单位职权范围的，请自收到之日起15日内书面告知信访人"
            f"接收情况以及处理途径和程序；不属于你单位职权范围的，请自收到之日起5个工作日内提出异议，"
            f"并详细说明理由，经本机关核实同意后，交还相关材料。"
        ),
    ]
    if kind == "assign_letter":
        if result_due is None:
            raise DomainError("交办须写明报送办理结果的期限", code="document_invalid", field="result_due")
        body.append(paragraph(f"请于{format_date(result_due)}前将办理结果书面报送本机关，并提交办结报告。"))
    if confidential:
        body.append(
            paragraph(
                f"该事项属检举控告类信访事项，请严格执行{REGULATION}第三十条规定，不得将信访人的检举、揭发材料"
                f"以及有关情况透露或者转给被检举、揭发的人员或者单位。"
            )
        )
    return _spec(
        kind,
        unit_name=unit_name,
        addressee=_addressee(to_unit_name),
        body=body,
        issued_on=issued_on or sent_on,
        issuing=issuing,
        attachments=["信访材料"] if attachments is None else attachments,
    )


def forward_letter(
    *,
    unit_name: str,
    to_unit_name: str,
    petitioner: str,
    received_on: datetime.date,
    matter: str,
    case_number: str,
    forwarded_on: datetime.date,
    channel: str = "",
    confidential: bool = False,
    attachments: list[str] | None = None,
    issued_on: datetime.date | None = None,
    **issuing: Unpack[Issuing],
) -> DocumentSpec:
    """转送函 to the competent unit (Art 23: 15 days to tell the petitioner; 5 working days to object)."""
    return _transfer_letter(
        "forward_letter",
        unit_name=unit_name,
        to_unit_name=to_unit_name,
        petitioner=petitioner,
        received_on=received_on,
        matter=matter,
        case_number=case_number,
        sent_on=forwarded_on,
        result_due=None,
        channel=channel,
        confidential=confidential,
        attachments=attachments,
        issued_on=issued_on,
        issuing=issuing,
    )


def assign_letter(
    *,
    unit_name: str,
    to_unit_name: str,
    petitioner: str,
    received_on: datetime.date,
    matter: str,
    case_number: str,
    assigned_on: datetime.date,
    result_due: datetime.date,
    channel: str = "",
    confidential: bool = False,
    attachments: list[str] | None = None,
    issued_on: datetime.date | None = None,
    **issuing: Unpack[Issuing],
) -> DocumentSpec:
    """交办函 down the tree, with the deadline for reporting the result (办结报告)."""
    return _transfer_letter(
        "assign_letter",
        unit_name=unit_name,
        to_unit_name=to_unit_name,
        petitioner=petitioner,
        received_on=received_on,
        matter=matter,
        case_number=case_number,
        sent_on=assigned_on,
        result_due=result_due,
        channel=channel,
        confidential=confidential,
        attachments=attachments,
        issued_on=issued_on,
        issuing=issuing,
    )


def extension_notice(
    *,
    unit_name: str,
    petitioner: str,
    received_on: datetime.date,
    matter: str,
    case_number: str,
    accepted_on: datetime.date,
    reason: str,
    days: int,
    new_due: datetime.date,
    channel: str = "",
    collective: bool = False,
    issued_on: datetime.date,
    **issuing: Unpack[Issuing],
) -> DocumentSpec:
    """延期告知书 (Art 34): the reason, the days (at most 30 in all: checked by the cases app), the new deadline."""
    if not 1 <= days <= 30:
        raise DomainError("延长期限应为1至30日", code="document_invalid", field="days")
    reason = _required(reason, "延期理由", "reason")
    you = _you(collective)
    body = [
        paragraph(
            _matter(you=you, received_on=received_on, channel=channel, matter=matter, case_number=case_number)
            + f"，本机关已于{format_date(accepted_on)}受理。"
        ),
        paragraph(
            f"因{_clause(reason)}，根据{REGULATION}第三十四条规定，经本机关负责人批准，该事项办理期限延长{days}日，"
            f"延长后的办理期限至{format_date(new_due)}。"
        ),
        paragraph("特此告知。"),
    ]
    return _spec(
        "extension_notice",
        unit_name=unit_name,
        addressee=_addressee(petitioner),
        body=body,
        issued_on=issued_on,
        issuing=issuing,
    )


def _findings(
    *, request_title: str, request: str, facts_title: str, facts: str, opinion_title: str, opinion: str
) -> list[Block]:
    return [
        heading(f"一、{request_title}"),
        paragraph(_sentence(_required(request, "信访请求", "request"))),
        heading(f"二、{facts_title}"),
        paragraph(_sentence(_required(facts, "事实和理由", "facts"))),
        heading(f"三、{opinion_title}"),
        paragraph(_sentence(_required(opinion, "处理意见", "opinion"))),
    ]


def _basis(legal_basis: str) -> Block:
    return labeled("法律法规依据", _sentence(_required(legal_basis, "法律法规依据", "legal_basis")))


def opinion(
    *,
    unit_name: str,
    petitioner: str,
    received_on: datetime.date,
    matter: str,
    case_number: str,
    accepted_on: datetime.date,
    request: str,
    facts: str,
    opinion: str,
    legal_basis: str,
    result: str,
    review_unit_name: str,
    issued_on: datetime.date,
    hearing_held: bool = False,
    channel: str = "",
    collective: bool = False,
    **issuing: Unpack[Issuing],
) -> DocumentSpec:
    """信访处理意见书 (Art 31 item 六, Art 32): request; facts and reasons; the opinion with its legal basis and
    result (`support` 予以支持 / `explain` 解释说明 / `reject` 不予支持); the right to 复查 within 30 days at
    `review_unit_name`, the unit one level up (Art 35)."""
    you = _you(collective)
    heard = "，并举行了听证" if hearing_held else ""
    body = [
        paragraph(
            _matter(you=you, received_on=received_on, channel=channel, matter=matter, case_number=case_number)
            + f"，本机关已于{format_date(accepted_on)}依法受理。经听取{you}陈述事实和理由、调查核实{heard}，"
            f"根据{REGULATION}第三十一条第六项、第三十二条规定，现出具处理意见如下："
        ),
        *_findings(
            request_title="信访请求",
            request=request,
            facts_title="事实和理由",
            facts=facts,
            opinion_title="处理意见及依据",
            opinion=opinion,
        ),
        _basis(legal_basis),
        *_result_blocks(result),
        heading("四、复查权利告知"),
        paragraph(
            f"根据{REGULATION}第三十五条规定，{you}如对本处理意见不服，可以自收到本意见书之日起30日内，"
            f"向本机关的上一级机关{_clause(_required(review_unit_name, '复查机关', 'review_unit_name'))}请求复查。"
        ),
    ]
    return _spec(
        "opinion",
        unit_name=unit_name,
        addressee=_addressee(petitioner),
        body=body,
        issued_on=issued_on,
        issuing=issuing,
    )


def _disposition_block(disposition: str, unit_name: str, what: str) -> list[Block]:
    if not disposition:
        return []
    if disposition not in DISPOSITIONS:
        raise DomainError("对原意见的处理只能是维持、变更或撤销", code="document_invalid", field="disposition")
    return [paragraph(f"本机关决定{DISPOSITIONS[disposition]}{_clause(unit_name)}作出的{what}。")]


def review_opinion(
    *,
    unit_name: str,
    petitioner: str,
    case_number: str,
    original_unit_name: str,
    original_number: str,
    requested_on: datetime.date,
    request: str,
    facts: str,
    opinion: str,
    legal_basis: str,
    result: str,
    rereview_unit_name: str,
    issued_on: datetime.date,
    disposition: str = "",
    collective: bool = False,
    **issuing: Unpack[Issuing],
) -> DocumentSpec:
    """复查意见书 (Art 35), with the right to 复核 within 30 days at `rereview_unit_name`, one level up (Art 36).

    `disposition`: "uphold" 维持 / "change" 变更 / "revoke" 撤销 the original 信访处理意见 (optional)."""
    you = _you(collective)
    original = f"《信访处理意见书》（{original_number}）" if original_number.strip() else "信访处理意见"
    body = [
        paragraph(
            f"{you}不服{_clause(original_unit_name)}作出的{original}，于{format_date(requested_on)}向本机关请求复查"
            f"（信访事项编号：{case_number}）。根据{REGULATION}第三十五条规定，本机关依法进行了复查，现提出复查意见如下："
        ),
        *_findings(
            request_title="复查请求",
            request=request,
            facts_title="复查认定的事实和理由",
            facts=facts,
            opinion_title="复查意见及依据",
            opinion=opinion,
        ),
        _basis(legal_basis),
        *_disposition_block(disposition, original_unit_name, "信访处理意见"),
        *_result_blocks(result),
        heading("四、复核权利告知"),
        paragraph(
            f"根据{REGULATION}第三十六条规定，{you}如对本复查意见不服，可以自收到本意见书之日起30日内，"
            f"向本机关的上一级机关{_clause(_required(rereview_unit_name, '复核机关', 'rereview_unit_name'))}请求复核。"
        ),
    ]
    return _spec(
        "review_opinion",
        unit_name=unit_name,
        addressee=_addressee(petitioner),
        body=body,
        issued_on=issued_on,
        issuing=issuing,
    )


def rereview_opinion(
    *,
    unit_name: str,
    petitioner: str,
    case_number: str,
    review_unit_name: str,
    review_number: str,
    requested_on: datetime.date,
    request: str,
    facts: str,
    opinion: str,
    legal_basis: str,
    result: str,
    issued_on: datetime.date,
    disposition: str = "",
    hearing_held: bool = False,
    collective: bool = False,
    **issuing: Unpack[Issuing],
) -> DocumentSpec:
    """复核意见书 (Art 36): final — the same facts and reasons are not accepted again (Art 36 (3))."""
    you = _you(collective)
    reviewed = f"复查意见（{review_number}）" if review_number.strip() else "复查意见"
    heard = "，并依照第三十一条第六项规定举行了听证" if hearing_held else ""
    body = [
        paragraph(
            f"{you}不服{_clause(review_unit_name)}作出的{reviewed}，于{format_date(requested_on)}向本机关请求复核"
            f"（信访事项编号：{case_number}）。根据{REGULATION}第三十六条规定，本机关依法进行了复核{heard}，"
            f"现提出复核意见如下："
        ),
        *_findings(
            request_title="复核请求",
            request=request,
            facts_title="复核认定的事实和理由",
            facts=facts,
            opinion_title="复核意见及依据",
            opinion=opinion,
        ),
        _basis(legal_basis),
        *_disposition_block(disposition, review_unit_name, "复查意见"),
        *_result_blocks(result),
        heading("四、告知事项"),
        paragraph(
            f"本复核意见为该信访事项的最终处理意见。根据{REGULATION}第三十六条第三款规定，{you}对本复核意见不服，"
            f"仍然以同一事实和理由提出投诉请求的，各级党委和政府信访部门和其他机关、单位不再受理。"
        ),
    ]
    return _spec(
        "rereview_opinion",
        unit_name=unit_name,
        addressee=_addressee(petitioner),
        body=body,
        issued_on=issued_on,
        issuing=issuing,
    )
