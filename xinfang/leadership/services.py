"""Every write of the leadership part. Keyword-only, actor first, atomic; the row whose state changes is locked
(select_for_update); a refusal raises DomainError (Chinese message, stable code) and changes nothing; every write
is audited in the same transaction.

    quota_update                 core.settings.manage (系统管理员)
    meeting_record               leadership.record at the unit
    reception_day_plan / _publish / _hold / _cancel     leadership.record at the unit
    reception_record / reception_link_case             leadership.record at the unit
    ownership_assign             leadership.ownership.assign at the owning unit; the ownership rule (below)
    ownership_progress           leadership.record at the case's unit or the owning unit
    ownership_settle             leadership.ownership.assign at the owning unit
    ownership_letter             the 包案责任书 (documents engine), leadership.record as for progress
    supervision_open / _lift     leadership.supervision.manage at a 消防救援局 or 总队 above the case
    supervision_report           leadership.record at the case's unit

The ownership rule (seed 一(三), R1.4): a case under 挂牌督办 is owned by the 主官 of its 支队 (the 支队 at or
above the case's unit; a case at the 总队 itself: the 总队主官) and nobody else; any other case is owned by a
班子成员 (主官, 分管领导, 班子成员) of the case's unit or a unit above it — so a major case in a 大队's area may be
owned by the 大队主官.
"""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Iterable, Sequence
from typing import Any

from django.core.files import File
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from xinfang.cases.models import Case, Petitioner
from xinfang.core.audit import audit_record
from xinfang.core.errors import DomainError
from xinfang.core.scope import has_perm, user_grants
from xinfang.core.uploads import sniff
from xinfang.documents.models import GeneratedDocument
from xinfang.leadership.models import (
    ASSIGN_PERM,
    CHECKLIST,
    LEADER_ROLES,
    MEETING_QUOTAS,
    RECORD_PERM,
    SETTINGS_PERM,
    SUPERVISE_PERM,
    Basis,
    DayStatus,
    Meeting,
    Ownership,
    OwnershipProgress,
    OwnershipStatus,
    Period,
    PlanKind,
    Quota,
    QuotaCode,
    Reception,
    ReceptionDay,
    ReceptionVisitor,
    Supervision,
    SupervisionLevel,
    SupervisionReport,
    SupervisionStatus,
    empty_checklist,
)
from xinfang.orgs.models import Level, Post, Unit, User
from xinfang.orgs.roles import Role

MAX_MINUTES_BYTES = 20 * 1024 * 1024
MINUTES_TYPES: dict[str, tuple[str, str]] = {
    "pdf": ("pdf", "application/pdf"),
    "jpg": ("jpeg", "image/jpeg"),
    "jpeg": ("jpeg", "image/jpeg"),
    "png": ("png", "image/png"),
    "doc": ("ole", "application/msword"),
    "docx": ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
}
MINUTES_LABEL = "PDF、JPG、PNG、DOC/DOCX"
MAX_VISITORS = 50


# ---------------------------------------------------------------------------------------------------
# Small helpers


def _today() -> datetime.date:
    return timezone.localdate()


def _require(actor: Any, perm: str, unit: Unit, message: str = "您无权在该单位进行此操作。") -> None:
    if not has_perm(actor, perm, unit):
        raise DomainError(message, code="forbidden")


def _text(value: str | None, label: str, field: str, *, required: bool = True, max_length: int | None = None) -> str:
    value = (value or "").strip()
    if required and not value:
        raise DomainError(f"请填写{label}。", code="required", field=field)
    if max_length and len(value) > max_length:
        raise DomainError(f"{label}不能超过{max_length}个字。", code="too_long", field=field)
    return value


def _date(value: Any, label: str, field: str, *, past_only: bool = True) -> datetime.date:
    if value is None or value == "":
        raise DomainError(f"请填写{label}。", code="required", field=field)
    if isinstance(value, datetime.datetime):
        value = value.date()
    if isinstance(value, str):
        try:
            value = datetime.date.fromisoformat(value)
        except ValueError:
            raise DomainError(f"{label}格式不正确，应为YYYY-MM-DD。", code="invalid_date", field=field) from None
    if not isinstance(value, datetime.date):
        raise DomainError(f"{label}格式不正确。", code="invalid_date", field=field)
    if past_only and value > _today():
        raise DomainError(f"{label}不能晚于今天。", code="date_in_future", field=field)
    return value


def _active_unit(unit: Unit) -> Unit:
    unit = Unit.objects.get(pk=unit.pk)
    if not unit.is_active:
        raise DomainError("该单位已停用。", code="unit_inactive", field="unit")
    return unit


