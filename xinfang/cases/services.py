"""Every write to a case. Each service is keyword-only, actor first, atomic; it locks the case row
(select_for_update), consults the transition table (workflow.py), validates, changes the rows, and writes the
timeline entry (CaseEvent) and the audit record in the same transaction. A refusal raises DomainError with a
Chinese message and a stable code, and changes nothing.

Hook for notices (documents app): `register_transition_hook(fn)`; every step calls fn(event) inside its
transaction after recording it. `event.data["notice"]` names the document the step produces (受理告知书 …),
see workflow.TRANSITIONS; the objects a notice needs hang off `event.case` (unit, petitioners, transfers,
extensions, opinion).
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from xinfang.cases import deadlines
from xinfang.cases.idnumber import validate_id_number
from xinfang.cases.models import (
    ACK_STATUSES,
    CLOSED_STATUSES,
    DIVERT_ITEMS,
    IN_PROGRESS_STATUSES,
    MAX_REPRESENTATIVES,
    Art31Item,
    Attachment,
    Case,
    CaseCounter,
    CaseEvent,
    Category,
    Channel,
    Disposition,
    Evaluation,
    Extension,
    Kind,
    ObjectionDecision,
    Opinion,
    OpinionResult,
    Petitioner,
    Rating,
    Recusal,
    Status,
    Topic,
    Transfer,
    TransferKind,
    new_query_code,
)
from xinfang.cases.workflow import (
    APPROVE,
    BY_ACTION,
    HANDLE,
    REGISTER,
    Transition,
    check,
    forget_conflicts,
    is_conflicted,
    is_unit_head,
    pending_transfer,
)
from xinfang.core.audit import audit_record
from xinfang.core.errors import DomainError
from xinfang.core.fields import keyed_hash
from xinfang.core.legal_calendar import extended_due, review_due
from xinfang.core.scope import has_perm
from xinfang.core.uploads import sniff
from xinfang.orgs.models import Unit, User

# ---------------------------------------------------------------------------------------------------
# Hooks (extension point for the documents app; never the main flow)

TransitionHook = Callable[[CaseEvent], None]
_hooks: list[TransitionHook] = []


def register_transition_hook(hook: TransitionHook) -> TransitionHook:
    """Call `hook(event)` inside the transaction of every recorded step (registration included)."""
    if hook not in _hooks:
        _hooks.append(hook)
    return hook


# ---------------------------------------------------------------------------------------------------
# Small helpers


def _today() -> datetime.date:
    return timezone.localdate()


def _text(value: str | None, label: str, field: str, *, required: bool = True, max_length: int | None = None) -> str:
    value = (value or "").strip()
    if required and not value:
        raise DomainError(f"请填写{label}。", code="required", field=field)
    if max_length and len(value) > max_length:
        raise DomainError(f"{label}不能超过{max_length}个字。", code="too_long", field=field)
    return value


def _date(
    value: Any, label: str, field: str, *, not_before: datetime.date | None = None, before_label: str = ""
) -> datetime.date:
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
    if value > _today():
        raise DomainError(f"{label}不能晚于今天。", code="date_in_future", field=field)
    if not_before is not None and value < not_before:
        raise DomainError(
            f"{label}不能早于{before_label}（{not_before:%Y-%m-%d}）。", code="date_too_early", field=field
        )
    return value


def _snapshot(case: Case) -> dict[str, Any]:
    return {
        "status": case.status,
        "unit": case.unit_id,
        "handler": case.handler_id,
        "ack_due": case.ack_due,
        "accepted_on": case.accepted_on,
        "due": case.due,
        "extension_days": case.extension_days,
        "version": case.version,
    }


def _lock(case: Case | int, version: int | None = None) -> Case:
    pk = case.pk if isinstance(case, Case) else case
    locked = Case.objects.select_for_update(of=("self",)).select_related("unit", "accused_unit").get(pk=pk)
    if version is not None and int(version) != locked.version:
        raise DomainError("本事项已被他人修改，请刷新页面后重新操作。", code="stale")
    return locked


def _record(
    *,
    actor: Any,
    case: Case,
    action: str,
    audit_action: str,
    from_status: str,
    on: datetime.date | None = None,
    note: str = "",
    data: dict[str, Any] | None = None,
    before: dict[str, Any] | None = None,
    request: Any = None,
    notice: str = "",
) -> CaseEvent:
    """Save nothing but the event and the audit record; call after the case row was saved."""
    payload = dict(data or {})
    if notice:
        payload["notice"] = notice
    payload = {k: (v.isoformat() if isinstance(v, datetime.date) else v) for k, v in payload.items()}
    event = CaseEvent.objects.create(
        case=case,
        on=on,
        actor=actor if getattr(actor, "pk", None) else None,
        unit_id=case.unit_id,
        action=action,
        from_status=from_status,
        to_status=case.status,
        note=note,
        data=payload,
    )
    audit_record(
        actor=actor if getattr(actor, "pk", None) else None,
        actor_username="" if getattr(actor, "pk", None) else "petitioner",
        action=audit_action,
        target=case,
        unit=case.unit,
        before=before,
        after={**_snapshot(case), **payload},
        request=request,
    )
    for hook in list(_hooks):
        hook(event)
    return event


def _save(case: Case, fields: Iterable[str]) -> None:
    case.version += 1
    case.save(update_fields=[*fields, "version", "updated_at"])


@dataclass
class _Step:
    case: Case
    transition: Transition
    before: dict[str, Any]
    from_status: str


def _begin(actor: Any, case: Case, action: str, params: dict[str, Any] | None, version: int | None) -> _Step:
    locked = _lock(case, version)
    transition = check(locked, actor, action, params)
    return _Step(locked, transition, _snapshot(locked), locked.status)


def _finish(
    step: _Step,
    *,
    actor: Any,
    fields: Iterable[str],
    on: datetime.date | None = None,
    note: str = "",
    data: dict[str, Any] | None = None,
    request: Any = None,
) -> CaseEvent:
    t = step.transition
    if t.target is not None:
        step.case.status = t.target
    _save(step.case, {*fields, "status"})
    return _record(
        actor=actor,
        case=step.case,
        action=t.action,
        audit_action=t.event,
        from_status=step.from_status,
        on=on,
        note=note,
        data=data,
        before=step.before,
        request=request,
        notice=t.notice,
    )


def _can_handle(user: Any, case: Case) -> bool:
    return has_perm(user, HANDLE, case.unit) and not is_conflicted(user, case)


# ---------------------------------------------------------------------------------------------------
# Attachments (R2.1): type and size limits; the content is sniffed rather than trusting the name.

MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024
# extension -> (sniffed kind, stored content type)
ALLOWED_TYPES: dict[str, tuple[str, str]] = {
    "pdf": ("pdf", "application/pdf"),
    "jpg": ("jpeg", "image/jpeg"),
    "jpeg": ("jpeg", "image/jpeg"),
    "png": ("png", "image/png"),
    "doc": ("ole", "application/msword"),
    "xls": ("ole", "application/vnd.ms-excel"),
    "docx": ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "xlsx": ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "txt": ("text", "text/plain; charset=utf-8"),
}
ALLOWED_LABEL = "PDF、JPG、PNG、DOC/DOCX、XLS/XLSX、TXT"


@dataclass
class _CheckedFile:
    upload: Any
    name: str
    content_type: str
    size: int
    sha256: str


def _check_upload(upload: Any) -> _CheckedFile:
    name = (getattr(upload, "name", "") or "").replace("\\", "/").split("/")[-1].strip()
    if not name:
        raise DomainError("附件缺少文件名。", code="attachment_name", field="attachments")
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext not in ALLOWED_TYPES:
        raise DomainError(
            f"附件“{name}”的类型不允许，只接受{ALLOWED_LABEL}。", code="attachment_type", field="attachments"
        )
    size = getattr(upload, "size", None)
    digest = hashlib.sha256()
    counted = 0
    upload.seek(0)
    for chunk in iter(lambda: upload.read(1024 * 1024), b""):
        counted += len(chunk)
        if counted > MAX_ATTACHMENT_BYTES:
            break
        digest.update(chunk)
    size = counted if size is None or size < counted else size
    if size > MAX_ATTACHMENT_BYTES:
        raise DomainError(f"附件“{name}”超过20MB。", code="attachment_size", field="attachments")
    if size == 0:
        raise DomainError(f"附件“{name}”是空文件。", code="attachment_empty", field="attachments")
    expected, content_type = ALLOWED_TYPES[ext]
    if sniff(upload) != expected:
        raise DomainError(
            f"附件“{name}”的内容与扩展名不符（不是有效的{ext.upper()}文件）。",
            code="attachment_content",
            field="attachments",
        )
    upload.seek(0)
    return _CheckedFile(upload, name[:255], content_type, size, digest.hexdigest())


def _store(actor: Any, case: Case, checked: _CheckedFile, stored: list[Any]) -> Attachment:
    """Save the file under MEDIA_ROOT with a random name; `stored` collects it for clean-up on failure."""
    from django.core.files import File

    upload = checked.upload
    django_file = upload if isinstance(upload, (UploadedFile, File)) else File(upload, name=checked.name)
    attachment = Attachment(
        case=case,
        original_name=checked.name,
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
        uploaded_by=actor,
    )
    attachment.file.save(checked.name, django_file, save=False)
    stored.append(attachment.file)
    attachment.save()
    return attachment


def _delete_files(stored: list[Any]) -> None:
    """A failed service leaves no file behind (the rows roll back; the files are deleted here)."""
    for f in stored:
        try:
            f.storage.delete(f.name)
        except OSError:  # pragma: no cover - best effort
            pass


@transaction.atomic
def attachment_add(*, actor: Any, case: Case, file: Any, request: Any = None) -> Attachment:
    """Add a scan or photo to a case (register or handle permission at the handling unit)."""
    locked = _lock(case)
    if not (has_perm(actor, HANDLE, locked.unit) or has_perm(actor, REGISTER, locked.unit)):
        raise DomainError("您无权为本事项添加附件。", code="forbidden")
    checked = _check_upload(file)
    stored: list[Any] = []
    try:
        attachment = _store(actor, locked, checked, stored)
        _save(locked, [])
        _record(
            actor=actor,
            case=locked,
            action="add_attachment",
            audit_action="cases.attachment.added",
            from_status=locked.status,
            data={"attachment": attachment.pk, "name": attachment.original_name, "sha256": attachment.sha256},
            request=request,
        )
    except BaseException:
        _delete_files(stored)
        raise
    return attachment


# ---------------------------------------------------------------------------------------------------
# Registration (R2.1–R2.3)


@dataclass
class PetitionerData:
    name: str = ""
    id_number: str = ""
    phone: str = ""
    address: str = ""
    is_representative: bool = False

    @classmethod
    def of(cls, value: PetitionerData | dict[str, Any]) -> PetitionerData:
        if isinstance(value, PetitionerData):
            return value
        return cls(
            name=str(value.get("name") or ""),
            id_number=str(value.get("id_number") or ""),
            phone=str(value.get("phone") or ""),
            address=str(value.get("address") or ""),
            is_representative=bool(value.get("is_representative", False)),
        )


def _clean_petitioners(raw: Sequence[PetitionerData | dict[str, Any]], anonymous: bool) -> list[PetitionerData]:
    people: list[PetitionerData] = []
    for i, item in enumerate(raw):
        p = PetitionerData.of(item)
        p.name = p.name.strip()
        p.phone = p.phone.strip()
        p.address = p.address.strip()
        p.id_number = (
            validate_id_number(p.id_number, field=f"petitioners[{i}].id_number") if p.id_number.strip() else ""
        )
        if p.phone and (len([c for c in p.phone if c.isdigit()]) < 5 or len(p.phone) > 30):
            raise DomainError("联系电话格式不正确。", code="invalid_phone", field=f"petitioners[{i}].phone")
        if len(p.name) > 50:
            raise DomainError("信访人姓名不能超过50个字。", code="too_long", field=f"petitioners[{i}].name")
        if not (p.name or p.id_number or p.phone or p.address):
            continue
        if anonymous and (p.name or p.id_number):
            raise DomainError("匿名信访不应填写信访人姓名或身份证号码。", code="anonymous_named", field="petitioners")
        if not anonymous and not p.name:
            raise DomainError(
                "请填写信访人姓名（匿名信访请勾选“匿名”）。", code="petitioner_name", field=f"petitioners[{i}].name"
            )
        people.append(p)
    if not anonymous and not people:
        raise DomainError(
            "请至少填写一名信访人（匿名信访请勾选“匿名”）。", code="petitioner_required", field="petitioners"
        )
    return people


def _check_collective(people: list[PetitionerData], headcount: int | None) -> tuple[int, bool]:
    count = headcount if headcount is not None else max(1, len(people))
    if count < 1:
        raise DomainError("人数至少为1。", code="invalid_headcount", field="headcount")
    if count < len(people):
        raise DomainError("人数不能少于登记的信访人数。", code="invalid_headcount", field="headcount")
    collective = count >= MAX_REPRESENTATIVES
    reps = [p for p in people if p.is_representative]
    if len(reps) > MAX_REPRESENTATIVES:
        raise DomainError(
            "集体信访推选的代表不得超过5人（条例第二十条）。", code="too_many_representatives", field="petitioners"
        )
    if collective and not reps:
        if len(people) > MAX_REPRESENTATIVES:
            raise DomainError(
                "集体信访应推选代表，请在信访人中标明代表（不超过5人，条例第二十条）。",
                code="representatives_required",
                field="petitioners",
            )
        for p in people:
            p.is_representative = True
    return count, collective


def _topic(topic: Topic | str | int) -> Topic:
    if isinstance(topic, Topic):
        found: Topic | None = topic
    elif isinstance(topic, int) or (isinstance(topic, str) and topic.isdigit()):
        found = Topic.objects.filter(pk=int(topic)).first()
    else:
        found = Topic.objects.filter(code=str(topic)).first()
    if found is None or not found.active:
        raise DomainError("业务分类不存在或已停用。", code="invalid_topic", field="topic")
    return found


def _matter_roots(case: Case) -> set[int]:
    """The initial cases of the matter `case` belongs to (following review parents and repeat links)."""
    roots: set[int] = set()
    seen: set[int] = set()
    todo = [case]
    while todo:
        c = todo.pop()
        if c.pk in seen or len(seen) > 50:
            continue
        seen.add(c.pk)
        if c.parent_case_id:
            todo.append(c.parent_case)  # type: ignore[arg-type]
        elif c.original_case_id:
            roots.add(c.pk)
            todo.append(c.original_case)  # type: ignore[arg-type]
        else:
            roots.add(c.pk)
    return roots


def matter_through_rereview(case: Case) -> bool:
    """Art 36: has the matter of `case` received a 复核 opinion?"""
    from xinfang.cases.models import ANSWERED_STATUSES

    roots = _matter_roots(case)
    return Case.objects.filter(
        kind=Kind.REREVIEW, parent_case__parent_case_id__in=roots, status__in=ANSWERED_STATUSES
    ).exists()


def _check_original(actor: Any, unit: Unit, original: Case, received_on: datetime.date, new_facts: str) -> Case:
    visible = Case.objects.visible_to(actor).filter(pk=original.pk).select_related("unit").first()
    if visible is None:
        raise DomainError(
            "关联的原信访事项不存在或不在您的权限范围内。", code="invalid_original", field="original_case"
        )
    if matter_through_rereview(visible) and not new_facts:
        raise DomainError(
            "该信访事项已经复核终结，信访人以同一事实和理由再次提出的不再受理；如有新的事实和理由，请填写后登记（条例第三十六条）。",
            code="art36_closed",
            field="new_facts",
        )
    below = visible.unit.path.startswith(unit.path) and visible.unit_id != unit.pk
    limit = visible.deadline
    if below and visible.status in IN_PROGRESS_STATUSES and (limit is None or received_on <= limit):
        raise DomainError(
            f"该信访事项正在由{visible.unit.name}在法定期限内办理（编号{visible.number}），"
            "上级单位对同一事项不予受理（条例第十九条）。",
            code="art19_in_progress_below",
            field="original_case",
        )
    return visible


def _check_accused(
    unit: Unit, category: str, accused_unit: Unit | None, officials: list[User], accused_names: str, actor: Any
) -> None:
    if category != Category.ACCUSATION:
        if accused_unit is not None or officials or accused_names:
            raise DomainError("只有检举控告类事项填写被反映对象。", code="accused_not_accusation", field="accused_unit")
        return
    if accused_unit is None and not officials and not accused_names:
        raise DomainError("检举控告类事项请填写被反映单位或人员。", code="accused_required", field="accused_unit")
    if accused_unit is not None and unit.path.startswith(accused_unit.path):
        raise DomainError(
            "检举控告类事项不能由被检举控告的单位或其下级单位办理，请报送上级单位登记（条例第三十条）。",
            code="accused_unit_handling",
            field="accused_unit",
        )
    if actor is not None and any(o.pk == actor.pk for o in officials):
        raise DomainError(
            "您是被反映人员，应当回避（条例第二十八条）。", code="conflict_of_interest", field="accused_officials"
        )


def _next_number(unit: Unit, year: int) -> tuple[int, str]:
    """The next sequence number of (unit, year), under a row lock held until the transaction ends."""
    counter = CaseCounter.objects.select_for_update().filter(unit=unit, year=year).first()
    if counter is None:
        try:
            with transaction.atomic():
                CaseCounter.objects.create(unit=unit, year=year, last=0)
        except IntegrityError:
            pass  # created concurrently; lock it below
        counter = CaseCounter.objects.select_for_update().get(unit=unit, year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return counter.last, f"{unit.code}-{year}-{counter.last:04d}"


def _query_code_hash(number: str, code: str) -> str:
    return keyed_hash(f"query|{number}|{code.strip().upper()}")


def query_code_matches(case: Case, code: str) -> bool:
    return bool(case.query_code_hash) and hmac.compare_digest(case.query_code_hash, _query_code_hash(case.number, code))


def _create_petitioners(case: Case, people: list[PetitionerData]) -> None:
    for i, p in enumerate(people):
        Petitioner.objects.create(
            case=case,
            name=p.name,
            id_number=p.id_number,
            phone=p.phone,
            address=p.address,
            is_representative=p.is_representative,
            order=i,
        )


@transaction.atomic
def case_register(
    *,
    actor: Any,
    unit: Unit,
    channel: str,
    received_on: datetime.date,
    category: str,
    topic: Topic | str | int,
    title: str,
    content: str,
    petitioners: Sequence[PetitionerData | dict[str, Any]] = (),
    headcount: int | None = None,
    is_anonymous: bool = False,
    accused_unit: Unit | None = None,
    accused_officials: Sequence[User] = (),
    accused_names: str = "",
    original_case: Case | None = None,
    new_facts: str = "",
    source: str = "",
    reference_no: str = "",
    attachments: Sequence[Any] = (),
    request: Any = None,
    by_petitioner: bool = False,
) -> Case:
    """登记 a petition at `unit`. Returns the case with `case.plain_query_code` set (shown once, stored hashed).

    Refuses: no register permission at the unit; bad channel/category/topic/dates; a bad ID number (GB 11643);
    more than 5 representatives (Art 20); a 检举控告 case handled inside the accused unit (Art 30); a repeat of a
    matter already through 复核 without new facts (Art 36); at a higher unit, a matter being handled below
    within its time limit (Art 19). Numbers are `<unit code>-<year>-<seq>`, gap-free.
    """
    unit = Unit.objects.get(pk=unit.pk)
    if by_petitioner:  # 网上信访 filed by the petitioner himself on the public portal (Art 21); actor = its account
        if channel != Channel.ONLINE:
            raise DomainError("信访人自行提交的事项只能是网上信访。", code="invalid_channel", field="channel")
    elif not has_perm(actor, REGISTER, unit):
        raise DomainError("您无权在该单位登记信访事项。", code="forbidden", field="unit")
    if not unit.is_active:
        raise DomainError("该单位已停用。", code="unit_inactive", field="unit")
    if channel not in Channel.values:
        raise DomainError("来源渠道无效。", code="invalid_channel", field="channel")
    source = _text(source, "交办/转送机关", "source", required=channel == Channel.ASSIGNED, max_length=100)
    reference_no = _text(reference_no, "来文编号", "reference_no", required=False, max_length=100)
    received_on = _date(received_on, "收到日期", "received_on")
    if category not in Category.values:
        raise DomainError("信访事项类别无效。", code="invalid_category", field="category")
    topic_obj = _topic(topic)
    title = _text(title, "事由", "title", max_length=200)
    content = _text(content, "主要内容", "content")
    people = _clean_petitioners(petitioners, bool(is_anonymous))
    count, collective = _check_collective(people, headcount)
    officials = list(accused_officials)
    accused_names = _text(accused_names, "被反映人员", "accused_names", required=False, max_length=200)
    if accused_unit is not None:
        accused_unit = Unit.objects.get(pk=accused_unit.pk)
    _check_accused(unit, category, accused_unit, officials, accused_names, actor)
    new_facts = (new_facts or "").strip()
    original: Case | None = None
    if original_case is not None:
        original = _check_original(actor, unit, original_case, received_on, new_facts)
    elif new_facts:
        raise DomainError(
            "填写新的事实和理由时，请关联原信访事项。", code="new_facts_without_original", field="original_case"
        )
    checked = [_check_upload(f) for f in attachments]

    stored: list[Any] = []
    try:
        return _create_case(
            actor=actor,
            unit=unit,
            received_on=received_on,
            original=original,
            new_facts=new_facts,
            channel=channel,
            source=source,
            reference_no=reference_no,
            category=category,
            topic=topic_obj,
            title=title,
            content=content,
            headcount=count,
            collective=collective,
            is_anonymous=bool(is_anonymous),
            accused_unit=accused_unit,
            accused_names=accused_names,
            officials=officials,
            people=people,
            checked=checked,
            stored=stored,
            request=request,
        )
    except BaseException:
        _delete_files(stored)
        raise


def _create_case(
    *,
    actor: Any,
    unit: Unit,
    received_on: datetime.date,
    original: Case | None,
    new_facts: str,
    channel: str,
    source: str,
    reference_no: str,
    category: str,
    topic: Topic,
    title: str,
    content: str,
    headcount: int,
    collective: bool,
    is_anonymous: bool,
    accused_unit: Unit | None,
    accused_names: str,
    officials: list[User],
    people: list[PetitionerData],
    checked: list[_CheckedFile],
    stored: list[Any],
    request: Any,
) -> Case:
    seq, number = _next_number(unit, received_on.year)
    code = new_query_code()
    case = Case.objects.create(
        unit=unit,
        number=number,
        registered_unit=unit,
        year=received_on.year,
        seq=seq,
        kind=Kind.INITIAL,
        original_case=original,
        new_facts=new_facts,
        channel=channel,
        source=source,
        reference_no=reference_no,
        received_on=received_on,
        category=category,
        topic=topic,
        title=title,
        content=content,
        headcount=headcount,
        is_collective=collective,
        is_anonymous=is_anonymous,
        accused_unit=accused_unit,
        accused_names=accused_names,
        status=Status.REGISTERED,
        registered_by=actor,
        ack_from=received_on,
        ack_due=deadlines.ack_due(received_on),
        query_code_hash=_query_code_hash(number, code),
    )
    if officials:
        case.accused_officials.set(officials)
        forget_conflicts(case)
    _create_petitioners(case, people)
    attachments = [_store(actor, case, c, stored) for c in checked]
    _record(
        actor=actor,
        case=case,
        action="register",
        audit_action="cases.case.registered",
        from_status="",
        on=received_on,
        data={
            "number": number,
            "channel": channel,
            "category": category,
            "petitioners": len(people),
            "attachments": [a.pk for a in attachments],
            "original_case": original.pk if original else None,
        },
        request=request,
    )
    case.plain_query_code = code  # type: ignore[attr-defined]
    return case


@transaction.atomic
def case_reset_query_code(*, actor: Any, case: Case, request: Any = None) -> str:
    """Issue a new 查询码 (the old one stops working); returns the plain code, shown once."""
    locked = _lock(case)
    if not (has_perm(actor, REGISTER, locked.unit) or has_perm(actor, HANDLE, locked.unit)):
        raise DomainError("您无权重置查询码。", code="forbidden")
    code = new_query_code()
    locked.query_code_hash = _query_code_hash(locked.number, code)
    _save(locked, ["query_code_hash"])
    _record(
        actor=actor,
        case=locked,
        action="reset_query_code",
        audit_action="cases.case.query_code_reset",
        from_status=locked.status,
        request=request,
    )
    return code


UPDATABLE_FIELDS = ("title", "content", "topic", "headcount", "source", "reference_no")


@transaction.atomic
def case_update(*, actor: Any, case: Case, version: int | None = None, request: Any = None, **changes: Any) -> Case:
    """Correct registration details while the case awaits its decision (title, content, topic, headcount,
    source, reference_no)."""
    locked = _lock(case, version)
    if not (has_perm(actor, REGISTER, locked.unit) or has_perm(actor, HANDLE, locked.unit)):
        raise DomainError("您无权修改本事项。", code="forbidden")
    if locked.status not in ACK_STATUSES:
        raise DomainError("事项受理或处理后不能再修改登记信息。", code="invalid_state")
    unknown = set(changes) - set(UPDATABLE_FIELDS)
    if unknown:
        raise DomainError(f"不能修改：{'、'.join(sorted(unknown))}。", code="invalid_field")
    before = {f: str(getattr(locked, f if f != "topic" else "topic_id")) for f in changes}
    if "title" in changes:
        locked.title = _text(changes["title"], "事由", "title", max_length=200)
    if "content" in changes:
        locked.content = _text(changes["content"], "主要内容", "content")
    if "topic" in changes:
        locked.topic = _topic(changes["topic"])
    if "headcount" in changes:
        count = int(changes["headcount"])
        listed = locked.petitioners.count()
        if count < max(1, listed):
            raise DomainError("人数不能少于登记的信访人数。", code="invalid_headcount", field="headcount")
        reps = locked.petitioners.filter(is_representative=True).count()
        if count >= MAX_REPRESENTATIVES and not reps and listed > MAX_REPRESENTATIVES:
            raise DomainError("集体信访应推选代表（不超过5人）。", code="representatives_required", field="headcount")
        locked.headcount = count
        locked.is_collective = count >= MAX_REPRESENTATIVES
    if "source" in changes:
        locked.source = _text(
            changes["source"], "交办/转送机关", "source", required=locked.channel == Channel.ASSIGNED, max_length=100
        )
    if "reference_no" in changes:
        locked.reference_no = _text(changes["reference_no"], "来文编号", "reference_no", required=False, max_length=100)
    fields = [("topic" if f == "topic" else f) for f in changes] + (["is_collective"] if "headcount" in changes else [])
    _save(locked, fields)
    _record(
        actor=actor,
        case=locked,
        action="update",
        audit_action="cases.case.updated",
        from_status=locked.status,
        data={"fields": sorted(changes), "before": before},
        request=request,
    )
    return locked


# ---------------------------------------------------------------------------------------------------
# Handler, recusal (Art 28)


@transaction.atomic
def case_assign_handler(*, actor: Any, case: Case, handler: User, request: Any = None) -> Case:
    locked = _lock(case)
    if not (has_perm(actor, HANDLE, locked.unit) or has_perm(actor, APPROVE, locked.unit)):
        raise DomainError("您无权确定本事项的承办人。", code="forbidden")
    if locked.status in CLOSED_STATUSES:
        raise DomainError("事项已办结，不能更换承办人。", code="invalid_state")
    if not has_perm(handler, HANDLE, locked.unit):
        raise DomainError("承办人须为办理单位的信访干部。", code="invalid_handler", field="handler")
    if is_conflicted(handler, locked):
        raise DomainError(
            "承办人与本事项存在利害关系或为被反映对象，应当回避（条例第二十八条）。",
            code="conflict_of_interest",
            field="handler",
        )
    before = _snapshot(locked)
    locked.handler = handler
    _save(locked, ["handler"])
    _record(
        actor=actor,
        case=locked,
        action="assign_handler",
        audit_action="cases.case.handler_assigned",
        from_status=locked.status,
        data={"handler": handler.pk},
        before=before,
        request=request,
    )
    return locked


@transaction.atomic
def case_declare_interest(*, actor: Any, case: Case, user: User, reason: str, request: Any = None) -> Recusal:
    """Record that `user` has an interest in the case (Art 28): he may no longer handle or approve it."""
    locked = _lock(case)
    if actor.pk != user.pk and not (has_perm(actor, HANDLE, locked.unit) or has_perm(actor, APPROVE, locked.unit)):
        raise DomainError("您无权为他人申报回避。", code="forbidden")
    reason = _text(reason, "回避理由", "reason", max_length=1000)
    if locked.recusals.filter(user=user).exists():
        raise DomainError("该人员已申报回避。", code="already_recused", field="user")
    recusal = Recusal.objects.create(case=locked, user=user, reason=reason, declared_by=actor)
    forget_conflicts(locked)
    forget_conflicts(case)
    fields: list[str] = []
    if locked.handler_id == user.pk:
        locked.handler = None
        fields.append("handler")
    _save(locked, fields)
    _record(
        actor=actor,
        case=locked,
        action="declare_interest",
        audit_action="cases.case.interest_declared",
        from_status=locked.status,
        data={"user": user.pk},
        note=reason,
        request=request,
    )
    return recusal


# ---------------------------------------------------------------------------------------------------
# The decision on a registered (or forwarded) case: accept, decline, divert, forward (Art 23, 31)


def _check_handler(handler: User | None, case: Case) -> None:
    if handler is None:
        return
    if not has_perm(handler, HANDLE, case.unit):
        raise DomainError("承办人须为办理单位的信访干部。", code="invalid_handler", field="handler")
    if is_conflicted(handler, case):
        raise DomainError(
            "承办人与本事项存在利害关系或为被反映对象，应当回避（条例第二十八条）。",
            code="conflict_of_interest",
            field="handler",
        )


@transaction.atomic
def case_accept(
    *,
    actor: Any,
    case: Case,
    accepted_on: datetime.date,
    handler: User | None = None,
    note: str = "",
    version: int | None = None,
    request: Any = None,
) -> Case:
    """受理 under Art 31 item 六: the 60-day clock (Art 34) starts — due = accepted_on + 60 (counting rule)."""
    step = _begin(actor, case, "accept", None, version)
    c = step.case
    accepted_on = _date(
        accepted_on, "受理日期", "accepted_on", not_before=c.ack_from or c.received_on, before_label="收到日期"
    )
    if handler is None and _can_handle(actor, c):
        handler = actor
    _check_handler(handler, c)
    c.accepted_on = accepted_on
    c.decided_on = accepted_on
    c.acknowledged_on = accepted_on
    c.art31_item = Art31Item.PETITION
    c.due = extended_due(accepted_on, deadlines.CONCLUSION_DAYS, 0)
    c.handler = handler
    if c.first_unit_id is None:  # 首办负责制: the first accepting unit and officer stay recorded
        c.first_unit = c.unit
        c.first_officer = handler
    _finish(
        step,
        actor=actor,
        fields=[
            "accepted_on",
            "decided_on",
            "acknowledged_on",
            "art31_item",
            "due",
            "handler",
            "first_unit",
            "first_officer",
        ],
        on=accepted_on,
        note=note,
        data={"accepted_on": accepted_on, "due": c.due},
        request=request,
    )
    return c


@transaction.atomic
def case_decline(
    *, actor: Any, case: Case, decided_on: datetime.date, reason: str, version: int | None = None, request: Any = None
) -> Case:
    """不予受理, with the reason written to the petitioner (不予受理告知书)."""
    step = _begin(actor, case, "decline", None, version)
    c = step.case
    decided_on = _date(
        decided_on, "决定日期", "decided_on", not_before=c.ack_from or c.received_on, before_label="收到日期"
    )
    c.decline_reason = _text(reason, "不予受理理由", "reason", max_length=2000)
    c.decided_on = decided_on
    c.acknowledged_on = decided_on
    _finish(
        step,
        actor=actor,
        fields=["decline_reason", "decided_on", "acknowledged_on"],
        on=decided_on,
        note=c.decline_reason,
        data={"decided_on": decided_on},
        request=request,
    )
    return c


@transaction.atomic
def case_divert(
    *,
    actor: Any,
    case: Case,
    decided_on: datetime.date,
    art31_item: int,
    route: str,
    version: int | None = None,
    request: Any = None,
) -> Case:
    """导出 (Art 31 items 一–五): the petitioner is told the legal route; no petition clock runs."""
    step = _begin(actor, case, "divert", None, version)
    c = step.case
    try:
        item = int(art31_item)
    except (TypeError, ValueError):
        item = 0
    if item not in DIVERT_ITEMS:
        raise DomainError(
            "导出只适用于条例第三十一条第（一）至（五）项情形。", code="invalid_art31_item", field="art31_item"
        )
    decided_on = _date(
        decided_on, "决定日期", "decided_on", not_before=c.ack_from or c.received_on, before_label="收到日期"
    )
    c.route = _text(route, "导入的法定途径", "route", max_length=1000)
    c.art31_item = item
    c.decided_on = decided_on
    c.acknowledged_on = decided_on
    c.due = None
    _finish(
        step,
        actor=actor,
        fields=["route", "art31_item", "decided_on", "acknowledged_on", "due"],
        on=decided_on,
        note=c.route,
        data={"decided_on": decided_on, "art31_item": item},
        request=request,
    )
    return c


@transaction.atomic
def case_forward(
    *,
    actor: Any,
    case: Case,
    to_unit: Unit,
    forwarded_on: datetime.date,
    kind: str = TransferKind.FORWARD,
    result_due: datetime.date | None = None,
    note: str = "",
    version: int | None = None,
    request: Any = None,
) -> Transfer:
    """转送 to a competent unit, or 交办 to a unit below with a deadline for the result. The case moves to the
    receiving unit, whose 15-day 受理告知 period starts on receipt; it may object within 5 working days."""
    to_unit = Unit.objects.get(pk=to_unit.pk)
    step = _begin(actor, case, "forward", {"to_unit": to_unit}, version)
    c = step.case
    if kind not in TransferKind.values:
        raise DomainError("转送方式无效。", code="invalid_kind", field="kind")
    if to_unit.pk == c.unit_id:
        raise DomainError("不能转送给本单位。", code="forward_to_self", field="to_unit")
    if not to_unit.is_active:
        raise DomainError("接收单位已停用。", code="unit_inactive", field="to_unit")
    forwarded_on = _date(
        forwarded_on, "转送日期", "forwarded_on", not_before=c.ack_from or c.received_on, before_label="收到日期"
    )
    if kind == TransferKind.ASSIGN:
        if not (to_unit.path.startswith(c.unit.path) and to_unit.pk != c.unit_id):
            raise DomainError("交办只能交给本单位的下级单位。", code="assign_not_below", field="to_unit")
        if result_due is None:
            raise DomainError("交办应当明确报送办理结果的期限。", code="result_due_required", field="result_due")
        if result_due <= forwarded_on:
            raise DomainError("报送结果期限应晚于交办日期。", code="invalid_result_due", field="result_due")
    elif result_due is not None and result_due <= forwarded_on:
        raise DomainError("报送结果期限应晚于转送日期。", code="invalid_result_due", field="result_due")
    transfer = Transfer.objects.create(
        case=c,
        kind=kind,
        from_unit=c.unit,
        to_unit=to_unit,
        on=forwarded_on,
        result_due=result_due,
        objection_due=deadlines.objection_due(forwarded_on),
        note=(note or "").strip(),
        created_by=actor,
        source_ack_from=c.ack_from,
    )
    from_unit = c.unit
    c.unit = to_unit
    c.acknowledged_on = forwarded_on  # the petitioner is told where the matter went
    c.ack_from = forwarded_on
    c.ack_due = deadlines.ack_due(forwarded_on)
    c.handler = None
    _finish(
        step,
        actor=actor,
        fields=["unit", "acknowledged_on", "ack_from", "ack_due", "handler"],
        on=forwarded_on,
        note=transfer.note,
        data={
            "transfer": transfer.pk,
            "kind": kind,
            "from_unit": from_unit.pk,
            "to_unit": to_unit.pk,
            "result_due": result_due,
            "objection_due": transfer.objection_due,
        },
        request=request,
    )
    return transfer


@transaction.atomic
def case_object(
    *, actor: Any, case: Case, objected_on: datetime.date, reason: str, version: int | None = None, request: Any = None
) -> Transfer:
    """The receiving unit objects to a forwarding within 5 working days of receipt (Art 23)."""
    objected_on = _date(objected_on, "提出异议日期", "objected_on")
    step = _begin(actor, case, "object", {"objected_on": objected_on}, version)
    c = step.case
    transfer = pending_transfer(c)
    assert transfer is not None  # guarded by objection_in_time
    if objected_on < transfer.on:
        raise DomainError("提出异议日期不能早于收到日期。", code="date_too_early", field="objected_on")
    transfer.objected_on = objected_on
    transfer.objection_reason = _text(reason, "异议理由", "reason", max_length=2000)
    transfer.objection_by = actor
    transfer.save(update_fields=["objected_on", "objection_reason", "objection_by"])
    _finish(
        step,
        actor=actor,
        fields=[],
        on=objected_on,
        note=transfer.objection_reason,
        data={"transfer": transfer.pk},
        request=request,
    )
    return transfer


def _decide_objection(
    *, actor: Any, case: Case, action: str, decided_on: datetime.date, note: str, version: int | None, request: Any
) -> Transfer:
    step = _begin(actor, case, action, None, version)
    c = step.case
    transfer = pending_transfer(c)
    assert transfer is not None and transfer.objected_on is not None
    decided_on = _date(
        decided_on, "处理日期", "decided_on", not_before=transfer.objected_on, before_label="提出异议日期"
    )
    transfer.objection_decided_on = decided_on
    transfer.objection_decided_by = actor
    fields: list[str] = []
    if action == "agree_objection":
        transfer.objection_decision = ObjectionDecision.AGREED
        c.unit = transfer.from_unit
        c.ack_from = transfer.source_ack_from or c.received_on
        c.ack_due = deadlines.ack_due(c.ack_from)
        c.acknowledged_on = None
        c.handler = None
        fields = ["unit", "ack_from", "ack_due", "acknowledged_on", "handler"]
    else:
        transfer.objection_decision = ObjectionDecision.REJECTED
    transfer.save(update_fields=["objection_decision", "objection_decided_on", "objection_decided_by"])
    _finish(
        step,
        actor=actor,
        fields=fields,
        on=decided_on,
        note=(note or "").strip(),
        data={"transfer": transfer.pk},
        request=request,
    )
    return transfer


@transaction.atomic
def case_objection_agree(
    *,
    actor: Any,
    case: Case,
    decided_on: datetime.date,
    note: str = "",
    version: int | None = None,
    request: Any = None,
) -> Transfer:
    """The sending unit agrees with the objection: the case returns to it (status 待受理)."""
    return _decide_objection(
        actor=actor,
        case=case,
        action="agree_objection",
        decided_on=decided_on,
        note=note,
        version=version,
        request=request,
    )


@transaction.atomic
def case_objection_reject(
    *,
    actor: Any,
    case: Case,
    decided_on: datetime.date,
    note: str = "",
    version: int | None = None,
    request: Any = None,
) -> Transfer:
    """The sending unit rejects the objection: the receiving unit keeps the case."""
    return _decide_objection(
        actor=actor,
        case=case,
        action="reject_objection",
        decided_on=decided_on,
        note=note,
        version=version,
        request=request,
    )


# ---------------------------------------------------------------------------------------------------
# Extension (Art 34) and hearings (Art 36)


@transaction.atomic
def case_extend(
    *,
    actor: Any,
    case: Case,
    days: int,
    reason: str,
    approved_by: User,
    notified_on: datetime.date,
    version: int | None = None,
    request: Any = None,
) -> Extension:
    """延期: only an accepted case still without an opinion; a reason; approved by the unit's 主官 or 分管领导
    (cases.case.approve there), who is not the handling officer; the petitioner notified. All extensions of a case
    total at most 30 days. The period counted from acceptance is lengthened: due = accepted_on + 60 + total days,
    then the counting rule — not the extension added to an already holiday-shifted date."""
    step = _begin(actor, case, "extend", None, version)
    c = step.case
    try:
        days = int(days)
    except (TypeError, ValueError):
        raise DomainError("延长天数应为整数。", code="invalid_days", field="days") from None
    if days < 1:
        raise DomainError("延长天数至少为1日。", code="invalid_days", field="days")
    if c.extension_days + days > deadlines.MAX_EXTENSION_DAYS:
        left = deadlines.MAX_EXTENSION_DAYS - c.extension_days
        raise DomainError(
            f"延长期限累计不得超过30日（条例第三十四条），本事项已延长{c.extension_days}日，最多还可延长{left}日。",
            code="extension_limit",
            field="days",
        )
    reason = _text(reason, "延期理由", "reason", max_length=2000)
    if approved_by is None:
        raise DomainError("请选择批准人。", code="required", field="approved_by")
    if not is_unit_head(approved_by, c.unit):
        raise DomainError("延期须经办理单位主官或分管领导批准。", code="approver_not_leader", field="approved_by")
    if approved_by.pk in {c.handler_id, getattr(actor, "pk", None)}:
        raise DomainError("批准人不能是承办人本人。", code="approver_is_handler", field="approved_by")
    if is_conflicted(approved_by, c):
        raise DomainError(
            "批准人与本事项存在利害关系，应当回避（条例第二十八条）。", code="conflict_of_interest", field="approved_by"
        )
    assert c.accepted_on is not None and c.due is not None
    notified_on = _date(notified_on, "告知信访人日期", "notified_on", not_before=c.accepted_on, before_label="受理日期")
    if notified_on > c.due:
        raise DomainError(
            f"办理期限已于{c.due:%Y年%m月%d日}届满，届满后不能再延期。", code="extension_after_due", field="notified_on"
        )
    due_before = c.due
    c.extension_days += days
    c.due = extended_due(c.accepted_on, deadlines.CONCLUSION_DAYS, c.extension_days)
    extension = Extension.objects.create(
        case=c,
        days=days,
        reason=reason,
        approved_by=approved_by,
        notified_on=notified_on,
        due_before=due_before,
        due_after=c.due,
        created_by=actor,
    )
    _finish(
        step,
        actor=actor,
        fields=["extension_days", "due"],
        on=notified_on,
        note=reason,
        data={
            "extension": extension.pk,
            "days": days,
            "total": c.extension_days,
            "due_before": due_before,
            "due": c.due,
        },
        request=request,
    )
    return extension


@transaction.atomic
def case_record_hearing(
    *,
    actor: Any,
    case: Case,
    days: int,
    held_on: datetime.date,
    note: str = "",
    version: int | None = None,
    request: Any = None,
) -> Case:
    """A 复查/复核 hearing (听证): its days are not counted in the 30-day period (Art 36)."""
    step = _begin(actor, case, "record_hearing", None, version)
    c = step.case
    try:
        days = int(days)
    except (TypeError, ValueError):
        raise DomainError("听证天数应为整数。", code="invalid_days", field="days") from None
    if days < 1 or days > 90:
        raise DomainError("听证天数应在1至90日之间。", code="invalid_days", field="days")
    assert c.accepted_on is not None
    held_on = _date(held_on, "听证日期", "held_on", not_before=c.accepted_on, before_label="收到复查/复核请求日期")
    c.hearing_days += days
    c.due = review_due(c.accepted_on, deadlines.REVIEW_DAYS, c.hearing_days)
    _finish(
        step,
        actor=actor,
        fields=["hearing_days", "due"],
        on=held_on,
        note=(note or "").strip(),
        data={"days": days, "total": c.hearing_days, "due": c.due},
        request=request,
    )
    return c


# ---------------------------------------------------------------------------------------------------
# The opinion (Art 32): draft → approve (not by the drafter) → issue → deliver


@transaction.atomic
def opinion_draft(
    *,
    actor: Any,
    case: Case,
    result: str,
    facts: str,
    opinion: str,
    legal_basis: str,
    request_summary: str = "",
    issued_on: datetime.date | None = None,
    disposition: str = "",
    version: int | None = None,
    request: Any = None,
) -> Opinion:
    """Draft (or redraft after it was returned) the 信访处理意见书 / 复查意见书 / 复核意见书. `issued_on`, if
    given, is the planned issue date: approval then issues the opinion at once. A 复查/复核 opinion states its
    `disposition` of the opinion under review (维持 / 变更 / 撤销, Art 35–36); a first-instance opinion has none."""
    step = _begin(actor, case, "draft_opinion", None, version)
    c = step.case
    if result not in OpinionResult.values:
        raise DomainError("处理结果应为予以支持、解释说明或不予支持。", code="invalid_result", field="result")
    disposition = (disposition or "").strip()
    if c.kind in (Kind.REVIEW, Kind.REREVIEW):
        if disposition not in Disposition.values:
            raise DomainError(
                f"{c.get_kind_display()}意见应当写明对原处理意见维持、变更还是撤销。",
                code="disposition_required",
                field="disposition",
            )
    elif disposition:
        raise DomainError(
            "只有复查、复核意见写明对原处理意见维持、变更或撤销；初次处理意见不填。",
            code="disposition_not_applicable",
            field="disposition",
        )
    data = {
        "request_summary": _text(request_summary, "信访请求", "request_summary", required=False) or c.title,
        "facts": _text(facts, "事实和理由", "facts"),
        "opinion": _text(opinion, "处理意见", "opinion"),
        "legal_basis": _text(legal_basis, "依据", "legal_basis"),
    }
    assert c.accepted_on is not None
    if issued_on is not None:
        issued_on = _date(issued_on, "出具日期", "issued_on", not_before=c.accepted_on, before_label="受理日期")
    row = Opinion.objects.filter(case=c).first() or Opinion(case=c)
    for k, v in data.items():
        setattr(row, k, v)
    row.result = result
    row.disposition = disposition
    row.drafted_by = actor
    row.drafted_at = timezone.now()
    row.approved_by = None
    row.approved_at = None
    row.issued_on = issued_on
    row.save()
    c.opinion = row  # type: ignore[attr-defined]
    _finish(
        step,
        actor=actor,
        fields=[],
        data={"result": result, "disposition": disposition, "issued_on": issued_on},
        request=request,
    )
    return row


@transaction.atomic
def opinion_return(*, actor: Any, case: Case, reason: str, version: int | None = None, request: Any = None) -> Case:
    """The approver sends the draft back for rework (status back to 已受理)."""
    step = _begin(actor, case, "return_opinion", None, version)
    reason = _text(reason, "退回理由", "reason", max_length=2000)
    _finish(step, actor=actor, fields=[], note=reason, request=request)
    return step.case


@transaction.atomic
def opinion_approve(
    *, actor: Any, case: Case, issued_on: datetime.date | None = None, version: int | None = None, request: Any = None
) -> Opinion:
    """Approval by the unit's 主官 or 分管领导 (cases.case.approve at the handling unit), never by the drafter.
    If an issue date was planned at drafting (or is given here), the opinion is issued at once."""
    step = _begin(actor, case, "approve_opinion", None, version)
    c = step.case
    row = Opinion.objects.select_for_update().get(case=c)
    planned = issued_on or row.issued_on
    if planned is not None:
        assert c.accepted_on is not None
        planned = _date(planned, "出具日期", "issued_on", not_before=c.accepted_on, before_label="受理日期")
    row.approved_by = actor
    row.approved_at = timezone.now()
    row.save(update_fields=["approved_by", "approved_at"])
    _finish(step, actor=actor, fields=[], data={"approved_by": actor.pk}, request=request)
    if planned is not None:
        _issue(actor=actor, case=c, row=row, issued_on=planned, request=request, by_approver=True)
    return row


def _issue(
    *, actor: Any, case: Case, row: Opinion, issued_on: datetime.date, request: Any, by_approver: bool = False
) -> None:
    if by_approver:
        # Issued together with the approval: the approver's sign-off stands in for the handler's step.
        locked = _lock(case)
        transition = check(locked, None, "issue_opinion")
        step = _Step(locked, transition, _snapshot(locked), locked.status)
    else:
        step = _begin(actor, case, "issue_opinion", None, None)
    c = step.case
    assert c.accepted_on is not None
    issued_on = _date(issued_on, "出具日期", "issued_on", not_before=c.accepted_on, before_label="受理日期")
    row.issued_on = issued_on
    row.save(update_fields=["issued_on"])
    c.concluded_on = None
    _finish(
        step,
        actor=actor,
        fields=[],
        on=issued_on,
        data={"issued_on": issued_on, "result": row.result, "in_time": c.due is None or issued_on <= c.due},
        request=request,
    )
    case.status = c.status
    case.version = c.version


@transaction.atomic
def opinion_issue(
    *, actor: Any, case: Case, issued_on: datetime.date, version: int | None = None, request: Any = None
) -> Opinion:
    """Issue the approved opinion in the unit's name. Issuing within `due` is 按期办结 (Art 34)."""
    locked = _lock(case, version)
    row = Opinion.objects.filter(case=locked).first()
    if row is None:
        raise DomainError("尚未拟定处理意见。", code="no_opinion")
    _issue(actor=actor, case=locked, row=row, issued_on=issued_on, request=request)
    return row


