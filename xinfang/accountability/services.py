"""Every write of the accountability app (seed 五, R5.1–R5.4). Keyword-only, actor first, atomic, the changed row
locked, audited in the same transaction; a refusal raises DomainError with a Chinese message and changes nothing.

    scheme_create             a new version of the year's scoring scheme (accountability.assess at the 总队, or
                              core.settings.manage)
    adjustment_create         a manual score adjustment with its reason, by the level above the assessed unit
    review_check_record       the six-standard check of a 复查/复核 case; any failed standard opens a 倒查
    lookback_propose          the 倒查's responsible persons, findings and proposed handling (the department)
    lookback_decide           the decision (the leading group)
    action_issue              约谈/通报/挂牌督办/责令限期整改/追责 by the 总队 leading group, with its notice document
    rectification_report      the unit's rectification report
    action_close              closure by the issuing 总队
    recommendation_create / recommendation_respond / annual_report_generate   (条例 Art 41)
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max

from xinfang.accountability.letters import ACTION_DOCUMENTS, action_document, number_prefix
from xinfang.accountability.models import (
    ASSESS_PERM,
    CHECK_PERM,
    DEADLINE_KINDS,
    GUIDE_PERM,
    ISSUE_PERM,
    RECTIFY_PERM,
    REPORT_REQUIRED_KINDS,
    SETTINGS_PERM,
    AccountabilityAction,
    ActionKind,
    ActionStatus,
    AnnualReport,
    AssessmentScheme,
    Lookback,
    LookbackStatus,
    Recommendation,
    RecommendationStatus,
    Rectification,
    ReviewCheck,
    ReviewCheckItem,
    ScoreAdjustment,
    Standard,
)
from xinfang.accountability.scoring import validate_scheme
from xinfang.cases.models import Case, Kind, Opinion
from xinfang.core.audit import audit_record
from xinfang.core.errors import DomainError
from xinfang.core.scope import has_perm, user_grants
from xinfang.incidents.inputs import clean_decimal, clean_text, required_date, today
from xinfang.incidents.models import Incident
from xinfang.orgs.models import Level, Unit, User

ASSESSED_LEVELS = (Level.DETACHMENT, Level.BRIGADE)
MIN_YEAR, MAX_YEAR = 2000, 2100


def _year(value: Any) -> int:
    try:
        year = int(value)
    except (TypeError, ValueError):
        raise DomainError("年度无效。", code="invalid_year", field="year") from None
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise DomainError("年度无效。", code="invalid_year", field="year")
    return year


def _roots() -> list[Unit]:
    return list(Unit.objects.filter(parent__isnull=True, is_active=True))


def can_edit_schemes(actor: Any) -> bool:
    """The scheme is the corps' rule: accountability.assess or core.settings.manage held at the top unit."""
    return any(has_perm(actor, p, root) for root in _roots() for p in (ASSESS_PERM, SETTINGS_PERM))


def corps_issuer(actor: Any, target: Unit) -> Unit | None:
    """The 总队 through which the actor may issue actions about `target`: a corps-level unit at or above it where he
    holds accountability.action.issue (the 总队 leading group)."""
    ids = [g.unit_id for g in user_grants(actor) if ISSUE_PERM in g.perms and target.path.startswith(g.unit_path)]
    if not ids:
        return None
    return Unit.objects.filter(pk__in=ids, level=Level.CORPS, is_active=True).order_by("path").first()


# ---------------------------------------------------------------------------------------------------
# Scheme and adjustments (R5.1)


