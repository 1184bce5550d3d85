"""Every write of the incidents app (seed 四, R4.1–R4.3). Keyword-only, actor first, atomic, audited; a refusal
raises DomainError with a Chinese message and changes nothing.

    plan_create / plan_review / plan_set_active        应急处置预案 (reviewed yearly)
    contact_create / contact_set_active                联动单位 (属地街道、公安、信访部门)
    incident_open                                      到总队 / 进京 / 集体访 / 其他 — tells the officials who must go
    incident_link_case                                 points the incident at a case (the case itself is untouched)
    responder_record                                   the official on site (到场) or dispatched (赴京), with the time
    incident_close                                     handling and outcome
    referral_create / referral_record_outcome          信访联席会议 / 地方政府部门 referral, and its outcome

Boundary: nothing here records petitioners' identities or whereabouts, and nothing changes a case.
"""

from __future__ import annotations

import datetime
import logging
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from xinfang.cases.models import Case
from xinfang.core.audit import audit_record
from xinfang.core.errors import DomainError
from xinfang.core.scope import has_perm
from xinfang.incidents.inputs import clean_datetime, clean_text, required_date, today
from xinfang.incidents.models import (
    DETACHMENT_KINDS,
    MANAGE_PERM,
    ContactKind,
    ContingencyPlan,
    Incident,
    IncidentKind,
    IncidentNotice,
    IncidentResponder,
    IncidentStatus,
    LinkageContact,
    RecipientKind,
    Referral,
    ReferralStatus,
    ResponderRole,
)
from xinfang.orgs.models import Level, Post, Unit, User

logger = logging.getLogger(__name__)


def _require(actor: Any, unit: Unit, what: str) -> None:
    if not has_perm(actor, MANAGE_PERM, unit):
        raise DomainError(f"您无权{what}。", code="forbidden")


def _active_unit(unit: Unit) -> Unit:
    unit = Unit.objects.get(pk=unit.pk)
    if not unit.is_active:
        raise DomainError("该单位已停用。", code="unit_inactive", field="unit")
    return unit


# ---------------------------------------------------------------------------------------------------
# Contingency plans (R4.1)


def _plan_file(upload: Any) -> Any:
    """The house upload check (type by content, size); reported on the `file` field."""
    from xinfang.cases.services import _check_upload

    try:
        return _check_upload(upload)
    except DomainError as e:
        raise DomainError(e.message.replace("附件", "预案文件"), code=e.code, field="file") from None


def _store_plan_file(plan: ContingencyPlan, upload: Any) -> None:
    from django.core.files import File
    from django.core.files.uploadedfile import UploadedFile

    checked = _plan_file(upload)
    raw = checked.upload
    django_file = raw if isinstance(raw, (UploadedFile, File)) else File(raw, name=checked.name)
    plan.file.save(checked.name, django_file, save=False)
    plan.original_name = checked.name
    plan.content_type = checked.content_type
    plan.sha256 = checked.sha256


def _discard_file(plan: ContingencyPlan, old_name: str) -> None:
    """A failed write leaves no new file behind."""
    if plan.file and plan.file.name != old_name:
        try:
            plan.file.storage.delete(plan.file.name)
        except OSError:  # pragma: no cover - best effort
            pass


def _plan_dict(plan: ContingencyPlan) -> dict[str, Any]:
    return {
        "unit": plan.unit_id,
        "title": plan.title,
        "version": plan.version,
        "last_reviewed_on": plan.last_reviewed_on,
        "file_sha256": plan.sha256,
        "is_active": plan.is_active,
    }