@transaction.atomic
def case_deliver(
    *,
    actor: Any,
    case: Case,
    delivered_on: datetime.date,
    method: str = "",
    version: int | None = None,
    request: Any = None,
) -> Opinion:
    """送达: the 30-day period to request 复查/复核 (Art 35, 36) runs from this date."""
    step = _begin(actor, case, "deliver", None, version)
    c = step.case
    row = Opinion.objects.select_for_update().get(case=c)
    assert row.issued_on is not None
    delivered_on = _date(delivered_on, "送达日期", "delivered_on", not_before=row.issued_on, before_label="出具日期")
    row.delivered_on = delivered_on
    row.delivery_method = _text(method, "送达方式", "method", required=False, max_length=50)
    row.save(update_fields=["delivered_on", "delivery_method"])
    _finish(
        step,
        actor=actor,
        fields=[],
        on=delivered_on,
        data={"delivered_on": delivered_on, "review_request_until": deadlines.review_request_last_day(delivered_on)},
        request=request,
    )
    return row


def _evaluate(
    *, actor: Any, case: Case, rating: str, on: datetime.date | None, note: str, version: int | None, request: Any
) -> Evaluation:
    step = _begin(actor, case, "evaluate", None, version)
    c = step.case
    if rating not in Rating.values:
        raise DomainError("评价应为满意、基本满意或不满意。", code="invalid_rating", field="rating")
    row = Opinion.objects.get(case=c)
    on = _date(on or _today(), "评价日期", "on", not_before=row.delivered_on, before_label="送达日期")
    evaluation = Evaluation.objects.create(
        case=c,
        rating=rating,
        on=on,
        note=(note or "").strip(),
        recorded_by=actor if getattr(actor, "pk", None) else None,
    )
    _finish(step, actor=actor, fields=[], on=on, note=evaluation.note, data={"rating": rating}, request=request)
    return evaluation