@transaction.atomic
def scheme_create(
    *, actor: Any, year: Any, data: Any, name: str = "", note: str = "", request: Any = None
) -> AssessmentScheme:
    """A new version of the year's scheme. Earlier versions stay as they were (and earlier years are untouched)."""
    if not can_edit_schemes(actor):
        raise DomainError("您无权维护考核评分方案。", code="forbidden")
    year = _year(year)
    clean = validate_scheme(data)
    # Serialize versions of one year: lock the year's existing rows.
    last = AssessmentScheme.objects.select_for_update().filter(year=year).aggregate(m=Max("version"))["m"] or 0
    scheme = AssessmentScheme.objects.create(
        year=year,
        version=last + 1,
        name=clean_text(name or f"{year}年度信访工作考核评分方案", "方案名称", "name", max_length=100),
        data=clean,
        note=clean_text(note, "修订说明", "note", required=last > 0, max_length=2000),
        created_by=actor,
    )
    audit_record(
        actor=actor, action="accountability.scheme.created", target=scheme,
        after={"year": year, "version": scheme.version, "data": clean}, request=request,
    )  # fmt: skip
    return scheme


@transaction.atomic
def adjustment_create(
    *, actor: Any, year: Any, unit: Unit, points: Any, reason: str, request: Any = None
) -> ScoreAdjustment:
    """A manual adjustment (加分/减分) with its reason, made by the level above the unit (一级考核一级)."""
    year = _year(year)
    unit = Unit.objects.select_related("parent").get(pk=unit.pk)
    if unit.level not in ASSESSED_LEVELS:
        raise DomainError("只能调整支队、大队的考核得分。", code="not_assessed", field="unit")
    if unit.parent is None or not has_perm(actor, ASSESS_PERM, unit.parent):
        raise DomainError("考核分值只能由上一级单位调整。", code="forbidden")
    value = clean_decimal(points, "调整分值", "points")
    if value == 0:
        raise DomainError("调整分值不能为0。", code="invalid_number", field="points")
    if abs(value) > 100:
        raise DomainError("单次调整不能超过100分。", code="invalid_number", field="points")
    adjustment = ScoreAdjustment.objects.create(
        year=year,
        unit=unit,
        points=value,
        reason=clean_text(reason, "调整理由", "reason", max_length=2000),
        created_by=actor,
    )
    audit_record(
        actor=actor, action="accountability.adjustment.created", target=adjustment, unit=unit,
        after={"year": year, "unit": unit.pk, "points": str(value), "reason": adjustment.reason}, request=request,
    )  # fmt: skip
    return adjustment


# ---------------------------------------------------------------------------------------------------
# Review check and lookback (R5.2)


def _results(results: Any) -> list[tuple[str, bool, str]]:
    """[(standard, passed, note)] for exactly the six standards; a failed standard needs a note."""
    if isinstance(results, Mapping):
        rows = [{"standard": k, **(v if isinstance(v, Mapping) else {"passed": v})} for k, v in results.items()]
    else:
        rows = list(results or [])
    seen: dict[str, tuple[str, bool, str]] = {}
    for i, row in enumerate(rows):
        if not isinstance(row, Mapping):
            raise DomainError("核查结果格式不正确。", code="invalid_results", field="results")
        standard = str(row.get("standard") or "")
        if standard not in Standard.values:
            raise DomainError(
                f"未知的核查标准：{standard or '（空）'}。", code="invalid_standard", field=f"results[{i}]"
            )
        if standard in seen:
            raise DomainError(f"“{Standard(standard).label}”重复。", code="duplicate_standard", field=f"results[{i}]")
        passed = row.get("passed")
        if not isinstance(passed, bool):
            raise DomainError(
                f"请判定“{Standard(standard).label}”是否达标。", code="required", field=f"results[{i}].passed"
            )
        note = clean_text(row.get("note"), "说明", f"results[{i}].note", required=not passed, max_length=2000)
        seen[standard] = (standard, passed, note)
    missing = [Standard(s).label for s in Standard.values if s not in seen]
    if missing:
        raise DomainError(
            f"六项标准应逐项核查，缺少：{'、'.join(missing)}。", code="standards_missing", field="results"
        )
    return [seen[s] for s in Standard.values]


def _handled_by(case: Case) -> set[int]:
    """The people who handled the case under review (承办、首办、拟稿、审批)."""
    people = {case.handler_id, case.first_officer_id}
    opinion = Opinion.objects.filter(case=case).first()
    if opinion is not None:
        people |= {opinion.drafted_by_id, opinion.approved_by_id}
    return {p for p in people if p}