def leader_posts(leader: User, on: datetime.date, unit: Unit | None = None) -> list[Post]:
    """The leader's active 班子成员 posts on `on` (at `unit` when given)."""
    qs = Post.objects.active(on).filter(user=leader, role__in=LEADER_ROLES, unit__is_active=True)
    if unit is not None:
        qs = qs.filter(unit=unit)
    return list(qs.select_related("unit").order_by("unit__path"))


def _leader_post(leader: User | None, on: datetime.date, unit: Unit | None, *, field: str = "leader") -> Post:
    """The post through which `leader` acts: at `unit`, or his only 班子成员 post when no unit is given."""
    if leader is None:
        raise DomainError("请选择领导。", code="required", field=field)
    if not leader.is_active:
        raise DomainError("该领导的账号已停用。", code="leader_inactive", field=field)
    posts = leader_posts(leader, on, unit)
    if not posts:
        where = unit.name if unit is not None else "任何单位"
        raise DomainError(
            f"{leader.display_name}在{on:%Y-%m-%d}不是{where}的班子成员（主官、分管领导或班子成员）。",
            code="not_a_leader",
            field=field,
        )
    if unit is None and len(posts) > 1:
        raise DomainError(f"{leader.display_name}在多个单位任职，请指明单位。", code="unit_required", field="unit")
    return posts[0]


def detachment_of(unit: Unit) -> Unit | None:
    """The 支队 at or above `unit` (None for the 总队 and above)."""
    ids = [*unit.ancestor_ids(), unit.pk]
    return Unit.objects.filter(pk__in=ids, level=Level.DETACHMENT).first()


def _check_minutes(upload: Any) -> tuple[str, str, int, str]:
    """(name, content type, size, sha256) of an acceptable minutes file, or DomainError."""
    name = (getattr(upload, "name", "") or "").replace("\\", "/").split("/")[-1].strip()[:255]
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext not in MINUTES_TYPES:
        raise DomainError(f"会议纪要只接受{MINUTES_LABEL}文件。", code="minutes_type", field="minutes")
    digest = hashlib.sha256()
    size = 0
    upload.seek(0)
    for chunk in iter(lambda: upload.read(1024 * 1024), b""):
        size += len(chunk)
        if size > MAX_MINUTES_BYTES:
            raise DomainError("会议纪要文件不能超过20MB。", code="minutes_size", field="minutes")
        digest.update(chunk)
    if size == 0:
        raise DomainError("会议纪要是空文件。", code="minutes_empty", field="minutes")
    expected, content_type = MINUTES_TYPES[ext]
    if sniff(upload) != expected:
        raise DomainError(
            f"会议纪要的内容与扩展名不符（不是有效的{ext.upper()}文件）。", code="minutes_content", field="minutes"
        )
    upload.seek(0)
    return name, content_type, size, digest.hexdigest()


# ---------------------------------------------------------------------------------------------------
# Quotas


@transaction.atomic
def quota_update(*, actor: Any, code: str, minimum: int, period: str, request: Any = None) -> Quota:
    """Set a quota (系统管理员: core.settings.manage). Meeting quotas are yearly."""
    if not has_perm(actor, SETTINGS_PERM, None):
        raise DomainError("只有系统管理员可以维护配额。", code="forbidden")
    if code not in QuotaCode.values:
        raise DomainError("配额项目无效。", code="invalid_quota", field="code")
    if period not in Period.values:
        raise DomainError("周期无效。", code="invalid_period", field="period")
    if code in MEETING_QUOTAS and period != Period.YEAR:
        raise DomainError("党委会研究信访工作的次数按年度计。", code="invalid_period", field="period")
    if not isinstance(minimum, int) or isinstance(minimum, bool) or not 0 <= minimum <= 366:
        raise DomainError("最低次数应为0至366之间的整数。", code="invalid_minimum", field="minimum")
    quota = Quota.objects.select_for_update().filter(code=code).first()
    before = {"minimum": quota.minimum, "period": quota.period} if quota else None
    if quota is None:
        quota = Quota(code=code)
    quota.minimum = minimum
    quota.period = period
    quota.updated_by = actor
    quota.save()
    audit_record(
        actor=actor,
        action="leadership.quota.updated",
        target=quota,
        before=before,
        after={"code": code, "minimum": minimum, "period": period},
        request=request,
    )
    return quota


# ---------------------------------------------------------------------------------------------------
# 党委会研究部署信访工作 (R1.2)