@transaction.atomic
def plan_create(
    *,
    actor: Any,
    unit: Unit,
    title: str,
    version: str,
    last_reviewed_on: Any,
    file: Any = None,
    note: str = "",
    request: Any = None,
) -> ContingencyPlan:
    """Record a unit's 应急处置预案 (R4.1); due for review a year after `last_reviewed_on`."""
    unit = _active_unit(unit)
    _require(actor, unit, "维护该单位的应急处置预案")
    plan = ContingencyPlan(
        unit=unit,
        title=clean_text(title, "预案名称", "title", max_length=200),
        version=clean_text(version, "版本", "version", max_length=40),
        last_reviewed_on=required_date(last_reviewed_on, "最近修订/评审日期", "last_reviewed_on"),
        note=clean_text(note, "说明", "note", required=False, max_length=2000),
        created_by=actor,
    )
    try:
        if file is not None:
            _store_plan_file(plan, file)
        plan.save()
        audit_record(
            actor=actor,
            action="incidents.plan.created",
            target=plan,
            unit=unit,
            after=_plan_dict(plan),
            request=request,
        )
    except BaseException:
        _discard_file(plan, "")
        raise
    return plan


@transaction.atomic
def plan_review(
    *,
    actor: Any,
    plan: ContingencyPlan,
    reviewed_on: Any,
    version: str = "",
    file: Any = None,
    note: str = "",
    request: Any = None,
) -> ContingencyPlan:
    """Record a review (修订/评审) of the plan: the review date moves on; a new version and file may replace the old."""
    locked = ContingencyPlan.objects.select_for_update().select_related("unit").get(pk=plan.pk)
    _require(actor, locked.unit, "维护该单位的应急处置预案")
    if not locked.is_active:
        raise DomainError("该预案已废止。", code="plan_inactive")
    before = _plan_dict(locked)
    locked.last_reviewed_on = required_date(
        reviewed_on, "评审日期", "reviewed_on", not_before=locked.last_reviewed_on, before_label="上次评审日期"
    )
    new_version = clean_text(version, "版本", "version", required=False, max_length=40)
    if new_version:
        locked.version = new_version
    if note:
        locked.note = clean_text(note, "说明", "note", required=False, max_length=2000)
    old_name = locked.file.name if locked.file else ""
    try:
        if file is not None:
            _store_plan_file(locked, file)
        locked.save()
        audit_record(
            actor=actor, action="incidents.plan.reviewed", target=locked, unit=locked.unit, before=before,
            after=_plan_dict(locked), request=request,
        )  # fmt: skip
    except BaseException:
        _discard_file(locked, old_name)
        raise
    return locked


@transaction.atomic
def plan_set_active(*, actor: Any, plan: ContingencyPlan, active: bool, request: Any = None) -> ContingencyPlan:
    locked = ContingencyPlan.objects.select_for_update().select_related("unit").get(pk=plan.pk)
    _require(actor, locked.unit, "维护该单位的应急处置预案")
    if locked.is_active == bool(active):
        return locked
    locked.is_active = bool(active)
    locked.save(update_fields=["is_active", "updated_at"])
    audit_record(
        actor=actor, action="incidents.plan.activated" if active else "incidents.plan.retired", target=locked,
        unit=locked.unit, after={"is_active": locked.is_active}, request=request,
    )  # fmt: skip
    return locked


# ---------------------------------------------------------------------------------------------------
# Linkage contacts (R4.1)


@transaction.atomic
def contact_create(
    *, actor: Any, unit: Unit, kind: str, name: str, duty_phone: str, note: str = "", request: Any = None
) -> LinkageContact:
    """A linkage organisation (属地街道、公安、信访部门) and its duty phone."""
    unit = _active_unit(unit)
    _require(actor, unit, "维护该单位的联动单位")
    if kind not in ContactKind.values:
        raise DomainError("联动单位类别无效。", code="invalid_kind", field="kind")
    phone = clean_text(duty_phone, "值班电话", "duty_phone", max_length=40)
    if not any(ch.isdigit() for ch in phone):
        raise DomainError("值班电话应包含号码。", code="invalid_phone", field="duty_phone")
    contact = LinkageContact.objects.create(
        unit=unit,
        kind=kind,
        name=clean_text(name, "联动单位名称", "name", max_length=100),
        duty_phone=phone,
        note=clean_text(note, "备注", "note", required=False, max_length=200),
        created_by=actor,
    )
    audit_record(
        actor=actor, action="incidents.contact.created", target=contact, unit=unit,
        after={"kind": kind, "name": contact.name, "duty_phone": contact.duty_phone}, request=request,
    )  # fmt: skip
    return contact