@transaction.atomic
def review_check_record(
    *,
    actor: Any,
    case: Case,
    results: Any,
    checked_on: Any = None,
    note: str = "",
    request: Any = None,
) -> ReviewCheck:
    """Check a 复查/复核 case against the six standards (seed 五(二)): 事实清楚、依据充分、定性准确、处理恰当、
    程序规范、手续完备 — of the handling under review (the parent case). Any failed standard opens a 倒查 on
    that handling, pre-filled with the persons who handled it. By the department (accountability.check or
    cases.case.guide) of the reviewing unit or above; not by someone who handled the case under review."""
    locked = Case.objects.select_for_update(of=("self",)).select_related("unit", "parent_case__unit").get(pk=case.pk)
    if not Case.objects.visible_to(actor).filter(pk=locked.pk).exists():
        raise DomainError("信访事项不存在或不在您的权限范围内。", code="case_not_found", field="case")
    if locked.kind not in (Kind.REVIEW, Kind.REREVIEW):
        raise DomainError("只有复查、复核事项需要核查。", code="not_review", field="case")
    if not (has_perm(actor, CHECK_PERM, locked.unit) or has_perm(actor, GUIDE_PERM, locked.unit)):
        raise DomainError("您无权核查该事项（应由复查、复核机关或上级的业务处室核查）。", code="forbidden")
    if ReviewCheck.objects.filter(case=locked).exists():
        raise DomainError("该事项已核查。", code="already_checked", field="case")
    original = locked.parent_case
    assert original is not None, "a 复查/复核 case reviews a parent case"
    handled = _handled_by(original)
    if getattr(actor, "pk", None) in handled:
        raise DomainError("您参与了被核查事项的办理，应当回避。", code="conflict_of_interest")
    rows = _results(results)
    checked = required_date(
        checked_on or today(), "核查日期", "checked_on", not_before=locked.received_on, before_label="收到请求日期"
    )
    passed = all(p for _s, p, _n in rows)
    check = ReviewCheck.objects.create(
        case=locked,
        subject_unit=original.unit,
        checked_on=checked,
        checked_by=actor,
        passed=passed,
        note=clean_text(note, "核查意见", "note", required=False, max_length=5000),
    )
    ReviewCheckItem.objects.bulk_create(
        [ReviewCheckItem(review_check=check, standard=s, passed=p, note=n) for s, p, n in rows]
    )
    failed = [Standard(s).label for s, p, _n in rows if not p]
    audit_record(
        actor=actor, action="accountability.check.recorded", target=check, unit=original.unit,
        after={"case": locked.pk, "subject_case": original.pk, "passed": passed, "failed": failed}, request=request,
    )  # fmt: skip
    if failed:
        lookback = Lookback.objects.create(review_check=check, case=original, unit=original.unit)
        people = list(User.objects.filter(pk__in=handled).order_by("pk"))
        if people:
            lookback.responsible_persons.set(people)
        audit_record(
            actor=actor, action="accountability.lookback.opened", target=lookback, unit=original.unit,
            after={"check": check.pk, "case": original.pk, "failed": failed,
                   "responsible_persons": [u.pk for u in people]},
            request=request,
        )  # fmt: skip
    return check


def _lock_lookback(lookback: Lookback, version: int | None) -> Lookback:
    locked = (
        Lookback.objects.select_for_update(of=("self",))
        .select_related("unit", "review_check__case__unit")
        .get(pk=lookback.pk)
    )
    if version is not None and int(version) != locked.version:
        raise DomainError("该倒查已被他人修改，请刷新页面后重新操作。", code="stale")
    return locked


def _reviewing_unit(lookback: Lookback) -> Unit:
    return lookback.review_check.case.unit