@transaction.atomic
def meeting_record(
    *,
    actor: Any,
    unit: Unit,
    held_on: Any,
    topics: str,
    decisions: str,
    attendees: str = "",
    minutes: Any = None,
    request: Any = None,
) -> Meeting:
    """Record a party-committee meeting that studied petition work, with its minutes file (optional)."""
    unit = _active_unit(unit)
    _require(actor, RECORD_PERM, unit, "您无权为该单位记录党委会。")
    if unit.level not in (Level.CORPS, Level.DETACHMENT, Level.BRIGADE):
        raise DomainError("只记录总队、支队、大队党委会。", code="invalid_level", field="unit")
    meeting = Meeting(
        unit=unit,
        held_on=_date(held_on, "会议日期", "held_on"),
        topics=_text(topics, "研究议题", "topics", max_length=5000),
        decisions=_text(decisions, "部署事项和决定", "decisions", max_length=10000),
        attendees=_text(attendees, "参会人员", "attendees", required=False, max_length=300),
        recorded_by=actor,
    )
    stored = None
    if minutes:
        name, content_type, size, sha = _check_minutes(minutes)
        meeting.minutes_name, meeting.minutes_type, meeting.minutes_size, meeting.minutes_sha256 = (
            name,
            content_type,
            size,
            sha,
        )
        django_file = minutes if isinstance(minutes, UploadedFile | File) else File(minutes, name=name)
        meeting.minutes.save(name, django_file, save=False)
        stored = meeting.minutes.name
    try:
        meeting.save()
        audit_record(
            actor=actor,
            action="leadership.meeting.recorded",
            target=meeting,
            unit=unit,
            after={
                "unit": unit.pk,
                "held_on": meeting.held_on,
                "minutes_sha256": meeting.minutes_sha256,
            },
            request=request,
        )
    except BaseException:
        if stored:
            meeting.minutes.storage.delete(stored)
        raise
    return meeting


# ---------------------------------------------------------------------------------------------------
# 领导接访 (R1.3): the schedule


@transaction.atomic
def reception_day_plan(
    *,
    actor: Any,
    unit: Unit,
    leader: User,
    planned_on: Any,
    time_text: str = "",
    place: str = "",
    note: str = "",
    published: bool = False,
    request: Any = None,
) -> ReceptionDay:
    """Put a reception day of a 班子成员 of `unit` on the schedule (optionally published at once)."""
    unit = _active_unit(unit)
    _require(actor, RECORD_PERM, unit, "您无权安排该单位的领导接访。")
    day = _date(planned_on, "接访日期", "planned_on", past_only=False)
    post = _leader_post(leader, min(day, _today()), unit)
    if ReceptionDay.objects.filter(leader=leader, planned_on=day).exclude(status=DayStatus.CANCELLED).exists():
        raise DomainError(
            f"{leader.display_name}在{day:%Y-%m-%d}已安排接访。", code="duplicate_day", field="planned_on"
        )
    rd = ReceptionDay.objects.create(
        unit=unit,
        leader=leader,
        role=post.role,
        planned_on=day,
        time_text=_text(time_text, "接访时间", "time_text", required=False, max_length=50),
        place=_text(place, "接访地点", "place", required=False, max_length=100),
        note=_text(note, "说明", "note", required=False, max_length=200),
        published=bool(published),
        created_by=actor,
    )
    audit_record(
        actor=actor,
        action="leadership.reception_day.planned",
        target=rd,
        unit=unit,
        after={"leader": leader.pk, "planned_on": day, "published": rd.published},
        request=request,
    )
    return rd


def _lock_day(day: ReceptionDay) -> ReceptionDay:
    return ReceptionDay.objects.select_for_update(of=("self",)).select_related("unit", "leader").get(pk=day.pk)


@transaction.atomic
def reception_day_publish(*, actor: Any, day: ReceptionDay, published: bool, request: Any = None) -> ReceptionDay:
    """Publish a planned day on the public side (条例 Art 18), or withdraw it."""
    locked = _lock_day(day)
    _require(actor, RECORD_PERM, locked.unit)
    if published and locked.status != DayStatus.PLANNED:
        raise DomainError("只能公布尚未进行的接访日。", code="invalid_state")
    locked.published = bool(published)
    locked.save(update_fields=["published"])
    audit_record(
        actor=actor,
        action="leadership.reception_day.published" if published else "leadership.reception_day.unpublished",
        target=locked,
        unit=locked.unit,
        request=request,
    )
    return locked


@transaction.atomic
def reception_day_hold(*, actor: Any, day: ReceptionDay, note: str = "", request: Any = None) -> ReceptionDay:
    """Record that the reception day took place (with or without visitors): it counts for the leader's quota."""
    locked = _lock_day(day)
    _require(actor, RECORD_PERM, locked.unit)
    if locked.status != DayStatus.PLANNED:
        raise DomainError("该接访日已登记或已取消。", code="invalid_state")
    if locked.planned_on > _today():
        raise DomainError("接访日尚未到来。", code="date_in_future", field="planned_on")
    locked.status = DayStatus.HELD
    locked.held_note = _text(note, "接访情况", "note", required=False, max_length=2000)
    locked.save(update_fields=["status", "held_note"])
    audit_record(actor=actor, action="leadership.reception_day.held", target=locked, unit=locked.unit, request=request)
    return locked