@transaction.atomic
def contact_set_active(*, actor: Any, contact: LinkageContact, active: bool, request: Any = None) -> LinkageContact:
    locked = LinkageContact.objects.select_for_update().select_related("unit").get(pk=contact.pk)
    _require(actor, locked.unit, "维护该单位的联动单位")
    if locked.is_active != bool(active):
        locked.is_active = bool(active)
        locked.save(update_fields=["is_active"])
        audit_record(
            actor=actor, action="incidents.contact.updated", target=locked, unit=locked.unit,
            after={"is_active": locked.is_active}, request=request,
        )  # fmt: skip
    return locked


# ---------------------------------------------------------------------------------------------------
# Incidents (R4.2)


def required_officials(unit: Unit, kind: str, on: datetime.date) -> list[tuple[User, str]]:
    """The officials the seed sends: 到总队 → the 支队's 分管领导; 进京 → the 支队主官. Posts active on `on` or
    today."""
    from xinfang.incidents.models import REQUIRED_ROLE

    role = REQUIRED_ROLE.get(kind)
    if role is None:
        return []
    posts = (
        Post.objects.active(max(on, today()))
        .filter(unit=unit, role=role, user__is_active=True)
        .select_related("user")
        .order_by("start_on", "pk")
    )
    return [(p.user, role) for p in posts]


def _notice_text(incident: Incident) -> str:
    duty = incident.required_duty
    return (
        f"{incident.occurred_on:%Y年%m月%d日}发生{incident.get_kind_display()}事件（责任单位：{incident.unit.name}），"
        f"按规定应由{duty}。请及时处置，并由经办人员在系统中登记到场情况。"
    )[:300]


def _deliver_notices(incident_pk: int) -> None:
    """After commit: hand the notices to the notifications app when it exists (in-app messages). The intended
    recipients are recorded either way (IncidentNotice rows)."""
    send = notification_sender()
    if send is None:
        return
    notices = list(IncidentNotice.objects.filter(incident_id=incident_pk, sent=False).select_related("incident"))
    for notice in notices:
        try:
            send(notice)
        except Exception:  # a failed message must not break the recorded incident
            logger.exception("incident notice %s not delivered", notice.pk)
            continue
        IncidentNotice.objects.filter(pk=notice.pk).update(sent=True)


def notification_sender() -> Any:
    """`send(notice)` through xinfang.notifications.services.notify if that app provides it, else None."""
    try:
        from xinfang.notifications.services import notify
    except ImportError:  # the notification centre is not installed: the recipients stay recorded
        return None

    def send(notice: IncidentNotice) -> None:
        from django.urls import reverse

        notify(
            recipients=[notice.user],
            kind="incidents.incident",
            title=f"{notice.incident.get_kind_display()}事件：请按规定到场处置",
            body=notice.message,
            url=reverse("incidents:incident-detail", kwargs={"pk": notice.incident_id}),
            dedupe_key=f"incidents.incident:{notice.incident_id}:{notice.user_id}",
        )

    return send


def _incident_dict(incident: Incident) -> dict[str, Any]:
    return {
        "unit": incident.unit_id,
        "kind": incident.kind,
        "occurred_on": incident.occurred_on,
        "headcount": incident.headcount,
        "status": incident.status,
        "version": incident.version,
    }


def _visible_case(actor: Any, case: Case | int | None, field: str = "case") -> Case:
    pk = case.pk if isinstance(case, Case) else case
    found = Case.objects.visible_to(actor).filter(pk=pk).first() if pk is not None else None
    if found is None:
        raise DomainError("信访事项不存在或不在您的权限范围内。", code="case_not_found", field=field)
    return found