@transaction.atomic
def lookback_propose(
    *,
    actor: Any,
    lookback: Lookback,
    responsible_persons: Iterable[User | int],
    findings: str,
    proposed_handling: str,
    responsible_others: str = "",
    version: int | None = None,
    request: Any = None,
) -> Lookback:
    """The 倒查: who was responsible for the original handling, what was found, what handling is proposed. May be
    revised until decided. By the department that checks (accountability.check or cases.case.guide)."""
    locked = _lock_lookback(lookback, version)
    where = _reviewing_unit(locked)
    if not (has_perm(actor, CHECK_PERM, where) or has_perm(actor, GUIDE_PERM, where)):
        raise DomainError("您无权开展该倒查。", code="forbidden")
    if locked.status == LookbackStatus.DECIDED:
        raise DomainError("该倒查已作出决定。", code="lookback_decided")
    ids = sorted({p if isinstance(p, int) else p.pk for p in responsible_persons})
    people = list(User.objects.filter(pk__in=ids).select_related("unit"))
    if len(people) != len(ids):
        raise DomainError("责任人不存在。", code="invalid_user", field="responsible_persons")
    outside = [p.display_name for p in people if p.unit is None or not p.unit.path.startswith(locked.unit.path)]
    if outside:
        raise DomainError(
            f"责任人应为被倒查单位的人员：{'、'.join(outside)}不属于{locked.unit.name}。",
            code="person_outside_unit",
            field="responsible_persons",
        )
    others = clean_text(responsible_others, "其他责任人", "responsible_others", required=False, max_length=200)
    if not people and not others:
        raise DomainError("请写明相关责任人。", code="required", field="responsible_persons")
    locked.findings = clean_text(findings, "倒查发现", "findings", max_length=5000)
    locked.proposed_handling = clean_text(proposed_handling, "处理意见", "proposed_handling", max_length=5000)
    locked.responsible_others = others
    locked.proposed_by = actor
    locked.proposed_on = today()
    locked.status = LookbackStatus.PROPOSED
    locked.version += 1
    locked.save()
    locked.responsible_persons.set(people)
    audit_record(
        actor=actor, action="accountability.lookback.proposed", target=locked, unit=locked.unit,
        after={"responsible_persons": ids, "responsible_others": others, "status": locked.status}, request=request,
    )  # fmt: skip
    return locked


@transaction.atomic
def lookback_decide(
    *, actor: Any, lookback: Lookback, decision: str, decided_on: Any = None, version: int | None = None,
    request: Any = None,
) -> Lookback:  # fmt: skip
    """The decision on the proposed handling, by the leading group (accountability.action.issue) of the checking
    level or above."""
    locked = _lock_lookback(lookback, version)
    if not has_perm(actor, ISSUE_PERM, _reviewing_unit(locked)):
        raise DomainError("倒查处理决定应由信访工作领导小组作出。", code="forbidden")
    if locked.status != LookbackStatus.PROPOSED:
        what = "该倒查已作出决定。" if locked.status == LookbackStatus.DECIDED else "请先提出倒查发现和处理意见。"
        raise DomainError(what, code="invalid_state")
    assert locked.proposed_on is not None
    locked.decision = clean_text(decision, "处理决定", "decision", max_length=5000)
    locked.decided_on = required_date(
        decided_on or today(), "决定日期", "decided_on", not_before=locked.proposed_on, before_label="提出日期"
    )
    locked.decided_by = actor
    locked.status = LookbackStatus.DECIDED
    locked.version += 1
    locked.save()
    audit_record(
        actor=actor, action="accountability.lookback.decided", target=locked, unit=locked.unit,
        after={"decided_on": locked.decided_on, "status": locked.status}, request=request,
    )  # fmt: skip
    return locked


# ---------------------------------------------------------------------------------------------------
# Accountability actions (R5.3)


def _linked(actor: Any, model: Any, items: Iterable[Any], field: str, label: str) -> list[Any]:
    ids = sorted({getattr(x, "pk", x) for x in items or ()})
    if not ids:
        return []
    found = list(model.objects.visible_to(actor).filter(pk__in=ids))
    if len(found) != len(ids):
        raise DomainError(f"关联的{label}不存在或不在您的权限范围内。", code="not_found", field=field)
    return found