@transaction.atomic
def reception_day_cancel(*, actor: Any, day: ReceptionDay, reason: str, request: Any = None) -> ReceptionDay:
    locked = _lock_day(day)
    _require(actor, RECORD_PERM, locked.unit)
    if locked.status != DayStatus.PLANNED:
        raise DomainError("只能取消尚未进行的接访日。", code="invalid_state")
    locked.status = DayStatus.CANCELLED
    locked.cancel_reason = _text(reason, "取消原因", "reason", max_length=200)
    locked.published = False
    locked.save(update_fields=["status", "cancel_reason", "published"])
    audit_record(
        actor=actor,
        action="leadership.reception_day.cancelled",
        target=locked,
        unit=locked.unit,
        after={"reason": locked.cancel_reason},
        request=request,
    )
    return locked


# ---------------------------------------------------------------------------------------------------
# 领导接访: the ledger


def _visible_case(actor: Any, case: Case | int | None, field: str = "case") -> Case | None:
    """A case the actor may see (else the same refusal as a nonexistent one)."""
    if case is None or case == "":
        return None
    pk = case.pk if isinstance(case, Case) else case
    found = Case.objects.visible_to(actor).select_related("unit").filter(pk=pk).first()
    if found is None:
        raise DomainError("信访事项不存在或不在您的权限范围内。", code="case_not_found", field=field)
    return found


