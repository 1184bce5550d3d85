"""Writes of the public portal. The petitioner's own steps go through the cases services:

    petition_submit(...)                   services.case_register, channel 网上信访, received today, at the chosen
                                           unit; the unit's petition officers are told (notification centre)
    services.case_evaluate_by_petitioner   满意 / 基本满意 / 不满意 once the opinion is delivered (the view calls it)
    services.review_request_by_petitioner  复查/复核 within 30 days of delivery (the view calls it)

and the staff's upkeep of the published channels (channel_create / channel_update / channel_delete).

The registering actor of a portal petition. `case_register` needs an actor holding cases.case.register at the
unit (and Case.registered_by / Attachment.uploaded_by are required user columns). The portal uses ONE system
account, username "portal" (网上信访平台): it is created inactive with an unusable password and holds no post,
so nobody can sign in as it and it has no permission anywhere. For the duration of one registration call only,
the in-memory actor object carries a single grant — cases.case.register at the chosen unit and nothing else —
so the service's own permission rule is satisfied without a standing privilege. The timeline and the audit
trail name "portal" as the registering actor.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from xinfang.cases import services as case_services
from xinfang.cases.models import Case, Channel, Topic
from xinfang.cases.workflow import HANDLE
from xinfang.core.audit import audit_record
from xinfang.core.errors import DomainError
from xinfang.core.scope import has_perm
from xinfang.orgs.models import Level, Post, Unit, User
from xinfang.orgs.roles import ROLE_PERMISSIONS
from xinfang.portal.models import MANAGE_PERM, ChannelKind, PublicChannel

PORTAL_USERNAME = "portal"
PORTAL_NAME = "网上信访平台"


def portal_identity() -> User:
    """The portal's system account (created on first use: inactive, unusable password, no post)."""
    user = User.objects.filter(username=PORTAL_USERNAME).first()
    if user is not None:
        return user
    try:
        with transaction.atomic():
            user = User(username=PORTAL_USERNAME, name=PORTAL_NAME, is_active=False)
            user.set_unusable_password()
            user.save()
            audit_record(
                actor=None,
                actor_username="system",
                action="portal.identity.created",
                target=user,
                after={"username": PORTAL_USERNAME, "is_active": False},
            )
    except IntegrityError:
        user = User.objects.get(username=PORTAL_USERNAME)
    return user


def top_unit() -> Unit | None:
    """The default receiving unit: the 总队 (the top active unit of the tree)."""
    roots = Unit.objects.filter(is_active=True, parent__isnull=True).order_by("path")
    return roots.filter(level=Level.CORPS).first() or roots.first()


def receiving_units() -> list[Unit]:
    """Units a petition may be addressed to: every active 总队, 支队 and 大队."""
    return list(
        Unit.objects.filter(is_active=True, level__in=[Level.CORPS, Level.DETACHMENT, Level.BRIGADE]).order_by("path")
    )


def _unit_officers(unit: Unit) -> list[User]:
    roles = [role for role, perms in ROLE_PERMISSIONS.items() if HANDLE in perms]
    posts = Post.objects.active().filter(unit=unit, role__in=roles).values("user_id")
    return list(User.objects.filter(is_active=True, pk__in=posts).order_by("pk"))