@transaction.atomic
def incident_open(
    *,
    actor: Any,
    unit: Unit,
    kind: str,
    occurred_on: Any,
    summary: str,
    occurred_at: datetime.time | None = None,
    place: str = "",
    headcount: int = 1,
    cases: Any = (),
    request: Any = None,
) -> Incident:
    """Record an incident against the unit whose duty it is, and tell the officials who must go (seed 四(二)).

    到总队 and 进京 incidents name the responsible 支队 (unit of level 支队). The incident stays non-compliant until
    the required official is recorded (responder_record)."""
    unit = _active_unit(unit)
    _require(actor, unit, "登记该单位的信访突发事件")
    if kind not in IncidentKind.values:
        raise DomainError("事件类型无效。", code="invalid_kind", field="kind")
    if kind in DETACHMENT_KINDS and unit.level != Level.DETACHMENT:
        raise DomainError("到总队上访、进京上访事件的责任单位应为属事支队。", code="unit_not_detachment", field="unit")
    try:
        count = int(headcount)
    except (TypeError, ValueError):
        count = 0
    if count < 1:
        raise DomainError("人数应为正整数。", code="invalid_headcount", field="headcount")
    linked = [_visible_case(actor, c, "cases") for c in (cases or ())]
    incident = Incident.objects.create(
        unit=unit,
        kind=kind,
        occurred_on=required_date(occurred_on, "发生日期", "occurred_on"),
        occurred_at=occurred_at,
        place=clean_text(place, "地点", "place", required=False, max_length=100),
        summary=clean_text(summary, "事由及经过", "summary", max_length=5000),
        headcount=count,
        created_by=actor,
    )
    if linked:
        incident.cases.set(linked)
    notices = [
        IncidentNotice(incident=incident, user=user, role=role, message=_notice_text(incident))
        for user, role in required_officials(unit, kind, incident.occurred_on)
    ]
    IncidentNotice.objects.bulk_create(notices)
    audit_record(
        actor=actor,
        action="incidents.incident.opened",
        target=incident,
        unit=unit,
        after={
            **_incident_dict(incident),
            "cases": [c.pk for c in linked],
            "notified": [n.user_id for n in notices],
        },
        request=request,
    )
    pk = incident.pk
    transaction.on_commit(lambda: _deliver_notices(pk))
    return incident


def _lock_incident(incident: Incident, version: int | None = None) -> Incident:
    locked = Incident.objects.select_for_update().select_related("unit").get(pk=incident.pk)
    if version is not None and int(version) != locked.version:
        raise DomainError("该事件已被他人修改，请刷新页面后重新操作。", code="stale")
    return locked


def _bump(incident: Incident, fields: list[str]) -> None:
    incident.version += 1
    incident.save(update_fields=[*fields, "version"])


@transaction.atomic
def incident_link_case(*, actor: Any, incident: Incident, case: Case | int, request: Any = None) -> Incident:
    """Point the incident at a case the actor can see. The case itself is not changed in any way."""
    locked = _lock_incident(incident)
    _require(actor, locked.unit, "处置该事件")
    found = _visible_case(actor, case)
    if locked.cases.filter(pk=found.pk).exists():
        raise DomainError("该信访事项已关联。", code="already_linked", field="case")
    locked.cases.add(found)
    _bump(locked, [])
    audit_record(
        actor=actor, action="incidents.incident.case_linked", target=locked, unit=locked.unit,
        after={"case": found.pk}, request=request,
    )  # fmt: skip
    return locked


def _holds_post(user: User, unit: Unit, role: str, on: datetime.date) -> bool:
    days = {on, today()}
    return any(Post.objects.active(day).filter(user=user, unit=unit, role=role).exists() for day in days)