def _clean_visitors(actor: Any, raw: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Visitors as dicts {petitioner?: Petitioner|id, name?, phone?}; a linked petitioner must be visible."""
    if len(raw) > MAX_VISITORS:
        raise DomainError(f"来访人不能超过{MAX_VISITORS}人。", code="too_many_visitors", field="visitors")
    ids: list[int | None] = []
    for v in raw:
        ref = v.get("petitioner")
        if isinstance(ref, Petitioner):
            ids.append(ref.pk)
        elif ref is None or ref == "":
            ids.append(None)
        else:
            ids.append(int(ref))
    wanted = {i for i in ids if i is not None}
    found = {
        p.pk: p for p in Petitioner.objects.filter(pk__in=wanted, case__in=Case.objects.visible_to(actor).values("pk"))
    }
    if wanted - set(found):
        raise DomainError("所选信访人不存在或不在您的权限范围内。", code="petitioner_not_found", field="visitors")
    out = []
    for i, (v, pid) in enumerate(zip(raw, ids, strict=True)):
        petitioner = found.get(pid) if pid is not None else None
        name = _text(v.get("name"), "来访人姓名", f"visitors[{i}].name", required=False, max_length=50)
        phone = _text(v.get("phone"), "来访人电话", f"visitors[{i}].phone", required=False, max_length=30)
        if petitioner is not None:
            name = name or (petitioner.name or "")
            phone = phone or (petitioner.phone or "")
        if not name and petitioner is None:
            raise DomainError("请填写来访人姓名，或选择信访人。", code="required", field=f"visitors[{i}].name")
        out.append({"petitioner": petitioner, "name": name, "phone": phone})
    return out


@transaction.atomic
def reception_record(
    *,
    actor: Any,
    leader: User,
    received_on: Any,
    matter: str,
    unit: Unit | None = None,
    outcome: str = "",
    visitors: Sequence[dict[str, Any]] = (),
    headcount: int | None = None,
    case: Case | int | None = None,
    reception_day: ReceptionDay | None = None,
    request: Any = None,
) -> Reception:
    """An entry of the 接访台账. The leader's planned day on that date (if any) is marked held and linked."""
    on = _date(received_on, "接访日期", "received_on")
    post = _leader_post(leader, on, _active_unit(unit) if unit is not None else None)
    unit = post.unit
    _require(actor, RECORD_PERM, unit, "您无权记录该单位的领导接访。")
    matter = _text(matter, "反映事项", "matter", max_length=5000)
    outcome = _text(outcome, "处理情况", "outcome", required=False, max_length=5000)
    linked_case = _visible_case(actor, case)
    people = _clean_visitors(actor, list(visitors))
    if headcount is not None and (not isinstance(headcount, int) or headcount < max(len(people), 1)):
        raise DomainError("来访人数不能少于登记的来访人数。", code="invalid_headcount", field="headcount")
    day = None
    if reception_day is not None:
        day = _lock_day(reception_day)
        if day.leader_id != leader.pk or day.planned_on != on:
            raise DomainError("所选接访日与接访领导、日期不一致。", code="day_mismatch", field="reception_day")
    else:
        day = (
            ReceptionDay.objects.select_for_update(of=("self",))
            .filter(leader=leader, planned_on=on)
            .exclude(status=DayStatus.CANCELLED)
            .first()
        )
    if day is not None and day.status == DayStatus.CANCELLED:
        raise DomainError("该接访日已取消。", code="invalid_state", field="reception_day")
    reception = Reception.objects.create(
        unit=unit,
        leader=leader,
        role=post.role,
        reception_day=day,
        received_on=on,
        matter=matter,
        outcome=outcome,
        headcount=headcount or max(len(people), 1),
        case=linked_case,
        recorded_by=actor,
    )
    for i, p in enumerate(people):
        ReceptionVisitor.objects.create(
            reception=reception, petitioner=p["petitioner"], name=p["name"], phone=p["phone"], order=i
        )
    if day is not None and day.status == DayStatus.PLANNED:
        day.status = DayStatus.HELD
        day.save(update_fields=["status"])
    audit_record(
        actor=actor,
        action="leadership.reception.recorded",
        target=reception,
        unit=unit,
        after={
            "leader": leader.pk,
            "received_on": on,
            "case": linked_case.pk if linked_case else None,
            "visitors": len(people),
            "reception_day": day.pk if day else None,
        },
        request=request,
    )
    return reception


@transaction.atomic
def reception_link_case(*, actor: Any, reception: Reception, case: Case | int, request: Any = None) -> Reception:
    """Link the case a reception opened (or concerns) to the ledger entry."""
    locked = Reception.objects.select_for_update(of=("self",)).select_related("unit").get(pk=reception.pk)
    _require(actor, RECORD_PERM, locked.unit, "您无权修改该接访记录。")
    linked = _visible_case(actor, case)
    assert linked is not None
    if locked.case_id is not None and locked.case_id != linked.pk:
        raise DomainError("该接访记录已关联其他信访事项。", code="already_linked", field="case")
    before = {"case": locked.case_id}
    locked.case = linked
    locked.save(update_fields=["case"])
    audit_record(
        actor=actor,
        action="leadership.reception.case_linked",
        target=locked,
        unit=locked.unit,
        before=before,
        after={"case": linked.pk},
        request=request,
    )
    return locked


# ---------------------------------------------------------------------------------------------------
# 领导包案 (R1.4)


def active_supervision(case: Case) -> Supervision | None:
    return Supervision.objects.filter(case=case, status=SupervisionStatus.ACTIVE).first()


def required_owner_unit(case: Case) -> Unit:
    """For a supervised case: the unit whose 主官 must own it (its 支队; at the 总队, the 总队)."""
    return detachment_of(case.unit) or case.unit


def proposed_owner(case: Case, on: datetime.date | None = None) -> Post | None:
    """The post the system proposes for a supervised case: the active 主官 post of its 支队."""
    unit = required_owner_unit(case)
    return (
        Post.objects.active(on or _today())
        .filter(unit=unit, role=Role.CHIEF, user__is_active=True)
        .select_related("user", "unit")
        .order_by("start_on", "pk")
        .first()
    )


def check_owner(case: Case, leader: User, on: datetime.date, unit: Unit | None = None) -> Post:
    """The ownership rule; returns the post through which `leader` owns `case`, or DomainError."""
    if active_supervision(case) is not None:
        target = required_owner_unit(case)
        post = next((p for p in leader_posts(leader, on, target) if p.role == Role.CHIEF), None)
        if post is None:
            raise DomainError(
                f"该事项正在挂牌督办，应由{target.name}主官包案，不能由其他领导包案。",
                code="supervised_owner",
                field="leader",
            )
        return post
    allowed = {*case.unit.ancestor_ids(), case.unit.pk}
    posts = [p for p in leader_posts(leader, on, unit) if p.unit_id in allowed]
    if not posts:
        raise DomainError(
            f"{leader.display_name}不是{case.unit.name}或其上级单位的班子成员，不能包案。",
            code="owner_not_leader",
            field="leader",
        )
    # The post nearest to the case (e.g. the 大队主官 for a case of his 大队).
    return max(posts, key=lambda p: p.unit.depth)


def _clean_checklist(raw: Any) -> dict[str, dict[str, Any]]:
    if raw is None:
        return empty_checklist()
    if not isinstance(raw, dict):
        raise DomainError("“三到位一处理”清单格式不正确。", code="invalid_checklist", field="checklist")
    unknown = set(raw) - {k for k, _l in CHECKLIST}
    if unknown:
        raise DomainError("“三到位一处理”清单含有未知项目。", code="invalid_checklist", field="checklist")
    out = empty_checklist()
    for key, value in raw.items():
        if not isinstance(value, dict):
            raise DomainError("“三到位一处理”清单格式不正确。", code="invalid_checklist", field="checklist")
        applies = bool(value.get("applies", False))
        done = bool(value.get("done", False))
        if done and not applies:
            raise DomainError("不适用的项目不能标记为已到位。", code="invalid_checklist", field="checklist")
        note = _text(value.get("note"), "清单说明", "checklist", required=False, max_length=500)
        out[key] = {"applies": applies, "done": done, "note": note}
    return out


def _ownership_snapshot(o: Ownership) -> dict[str, Any]:
    return {
        "case": o.case_id,
        "unit": o.unit_id,
        "leader": o.leader_id,
        "basis": o.basis,
        "plan_kind": o.plan_kind,
        "deadline": o.deadline,
        "status": o.status,
        "checklist": o.checklist,
    }


@transaction.atomic
def ownership_assign(
    *,
    actor: Any,
    case: Case | int,
    leader: User,
    tasks: str,
    plan: str,
    deadline: Any,
    plan_kind: str = PlanKind.CASE,
    basis: str | None = None,
    unit: Unit | None = None,
    team: Iterable[User] = (),
    team_note: str = "",
    assigned_on: Any = None,
    checklist: Any = None,
    replace: bool = False,
    generate_letter: bool = True,
    request: Any = None,
) -> Ownership:
    """A leader owns a case in writing; the 包案责任书 is generated with it.

    `replace`: an open ownership of the case (e.g. by a leader who may no longer own it once the case was listed
    for supervision) is closed as handed over to the new leader."""
    found = _visible_case(actor, case)
    assert found is not None
    locked_case = Case.objects.select_for_update(of=("self",)).select_related("unit").get(pk=found.pk)
    on = _date(assigned_on or _today(), "包案日期", "assigned_on")
    post = check_owner(locked_case, leader, on, unit)
    _require(actor, ASSIGN_PERM, post.unit, f"您无权确定{post.unit.name}的领导包案。")
    supervision = active_supervision(locked_case)
    if supervision is not None:
        basis = Basis.SUPERVISED
    elif basis in (None, ""):
        basis = Basis.MAJOR
    elif basis not in (Basis.MAJOR, Basis.OTHER):
        raise DomainError("包案依据无效（未挂牌督办的事项不能以挂牌督办为依据）。", code="invalid_basis", field="basis")
    if plan_kind not in PlanKind.values:
        raise DomainError("化解方式只能是一案一策或一人一策。", code="invalid_plan_kind", field="plan_kind")
    due = _date(deadline, "限期解决日期", "deadline", past_only=False)
    if due < on:
        raise DomainError("限期解决日期不能早于包案日期。", code="deadline_before_start", field="deadline")
    if supervision is not None and due > supervision.deadline:
        raise DomainError(
            f"包案期限不能晚于督办期限（{supervision.deadline:%Y-%m-%d}）。",
            code="deadline_after_supervision",
            field="deadline",
        )
    members = list(team)
    for m in members:
        if not m.is_active:
            raise DomainError(f"专班成员{m.display_name}的账号已停用。", code="team_inactive", field="team")
    current = Ownership.objects.select_for_update(of=("self",)).filter(case=locked_case, status=OwnershipStatus.OPEN)
    open_one = current.first()
    if open_one is not None:
        if not replace:
            raise DomainError(
                f"本事项已由{open_one.leader.display_name}包案；如需改由其他领导包案，请选择“移交包案”。",
                code="already_owned",
                field="case",
            )
        _require(actor, ASSIGN_PERM, open_one.unit, "您无权移交原包案领导的包案。")
        before = _ownership_snapshot(open_one)
        open_one.status = OwnershipStatus.HANDED_OVER
        open_one.closed_on = on
        open_one.outcome = f"移交{leader.display_name}包案"
        open_one.save(update_fields=["status", "closed_on", "outcome", "updated_at"])
        audit_record(
            actor=actor,
            action="leadership.ownership.handed_over",
            target=open_one,
            unit=open_one.unit,
            before=before,
            after=_ownership_snapshot(open_one),
            request=request,
        )
    ownership = Ownership.objects.create(
        case=locked_case,
        unit=post.unit,
        leader=leader,
        role=post.role,
        basis=basis,
        plan_kind=plan_kind,
        plan=_text(plan, "化解方案", "plan", max_length=5000),
        tasks=_text(tasks, "工作任务", "tasks", max_length=5000),
        team_note=_text(team_note, "专班其他成员", "team_note", required=False, max_length=200),
        assigned_on=on,
        deadline=due,
        checklist=_clean_checklist(checklist),
        assigned_by=actor,
    )
    if members:
        ownership.team.set(members)
    audit_record(
        actor=actor,
        action="leadership.ownership.assigned",
        target=ownership,
        unit=post.unit,
        after={**_ownership_snapshot(ownership), "team": [m.pk for m in members]},
        request=request,
    )
    if generate_letter:
        ownership_letter(actor=actor, ownership=ownership, request=request)
    return ownership


def _lock_ownership(ownership: Ownership) -> Ownership:
    return (
        Ownership.objects.select_for_update(of=("self",))
        .select_related("case", "case__unit", "unit", "leader")
        .get(pk=ownership.pk)
    )


def may_record_ownership(actor: Any, ownership: Ownership) -> bool:
    return has_perm(actor, RECORD_PERM, ownership.case.unit) or has_perm(actor, RECORD_PERM, ownership.unit)


@transaction.atomic
def ownership_progress(
    *, actor: Any, ownership: Ownership, on: Any, note: str, checklist: Any = None, request: Any = None
) -> OwnershipProgress:
    """A dated progress note; optionally the 三到位一处理 checklist as it now stands."""
    locked = _lock_ownership(ownership)
    if not may_record_ownership(actor, locked):
        raise DomainError("您无权记录本包案的进展。", code="forbidden")
    if not locked.is_open:
        raise DomainError("包案已结束，不能再记录进展。", code="invalid_state")
    day = _date(on, "日期", "on")
    if day < locked.assigned_on:
        raise DomainError("进展日期不能早于包案日期。", code="date_too_early", field="on")
    entry = OwnershipProgress.objects.create(
        ownership=locked, on=day, note=_text(note, "工作进展", "note", max_length=5000), recorded_by=actor
    )
    before = _ownership_snapshot(locked)
    if checklist is not None:
        locked.checklist = _clean_checklist(checklist)
        locked.save(update_fields=["checklist", "updated_at"])
    audit_record(
        actor=actor,
        action="leadership.ownership.progress_recorded",
        target=locked,
        unit=locked.unit,
        before=before if checklist is not None else None,
        after={"progress": entry.pk, "on": day, "checklist": locked.checklist if checklist is not None else None},
        request=request,
    )
    return entry


@transaction.atomic
def ownership_settle(
    *, actor: Any, ownership: Ownership, settled: bool, on: Any, note: str, request: Any = None
) -> Ownership:
    """End the ownership: 停诉息访 (settled) — every applicable item of 三到位一处理 done — or not settled."""
    locked = _lock_ownership(ownership)
    _require(actor, ASSIGN_PERM, locked.unit, "您无权结束本包案。")
    if not locked.is_open:
        raise DomainError("包案已结束。", code="invalid_state")
    day = _date(on, "日期", "on")
    if day < locked.assigned_on:
        raise DomainError("结束日期不能早于包案日期。", code="date_too_early", field="on")
    note = _text(note, "包案结果", "note", max_length=5000)
    if settled:
        items = locked.checklist_items()
        applicable = [i for i in items if i["applies"]]
        if not applicable:
            raise DomainError(
                "请先在“三到位一处理”清单中标明适用的项目。", code="checklist_incomplete", field="checklist"
            )
        undone = [i["label"] for i in applicable if not i["done"]]
        if undone:
            raise DomainError(
                f"“三到位一处理”尚未到位：{'、'.join(undone)}。", code="checklist_incomplete", field="checklist"
            )
    before = _ownership_snapshot(locked)
    locked.status = OwnershipStatus.SETTLED if settled else OwnershipStatus.UNSETTLED
    locked.closed_on = day
    locked.outcome = note
    locked.save(update_fields=["status", "closed_on", "outcome", "updated_at"])
    audit_record(
        actor=actor,
        action="leadership.ownership.settled" if settled else "leadership.ownership.closed",
        target=locked,
        unit=locked.unit,
        before=before,
        after={**_ownership_snapshot(locked), "outcome": note},
        request=request,
    )
    return locked


@transaction.atomic
def ownership_letter(*, actor: Any, ownership: Ownership, request: Any = None) -> GeneratedDocument:
    """Generate (the next version of) the 包案责任书 from the ownership as it stands, in the owning unit's name."""
    from xinfang.documents.services import document_generate
    from xinfang.leadership import letters

    locked = _lock_ownership(ownership)
    if not (may_record_ownership(actor, locked) or has_perm(actor, ASSIGN_PERM, locked.unit)):
        raise DomainError("您无权生成本包案的责任书。", code="forbidden")
    spec = letters.ownership_letter_for(locked)
    return document_generate(
        actor=actor,
        owner=locked,
        unit=locked.unit,
        spec=spec,
        number_prefix=letters.number_prefix(locked.unit.name),
        request=request,
    )


# ---------------------------------------------------------------------------------------------------
# 挂牌督办 (R1.5)


def listing_unit(actor: Any, case: Case, level: str) -> Unit:
    """The 消防救援局 or 总队 above the case through which `actor` lists it (supervision.manage there).

    level "corps": a 总队. level "bureau": the 消防救援局 itself, or a 总队 recording the bureau's order."""
    case_path = case.unit.path
    ids = {g.unit_id for g in user_grants(actor) if SUPERVISE_PERM in g.perms and case_path.startswith(g.unit_path)}
    units = list(Unit.objects.filter(pk__in=ids, is_active=True).order_by("depth"))
    allowed = {SupervisionLevel.CORPS: [Level.CORPS], SupervisionLevel.BUREAU: [Level.BUREAU, Level.CORPS]}[
        SupervisionLevel(level)
    ]
    for unit in units:
        if unit.level in allowed:
            return unit
    raise DomainError(
        "只有消防救援局或总队可以挂牌督办（您在该事项上级的总队、消防救援局没有督办权限）。",
        code="supervision_level",
        field="level",
    )


@transaction.atomic
def supervision_open(
    *,
    actor: Any,
    case: Case | int,
    level: str,
    deadline: Any,
    listed_on: Any = None,
    reference_no: str = "",
    requirements: str = "",
    request: Any = None,
) -> Supervision:
    """List a case for supervision. The system then proposes the 支队主官 as owner (see `proposed_owner`)."""
    found = _visible_case(actor, case)
    assert found is not None
    locked_case = Case.objects.select_for_update(of=("self",)).select_related("unit").get(pk=found.pk)
    if level not in SupervisionLevel.values:
        raise DomainError("督办机关只能是消防救援局或总队。", code="invalid_level", field="level")
    unit = listing_unit(actor, locked_case, level)
    reference_no = _text(reference_no, "督办文号", "reference_no", required=False, max_length=100)
    if level == SupervisionLevel.BUREAU and unit.level != Level.BUREAU and not reference_no:
        raise DomainError(
            "登记消防救援局挂牌督办的，请填写消防救援局的督办文号。", code="required", field="reference_no"
        )
    on = _date(listed_on or _today(), "挂牌日期", "listed_on")
    due = _date(deadline, "督办期限", "deadline", past_only=False)
    if due < on:
        raise DomainError("督办期限不能早于挂牌日期。", code="deadline_before_start", field="deadline")
    if Supervision.objects.filter(case=locked_case, status=SupervisionStatus.ACTIVE).exists():
        raise DomainError("本事项正在挂牌督办中。", code="already_supervised", field="case")
    supervision = Supervision.objects.create(
        case=locked_case,
        level=level,
        listed_by_unit=unit,
        reference_no=reference_no,
        listed_on=on,
        deadline=due,
        requirements=_text(requirements, "督办要求", "requirements", required=False, max_length=5000),
        listed_by=actor,
    )
    audit_record(
        actor=actor,
        action="leadership.supervision.listed",
        target=supervision,
        unit=unit,
        after={"case": locked_case.pk, "level": level, "listed_on": on, "deadline": due, "reference_no": reference_no},
        request=request,
    )
    return supervision


def _lock_supervision(supervision: Supervision) -> Supervision:
    return (
        Supervision.objects.select_for_update(of=("self",))
        .select_related("case", "case__unit", "listed_by_unit")
        .get(pk=supervision.pk)
    )


def may_report_supervision(actor: Any, supervision: Supervision) -> bool:
    return has_perm(actor, RECORD_PERM, supervision.case.unit)


@transaction.atomic
def supervision_report(
    *, actor: Any, supervision: Supervision, on: Any, content: str, request: Any = None
) -> SupervisionReport:
    locked = _lock_supervision(supervision)
    if not may_report_supervision(actor, locked):
        raise DomainError("您无权报送本督办事项的进展。", code="forbidden")
    if not locked.is_active:
        raise DomainError("督办已解除，不能再报送进展。", code="invalid_state")
    day = _date(on, "报告日期", "on")
    if day < locked.listed_on:
        raise DomainError("报告日期不能早于挂牌日期。", code="date_too_early", field="on")
    report = SupervisionReport.objects.create(
        supervision=locked, on=day, content=_text(content, "进展情况", "content", max_length=5000), reported_by=actor
    )
    audit_record(
        actor=actor,
        action="leadership.supervision.reported",
        target=locked,
        unit=locked.case.unit,
        after={"report": report.pk, "on": day},
        request=request,
    )
    return report


@transaction.atomic
def supervision_lift(
    *, actor: Any, supervision: Supervision, reason: str, lifted_on: Any = None, request: Any = None
) -> Supervision:
    locked = _lock_supervision(supervision)
    _require(actor, SUPERVISE_PERM, locked.listed_by_unit, "只有挂牌单位可以解除督办。")
    if not locked.is_active:
        raise DomainError("督办已解除。", code="invalid_state")
    day = _date(lifted_on or _today(), "解除日期", "lifted_on")
    if day < locked.listed_on:
        raise DomainError("解除日期不能早于挂牌日期。", code="date_too_early", field="lifted_on")
    locked.status = SupervisionStatus.LIFTED
    locked.lifted_on = day
    locked.lift_reason = _text(reason, "解除理由", "reason", max_length=2000)
    locked.lifted_by = actor
    locked.save(update_fields=["status", "lifted_on", "lift_reason", "lifted_by"])
    audit_record(
        actor=actor,
        action="leadership.supervision.lifted",
        target=locked,
        unit=locked.listed_by_unit,
        after={"lifted_on": day, "reason": locked.lift_reason},
        request=request,
    )
    return locked