def _record_line(obj: Any) -> str:
    if isinstance(obj, Case):
        return f"信访事项 {obj.number}"
    if isinstance(obj, Incident):
        return f"{obj.occurred_on:%Y年%m月%d日}{obj.get_kind_display()}事件"
    return f"信访事项 {obj.case.number} 的倒查"


@transaction.atomic
def action_issue(
    *,
    actor: Any,
    kind: str,
    target_unit: Unit,
    reason: str,
    issued_on: Any = None,
    deadline: Any = None,
    requirements: str = "",
    target_person: User | None = None,
    cases: Iterable[Any] = (),
    incidents: Iterable[Any] = (),
    lookbacks: Iterable[Any] = (),
    request: Any = None,
) -> AccountabilityAction:
    """约谈、通报、挂牌督办、责令限期整改 or 追责 (seed 五(三)) against a unit below the 总队 (or a person in it),
    issued by the 总队 leading group. 约谈 needs the day of the talk, 挂牌督办 and 责令限期整改 a deadline;
    the records it is based on must be visible to the issuer. The notice (约谈通知书 / 通报 / 整改通知书 /
    挂牌督办通知书) is generated in the same transaction."""
    if kind not in ActionKind.values:
        raise DomainError("问责方式无效。", code="invalid_kind", field="kind")
    target = Unit.objects.get(pk=target_unit.pk)
    issuer = corps_issuer(actor, target)
    if issuer is None:
        raise DomainError("问责应由总队信访工作领导小组下达。", code="forbidden")
    if target.pk == issuer.pk or not target.path.startswith(issuer.path):
        raise DomainError("问责对象应为总队所属单位。", code="invalid_target", field="target_unit")
    if not target.is_active:
        raise DomainError("该单位已停用。", code="unit_inactive", field="target_unit")
    person = None
    if target_person is not None:
        person = User.objects.select_related("unit").filter(pk=getattr(target_person, "pk", target_person)).first()
        if person is None or person.unit is None or not person.unit.path.startswith(target.path):
            raise DomainError("问责人员应为问责单位的人员。", code="person_outside_unit", field="target_person")
    issued = required_date(issued_on or today(), "下达日期", "issued_on")
    due = None
    if kind in DEADLINE_KINDS or deadline not in (None, ""):
        label = "约谈时间" if kind == ActionKind.ADMONITION else "整改期限"
        due = required_date(deadline, label, "deadline", future_ok=True)
        if due <= issued:
            raise DomainError(f"{label}应晚于下达日期。", code="invalid_deadline", field="deadline")
    linked_cases = _linked(actor, Case, cases, "cases", "信访事项")
    linked_incidents = _linked(actor, Incident, incidents, "incidents", "事件")
    linked_lookbacks = _linked(actor, Lookback, lookbacks, "lookbacks", "倒查")
    action = AccountabilityAction.objects.create(
        kind=kind,
        target_unit=target,
        target_person=person,
        issuing_unit=issuer,
        reason=clean_text(reason, "事由", "reason", max_length=5000),
        requirements=clean_text(requirements, "整改要求", "requirements", required=False, max_length=5000),
        deadline=due,
        issued_on=issued,
        issued_by=actor,
    )
    action.cases.set(linked_cases)
    action.incidents.set(linked_incidents)
    action.lookbacks.set(linked_lookbacks)
    audit_record(
        actor=actor, action="accountability.action.issued", target=action, unit=target,
        after={"kind": kind, "target_unit": target.pk, "target_person": person.pk if person else None,
               "deadline": due, "issued_on": issued, "cases": [c.pk for c in linked_cases],
               "incidents": [i.pk for i in linked_incidents], "lookbacks": [lb.pk for lb in linked_lookbacks]},
        request=request,
    )  # fmt: skip
    if kind in ACTION_DOCUMENTS:
        from xinfang.documents.services import document_generate

        spec = action_document(
            action_kind=kind,
            issuer_name=issuer.name,
            target_unit=target.name,
            target_person=person.display_name if person else "",
            reason=action.reason,
            requirements=action.requirements,
            deadline=due,
            issued_on=issued,
            records=[_record_line(x) for x in (*linked_cases, *linked_incidents, *linked_lookbacks)],
        )
        document_generate(
            actor=actor,
            owner=action,
            unit=issuer,
            spec=spec,
            number_prefix=number_prefix(issuer.name, kind),
            request=request,
        )
    return action