@transaction.atomic
def responder_record(
    *,
    actor: Any,
    incident: Incident,
    user: User,
    role: str,
    arrived_at: Any,
    note: str = "",
    request: Any = None,
) -> IncidentResponder:
    """Record an official who went: on site (到总队) or dispatched (进京), with the time.

    A role other than "other" must be the person's post at the responsible unit (on the day of the incident or
    today): the 分管领导 recorded for a 到总队 incident is the 支队's 分管领导, not someone standing in."""
    locked = _lock_incident(incident)
    _require(actor, locked.unit, "处置该事件")
    if not locked.is_open:
        raise DomainError("事件已处置完毕，不能再登记到场人员。", code="incident_closed")
    if role not in ResponderRole.values:
        raise DomainError("到场人员身份无效。", code="invalid_role", field="role")
    person = User.objects.filter(pk=getattr(user, "pk", user)).first()
    if person is None or not person.is_active:
        raise DomainError("人员不存在或已停用。", code="invalid_user", field="user")
    if role != ResponderRole.OTHER and not _holds_post(person, locked.unit, role, locked.occurred_on):
        raise DomainError(
            f"{person.display_name}不是{locked.unit.name}的{ResponderRole(role).label}，请按实际身份登记。",
            code="role_mismatch",
            field="role",
        )
    when = clean_datetime(arrived_at, "到场/赴京时间", "arrived_at")
    # The incident's day starts at local midnight (Asia/Shanghai), whatever zone the time was given in.
    start = timezone.make_aware(datetime.datetime.combine(locked.occurred_on, datetime.time.min))
    if when < start:
        raise DomainError("到场/赴京时间不能早于事件发生日期。", code="date_too_early", field="arrived_at")
    if IncidentResponder.objects.filter(incident=locked, user=person, role=role).exists():
        raise DomainError("该人员已登记。", code="duplicate_responder", field="user")
    responder = IncidentResponder.objects.create(
        incident=locked,
        user=person,
        role=role,
        arrived_at=when,
        note=clean_text(note, "说明", "note", required=False, max_length=200),
        recorded_by=actor,
    )
    _bump(locked, [])
    audit_record(
        actor=actor,
        action="incidents.incident.responder_recorded",
        target=locked,
        unit=locked.unit,
        after={"user": person.pk, "role": role, "arrived_at": when.isoformat(), "compliant": locked.compliant()},
        request=request,
    )
    return responder


@transaction.atomic
def incident_close(
    *,
    actor: Any,
    incident: Incident,
    handling: str,
    outcome: str,
    closed_on: Any = None,
    version: int | None = None,
    request: Any = None,
) -> Incident:
    """Record the handling and the outcome. A non-compliant incident can be closed: the missing official stays on
    the record (and counts in the assessment)."""
    locked = _lock_incident(incident, version)
    _require(actor, locked.unit, "处置该事件")
    if not locked.is_open:
        raise DomainError("事件已处置完毕。", code="incident_closed")
    before = _incident_dict(locked)
    locked.handling = clean_text(handling, "处置情况", "handling", max_length=5000)
    locked.outcome = clean_text(outcome, "处置结果", "outcome", max_length=5000)
    locked.closed_on = required_date(
        closed_on or today(), "处置完毕日期", "closed_on", not_before=locked.occurred_on, before_label="发生日期"
    )
    locked.closed_by = actor
    locked.status = IncidentStatus.CLOSED
    _bump(locked, ["handling", "outcome", "closed_on", "closed_by", "status"])
    audit_record(
        actor=actor, action="incidents.incident.closed", target=locked, unit=locked.unit, before=before,
        after={**_incident_dict(locked), "closed_on": locked.closed_on, "compliant": locked.compliant()},
        request=request,
    )  # fmt: skip
    return locked


# ---------------------------------------------------------------------------------------------------
# Referrals (R4.3)


def ledger_model() -> Any:
    """The screening app's conflict-ledger model (R3.4), if it exists; None otherwise."""
    from xinfang.incidents.integration import ledger_model as find

    return find()