@transaction.atomic
def case_evaluate(
    *,
    actor: Any,
    case: Case,
    rating: str,
    on: datetime.date | None = None,
    note: str = "",
    version: int | None = None,
    request: Any = None,
) -> Evaluation:
    """Record the petitioner's 满意 / 基本满意 / 不满意 (R2.11)."""
    return _evaluate(actor=actor, case=case, rating=rating, on=on, note=note, version=version, request=request)


@transaction.atomic
def case_evaluate_by_petitioner(
    *, case: Case, query_code: str, rating: str, note: str = "", request: Any = None
) -> Evaluation:
    """The portal's evaluation: the petitioner proves himself with the 查询码 (no staff permission)."""
    locked = _lock(case)
    if not query_code_matches(locked, query_code):
        raise DomainError("查询码不正确。", code="invalid_query_code", field="query_code")
    return _evaluate(actor=None, case=locked, rating=rating, on=None, note=note, version=None, request=request)


@transaction.atomic
def opinion_carried_out(
    *,
    actor: Any,
    case: Case,
    carried_out_on: datetime.date,
    note: str = "",
    version: int | None = None,
    request: Any = None,
) -> Opinion:
    """A supported (予以支持) request has been carried out (R2.8: followed until carried out)."""
    step = _begin(actor, case, "carry_out", None, version)
    c = step.case
    row = Opinion.objects.select_for_update().get(case=c)
    assert row.issued_on is not None
    carried_out_on = _date(
        carried_out_on, "落实日期", "carried_out_on", not_before=row.issued_on, before_label="出具日期"
    )
    row.carried_out_on = carried_out_on
    row.carried_out_note = _text(note, "落实情况", "note", required=False, max_length=2000)
    row.save(update_fields=["carried_out_on", "carried_out_note"])
    _finish(step, actor=actor, fields=[], on=carried_out_on, note=row.carried_out_note, request=request)
    return row