@transaction.atomic
def petition_submit(
    *,
    unit: Unit,
    name: str,
    id_number: str,
    phone: str,
    address: str,
    category: str,
    topic: Topic,
    title: str,
    content: str,
    accused_unit: Unit | None = None,
    accused_names: str = "",
    attachments: Sequence[Any] = (),
    request: Any = None,
) -> Case:
    """An online petition (条例 Art 21): registered at `unit` (网上信访, received today) by the portal account.
    Returns the case with `plain_query_code` (shown once). Refusals are the cases service's DomainErrors."""
    unit = Unit.objects.get(pk=unit.pk)
    if not unit.is_active or unit.level not in (Level.CORPS, Level.DETACHMENT, Level.BRIGADE):
        raise DomainError("请选择有效的受理单位。", code="invalid_unit", field="unit")
    if not (name or "").strip() or not (id_number or "").strip() or not (phone or "").strip():
        raise DomainError("网上信访请填写真实姓名、身份证号码和联系电话。", code="required", field="name")
    case = case_services.case_register(
        actor=portal_identity(),
        by_petitioner=True,
        unit=unit,
        channel=Channel.ONLINE,
        received_on=timezone.localdate(),
        category=category,
        topic=topic,
        title=title,
        content=content,
        petitioners=[case_services.PetitionerData(name=name, id_number=id_number, phone=phone, address=address)],
        headcount=1,
        accused_unit=accused_unit,
        accused_names=accused_names,
        attachments=attachments,
        request=request,
    )
    officers = _unit_officers(unit)
    number, pk, title_text = case.number, case.pk, case.title

    def tell() -> None:
        from xinfang.notifications.services import notify

        notify(
            recipients=officers,
            kind="case.online_submitted",
            title=f"新的网上信访：{number} {title_text}"[:200],
            body=f"信访人通过网上信访平台向{unit.name}提出信访事项，请在15日内告知是否受理（条例第二十三条）。",
            url=reverse("cases:case-detail", kwargs={"pk": pk}),
            dedupe_key=f"case:{pk}:online-submitted",
        )

    transaction.on_commit(tell)
    return case


# ---------------------------------------------------------------------------------------------------
# The published channels (staff, core.settings.manage at the unit)


def _require_manage(actor: Any, unit: Unit) -> None:
    if not has_perm(actor, MANAGE_PERM, unit):
        raise DomainError("您无权维护该单位公开的信访渠道。", code="forbidden")


def _clean(kind: str, value: str, note: str) -> tuple[str, str, str]:
    if kind not in ChannelKind.values:
        raise DomainError("渠道类型无效。", code="invalid_kind", field="kind")
    value = (value or "").strip()
    if not value:
        raise DomainError("请填写内容。", code="required", field="value")
    if len(value) > 200:
        raise DomainError("内容不能超过200个字。", code="too_long", field="value")
    note = (note or "").strip()
    if len(note) > 200:
        raise DomainError("说明不能超过200个字。", code="too_long", field="note")
    return kind, value, note


@transaction.atomic
def channel_create(
    *,
    actor: Any,
    unit: Unit,
    kind: str,
    value: str,
    note: str = "",
    order: int = 100,
    published: bool = True,
    request: Any = None,
) -> PublicChannel:
    _require_manage(actor, unit)
    kind, value, note = _clean(kind, value, note)
    row = PublicChannel.objects.create(
        unit=unit, kind=kind, value=value, note=note, order=int(order), published=bool(published), updated_by=actor
    )
    audit_record(
        actor=actor, action="portal.channel.created", target=row, unit=unit, after=row.as_dict(), request=request
    )
    return row


@transaction.atomic
def channel_update(
    *,
    actor: Any,
    channel: PublicChannel,
    kind: str,
    value: str,
    note: str = "",
    order: int = 100,
    published: bool = True,
    request: Any = None,
) -> PublicChannel:
    row = PublicChannel.objects.select_for_update().select_related("unit").get(pk=channel.pk)
    _require_manage(actor, row.unit)
    before = row.as_dict()
    row.kind, row.value, row.note = _clean(kind, value, note)
    row.order = int(order)
    row.published = bool(published)
    row.updated_by = actor
    row.save()
    audit_record(
        actor=actor,
        action="portal.channel.updated",
        target=row,
        unit=row.unit,
        before=before,
        after=row.as_dict(),
        request=request,
    )
    return row


@transaction.atomic
def channel_delete(*, actor: Any, channel: PublicChannel, request: Any = None) -> None:
    row = PublicChannel.objects.select_for_update().select_related("unit").get(pk=channel.pk)
    _require_manage(actor, row.unit)
    before = row.as_dict()
    audit_record(
        actor=actor, action="portal.channel.deleted", target=row, unit=row.unit, before=before, request=request
    )
    row.delete()