@transaction.atomic
def referral_create(
    *,
    actor: Any,
    unit: Unit,
    subject: str,
    reason: str,
    referred_on: Any,
    recipient_kind: str,
    recipient: str,
    case: Case | int | None = None,
    ledger_entry: Any = None,
    request: Any = None,
) -> Referral:
    """Refer an unresolved grievance (a case or a conflict-ledger entry) to the 信访联席会议 or a department."""
    unit = _active_unit(unit)
    _require(actor, unit, "以该单位名义移交")
    if recipient_kind not in RecipientKind.values:
        raise DomainError("接收方类别无效。", code="invalid_recipient_kind", field="recipient_kind")
    found = _visible_case(actor, case) if case not in (None, "") else None
    entry_id = None
    entry_title = ""
    if ledger_entry not in (None, ""):
        model = ledger_model()
        if model is None:
            raise DomainError("矛盾纠纷台账尚未启用，请关联信访事项。", code="ledger_unavailable", field="ledger_entry")
        pk = getattr(ledger_entry, "pk", ledger_entry)
        manager = model._default_manager
        qs = manager.visible_to(actor) if hasattr(manager, "visible_to") else manager.none()
        entry = qs.filter(pk=pk).first()
        if entry is None:
            raise DomainError("台账条目不存在或不在您的权限范围内。", code="ledger_not_found", field="ledger_entry")
        entry_id = entry.pk
        entry_title = str(getattr(entry, "title", "") or "")
    default_subject = found.title if found else entry_title
    referral = Referral.objects.create(
        unit=unit,
        case=found,
        ledger_entry_id=entry_id,
        subject=clean_text(subject or default_subject, "矛盾纠纷（诉求）", "subject", max_length=200),
        reason=clean_text(reason, "移交理由", "reason", max_length=5000),
        referred_on=required_date(referred_on, "移交日期", "referred_on"),
        recipient_kind=recipient_kind,
        recipient=clean_text(recipient, "接收方", "recipient", max_length=100),
        created_by=actor,
    )
    audit_record(
        actor=actor, action="incidents.referral.created", target=referral, unit=unit,
        after={"case": referral.case_id, "ledger_entry": entry_id, "recipient_kind": recipient_kind,
               "recipient": referral.recipient, "referred_on": referral.referred_on},
        request=request,
    )  # fmt: skip
    return referral


@transaction.atomic
def referral_record_outcome(
    *,
    actor: Any,
    referral: Referral,
    status: str,
    outcome: str,
    outcome_on: Any = None,
    version: int | None = None,
    request: Any = None,
) -> Referral:
    """The coordinated resolution's outcome: 已化解 or 未化解 (may be updated while 协调中)."""
    locked = Referral.objects.select_for_update().select_related("unit").get(pk=referral.pk)
    if version is not None and int(version) != locked.version:
        raise DomainError("该移交记录已被他人修改，请刷新页面后重新操作。", code="stale")
    _require(actor, locked.unit, "登记该移交的结果")
    if status not in ReferralStatus.values:
        raise DomainError("状态无效。", code="invalid_status", field="status")
    if locked.status != ReferralStatus.PENDING:
        raise DomainError("该移交已有结果。", code="referral_decided")
    before = {"status": locked.status, "outcome": locked.outcome}
    locked.status = status
    locked.outcome = clean_text(outcome, "协调结果", "outcome", max_length=5000)
    locked.outcome_on = required_date(
        outcome_on or today(), "结果日期", "outcome_on", not_before=locked.referred_on, before_label="移交日期"
    )
    locked.version += 1
    locked.save(update_fields=["status", "outcome", "outcome_on", "version"])
    audit_record(
        actor=actor, action="incidents.referral.outcome_recorded", target=locked, unit=locked.unit, before=before,
        after={"status": status, "outcome_on": locked.outcome_on}, request=request,
    )  # fmt: skip
    return locked


def incidents_linking(case: Case) -> QuerySet[Incident]:
    """Incidents pointing at a case (unscoped; callers intersect with Incident.objects.visible_to)."""
    return Incident.objects.filter(cases=case)