@transaction.atomic
def case_conclude(
    *,
    actor: Any,
    case: Case,
    concluded_on: datetime.date | None = None,
    note: str = "",
    version: int | None = None,
    request: Any = None,
) -> Case:
    """办结 (archive) a delivered case; a supported request must have been carried out first."""
    step = _begin(actor, case, "conclude", None, version)
    c = step.case
    row = Opinion.objects.get(case=c)
    c.concluded_on = _date(
        concluded_on or _today(), "办结日期", "concluded_on", not_before=row.delivered_on, before_label="送达日期"
    )
    _finish(step, actor=actor, fields=["concluded_on"], on=c.concluded_on, note=(note or "").strip(), request=request)
    return c


# ---------------------------------------------------------------------------------------------------
# 复查 (Art 35) and 复核 (Art 36)


def _review_request(
    *,
    actor: Any,
    case: Case,
    requested_on: datetime.date,
    content: str,
    channel: str,
    request: Any,
) -> Case:
    requested_on = _date(requested_on, "收到复查/复核请求日期", "requested_on")
    step = _begin(actor, case, "request_review", None, None)
    parent = step.case
    row = Opinion.objects.get(case=parent)
    assert row.delivered_on is not None
    if requested_on < row.delivered_on:
        raise DomainError("请求日期不能早于送达日期。", code="date_too_early", field="requested_on")
    last_day = deadlines.review_request_last_day(row.delivered_on)
    new_kind = Kind.REVIEW if parent.kind == Kind.INITIAL else Kind.REREVIEW
    label = "复查" if new_kind == Kind.REVIEW else "复核"
    if requested_on > last_day:
        article = "三十五" if new_kind == Kind.REVIEW else "三十六"
        raise DomainError(
            f"{label}请求应当自收到书面答复之日起30日内提出（条例第{article}条），期限已于{last_day:%Y年%m月%d日}届满。",
            code="review_late",
            field="requested_on",
        )
    if channel not in Channel.values:
        raise DomainError("来源渠道无效。", code="invalid_channel", field="channel")
    assert parent.unit.parent_id is not None  # guarded by review_allowed
    above = Unit.objects.get(pk=parent.unit.parent_id)
    if not above.is_active:
        raise DomainError("上一级单位已停用。", code="unit_inactive")
    seq, number = _next_number(above, requested_on.year)
    handler = actor if actor is not None and has_perm(actor, HANDLE, above) else None
    review = Case.objects.create(
        unit=above,
        registered_unit=above,
        number=number,
        year=requested_on.year,
        seq=seq,
        kind=new_kind,
        parent_case=parent,
        channel=channel,
        received_on=requested_on,
        category=parent.category,
        topic=parent.topic,
        title=f"{label}：{parent.title}"[:200],
        content=(content or "").strip() or parent.content,
        headcount=parent.headcount,
        is_collective=parent.is_collective,
        is_anonymous=parent.is_anonymous,
        accused_unit=parent.accused_unit,
        accused_names=parent.accused_names,
        status=Status.ACCEPTED,
        registered_by=actor if actor is not None else parent.registered_by,
        handler=handler,
        first_unit=above,
        first_officer=handler,
        accepted_on=requested_on,
        decided_on=requested_on,
        art31_item=Art31Item.PETITION,
        due=review_due(requested_on, deadlines.REVIEW_DAYS, 0),
    )
    code = new_query_code()
    review.query_code_hash = _query_code_hash(number, code)
    review.save(update_fields=["query_code_hash"])
    review.plain_query_code = code  # type: ignore[attr-defined]
    officials = list(parent.accused_officials.all())
    if officials:
        review.accused_officials.set(officials)
        forget_conflicts(review)
    _create_petitioners(
        review,
        [
            PetitionerData(p.name or "", p.id_number or "", p.phone or "", p.address or "", p.is_representative)
            for p in parent.petitioners.all()
        ],
    )
    _finish(
        step,
        actor=actor,
        fields=[],
        on=requested_on,
        data={"review_case": review.pk, "kind": new_kind, "unit": above.pk},
        request=request,
    )
    _record(
        actor=actor,
        case=review,
        action="review_registered",
        audit_action="cases.case.registered",
        from_status="",
        on=requested_on,
        data={"number": number, "kind": new_kind, "parent_case": parent.pk, "due": review.due},
        request=request,
    )
    return review