def _lock_action(action: AccountabilityAction, version: int | None = None) -> AccountabilityAction:
    locked = (
        AccountabilityAction.objects.select_for_update(of=("self",))
        .select_related("target_unit", "issuing_unit")
        .get(pk=action.pk)
    )
    if version is not None and int(version) != locked.version:
        raise DomainError("该问责事项已被他人修改，请刷新页面后重新操作。", code="stale")
    return locked


@transaction.atomic
def rectification_report(
    *, actor: Any, action: AccountabilityAction, report: str, reported_on: Any = None, request: Any = None
) -> Rectification:
    """The rectification report of the unit held to account (accountability.rectify at that unit)."""
    locked = _lock_action(action)
    if not has_perm(actor, RECTIFY_PERM, locked.target_unit):
        raise DomainError("整改情况应由被问责单位报送。", code="forbidden")
    if locked.status == ActionStatus.CLOSED:
        raise DomainError("该问责事项已办结。", code="action_closed")
    on = required_date(
        reported_on or today(), "报送日期", "reported_on", not_before=locked.issued_on, before_label="下达日期"
    )
    row = Rectification.objects.create(
        action=locked,
        report=clean_text(report, "整改情况", "report", max_length=10000),
        reported_on=on,
        reported_by=actor,
    )
    late = locked.deadline is not None and on > locked.deadline
    locked.status = ActionStatus.REPORTED
    locked.version += 1
    locked.save(update_fields=["status", "version"])
    audit_record(
        actor=actor, action="accountability.action.rectification_reported", target=locked, unit=locked.target_unit,
        after={"reported_on": on, "late": late, "report": row.pk}, request=request,
    )  # fmt: skip
    return row


@transaction.atomic
def action_close(
    *,
    actor: Any,
    action: AccountabilityAction,
    note: str,
    closed_on: Any = None,
    version: int | None = None,
    request: Any = None,
) -> AccountabilityAction:
    """Closure (办结/销号) by the issuing 总队's leading group; 挂牌督办 and 责令限期整改 only after a report."""
    locked = _lock_action(action, version)
    if not has_perm(actor, ISSUE_PERM, locked.issuing_unit):
        raise DomainError("问责事项应由下达单位办结。", code="forbidden")
    if locked.status == ActionStatus.CLOSED:
        raise DomainError("该问责事项已办结。", code="action_closed")
    if locked.kind in REPORT_REQUIRED_KINDS and not locked.rectifications.exists():
        raise DomainError("被问责单位尚未报送整改情况，不能办结。", code="no_report")
    locked.closed_on = required_date(
        closed_on or today(), "办结日期", "closed_on", not_before=locked.issued_on, before_label="下达日期"
    )
    locked.closing_note = clean_text(note, "办结意见", "note", max_length=5000)
    locked.closed_by = actor
    locked.status = ActionStatus.CLOSED
    locked.version += 1
    locked.save(update_fields=["closed_on", "closing_note", "closed_by", "status", "version"])
    audit_record(
        actor=actor, action="accountability.action.closed", target=locked, unit=locked.target_unit,
        after={"closed_on": locked.closed_on}, request=request,
    )  # fmt: skip
    return locked


# ---------------------------------------------------------------------------------------------------
# Recommendations and the annual report (R5.4)