@transaction.atomic
def review_request(
    *,
    actor: Any,
    case: Case,
    requested_on: datetime.date,
    content: str = "",
    channel: str = Channel.LETTER,
    request: Any = None,
) -> Case:
    """复查 of a delivered opinion (Art 35) or 复核 of a delivered 复查 opinion (Art 36): requested within 30
    days of delivery, taken by the unit one level above the unit that answered; due 30 days after receipt.
    After 复核 no further review. Returns the new case (kind review/rereview, accepted, clock running)."""
    return _review_request(
        actor=actor, case=case, requested_on=requested_on, content=content, channel=channel, request=request
    )


@transaction.atomic
def review_request_by_petitioner(*, case: Case, query_code: str, content: str = "", request: Any = None) -> Case:
    """The portal's 复查/复核 request (R6.6): the petitioner proves himself with the 查询码; received today."""
    locked = _lock(case)
    if not query_code_matches(locked, query_code):
        raise DomainError("查询码不正确。", code="invalid_query_code", field="query_code")
    return _review_request(
        actor=None, case=locked, requested_on=_today(), content=content, channel=Channel.ONLINE, request=request
    )


# ---------------------------------------------------------------------------------------------------
# One entry point by action name (pages and the API may dispatch through it)

ACTION_SERVICES: dict[str, Callable[..., Any]] = {
    "accept": case_accept,
    "decline": case_decline,
    "divert": case_divert,
    "forward": case_forward,
    "object": case_object,
    "agree_objection": case_objection_agree,
    "reject_objection": case_objection_reject,
    "extend": case_extend,
    "record_hearing": case_record_hearing,
    "draft_opinion": opinion_draft,
    "return_opinion": opinion_return,
    "approve_opinion": opinion_approve,
    "issue_opinion": opinion_issue,
    "deliver": case_deliver,
    "evaluate": case_evaluate,
    "carry_out": opinion_carried_out,
    "conclude": case_conclude,
    "request_review": review_request,
}