@transaction.atomic
def recommendation_create(
    *,
    actor: Any,
    unit: Unit,
    year: Any,
    title: str,
    content: str,
    addressed_to: str,
    made_on: Any = None,
    request: Any = None,
) -> Recommendation:
    unit = Unit.objects.get(pk=unit.pk)
    if not has_perm(actor, ASSESS_PERM, unit):
        raise DomainError("您无权以该单位名义提出建议。", code="forbidden")
    rec = Recommendation.objects.create(
        unit=unit,
        year=_year(year),
        title=clean_text(title, "建议事项", "title", max_length=200),
        content=clean_text(content, "建议内容", "content", max_length=10000),
        addressed_to=clean_text(addressed_to, "建议对象", "addressed_to", max_length=100),
        made_on=required_date(made_on or today(), "提出日期", "made_on"),
        created_by=actor,
    )
    audit_record(
        actor=actor, action="accountability.recommendation.created", target=rec, unit=unit,
        after={"year": rec.year, "title": rec.title, "addressed_to": rec.addressed_to}, request=request,
    )  # fmt: skip
    return rec


@transaction.atomic
def recommendation_respond(
    *,
    actor: Any,
    recommendation: Recommendation,
    status: str,
    response: str,
    responded_on: Any = None,
    request: Any = None,
) -> Recommendation:
    """Record whether (and how) the recommendation was adopted."""
    locked = Recommendation.objects.select_for_update().select_related("unit").get(pk=recommendation.pk)
    if not has_perm(actor, ASSESS_PERM, locked.unit):
        raise DomainError("您无权登记该建议的采纳情况。", code="forbidden")
    if status not in RecommendationStatus.values or status == RecommendationStatus.PENDING:
        raise DomainError("请选择采纳情况。", code="invalid_status", field="status")
    before = {"status": locked.status}
    locked.status = status
    locked.response = clean_text(response, "采纳/落实情况", "response", max_length=5000)
    locked.responded_on = required_date(
        responded_on or today(), "反馈日期", "responded_on", not_before=locked.made_on, before_label="提出日期"
    )
    locked.save(update_fields=["status", "response", "responded_on"])
    audit_record(
        actor=actor, action="accountability.recommendation.responded", target=locked, unit=locked.unit,
        before=before, after={"status": status, "responded_on": locked.responded_on}, request=request,
    )  # fmt: skip
    return locked


@transaction.atomic
def annual_report_generate(*, actor: Any, unit: Unit, year: Any, request: Any = None) -> AnnualReport:
    """Compute the year's statistics for the unit's subtree, freeze them, render the DOCX (tables and charts) and
    store it with its sha256 as the next version. By the unit's leading group (accountability.assess)."""
    from xinfang.accountability.annual import statistics
    from xinfang.accountability.reports import render_annual_report

    year = _year(year)
    unit = Unit.objects.select_for_update().get(pk=unit.pk)  # serializes versions per unit
    if not has_perm(actor, ASSESS_PERM, unit):
        raise DomainError("您无权生成该单位的年度报告。", code="forbidden")
    if unit.level not in (Level.CORPS, Level.DETACHMENT, Level.BRIGADE):
        raise DomainError("该单位不编制年度信访工作报告。", code="invalid_unit", field="unit")
    if year > today().year:
        raise DomainError("不能为未来年度生成报告。", code="invalid_year", field="year")
    context = statistics(unit, year, today())
    data = render_annual_report(context)
    last = AnnualReport.objects.filter(unit=unit, year=year).aggregate(m=Max("version"))["m"] or 0
    report = AnnualReport(
        unit=unit,
        year=year,
        version=last + 1,
        context=context,
        sha256=hashlib.sha256(data).hexdigest(),
        generated_by=actor,
    )
    report.file.save("report.docx", ContentFile(data), save=False)
    try:
        report.save()
        audit_record(
            actor=actor, action="accountability.report.generated", target=report, unit=unit,
            after={"year": year, "version": report.version, "sha256": report.sha256}, request=request,
        )  # fmt: skip
    except BaseException:
        report.file.storage.delete(report.file.name)
        raise
    return report