def case_transition(*, actor: Any, case: Case, action: str, **params: Any) -> Any:
    """Run the service of `action` (a row of workflow.TRANSITIONS) with its keyword parameters."""
    if action not in BY_ACTION or action not in ACTION_SERVICES:
        raise DomainError("未知的办理操作。", code="unknown_action")
    return ACTION_SERVICES[action](actor=actor, case=case, **params)


assert set(ACTION_SERVICES) == set(BY_ACTION), "one service per row of the transition table"


# ---------------------------------------------------------------------------------------------------
# The topic list (R2.2: admins extend it)

TOPIC_PERM = "cases.topic.manage"


def _require_topic_manager(actor: Any) -> None:
    if not has_perm(actor, TOPIC_PERM, None):
        raise DomainError("您无权维护信访事项业务分类。", code="forbidden")


@transaction.atomic
def topic_create(*, actor: Any, code: str, name: str, order: int = 100, request: Any = None) -> Topic:
    _require_topic_manager(actor)
    code = _text(code, "代码", "code", max_length=40).lower()
    if not all(c.isascii() and (c.isalnum() or c in "_-") for c in code):
        raise DomainError("代码只能由字母、数字、“_”和“-”组成。", code="invalid_code", field="code")
    name = _text(name, "名称", "name", max_length=50)
    if Topic.objects.filter(code=code).exists():
        raise DomainError(f"代码“{code}”已被使用。", code="duplicate_code", field="code")
    if Topic.objects.filter(name=name).exists():
        raise DomainError(f"名称“{name}”已存在。", code="duplicate_name", field="name")
    topic = Topic.objects.create(code=code, name=name, order=int(order), active=True)
    audit_record(
        actor=actor, action="cases.topic.created", target=topic, after={"code": code, "name": name}, request=request
    )
    return topic


@transaction.atomic
def topic_update(
    *,
    actor: Any,
    topic: Topic,
    name: str | None = None,
    active: bool | None = None,
    order: int | None = None,
    request: Any = None,
) -> Topic:
    """Rename, reorder or (de)activate a topic; a topic in use is never deleted, only deactivated."""
    _require_topic_manager(actor)
    topic = Topic.objects.select_for_update().get(pk=topic.pk)
    before = {"name": topic.name, "active": topic.active, "order": topic.order}
    if name is not None:
        name = _text(name, "名称", "name", max_length=50)
        if Topic.objects.filter(name=name).exclude(pk=topic.pk).exists():
            raise DomainError(f"名称“{name}”已存在。", code="duplicate_name", field="name")
        topic.name = name
    if active is not None:
        topic.active = bool(active)
    if order is not None:
        topic.order = int(order)
    topic.save()
    after = {"name": topic.name, "active": topic.active, "order": topic.order}
    audit_record(actor=actor, action="cases.topic.updated", target=topic, before=before, after=after, request=request)
    return topic
