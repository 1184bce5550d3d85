"""The case pages (issue 3, item 7): list with filters and xlsx export, "my work", registration with the
repeat-candidate panel, detail with timeline and every action the user may take, attachment download.

Thin views: parse input with a form, fetch through the cases selectors (access_case → 404 out of scope or
confidential, 403 without the permission), call one service or selector, render. Rules live in services.py and
workflow.py; their DomainError messages are shown on the forms.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from xinfang.cases import exports, selectors, services
from xinfang.cases.forms import (
    ACTION_FORMS,
    EXPORT,
    VIEW,
    BasePetitionerFormSet,
    CaseFilterForm,
    CaseRegisterForm,
    PetitionerFormSet,
    show_domain_error,
)
from xinfang.cases.models import (
    CLOSED_STATUSES,
    Case,
    Channel,
    Opinion,
    Status,
)
from xinfang.cases.workflow import APPROVE, BY_ACTION, HANDLE, REGISTER, check
from xinfang.core.errors import DomainError
from xinfang.core.legal_calendar import DUE_STATE_COLORS, DUE_STATE_LABELS, days_left, due_state
from xinfang.core.masking import mask_address, mask_id_number, mask_name, mask_phone
from xinfang.core.paging import CappedPaginator
from xinfang.core.pii import UNMASK_PERM, reveal
from xinfang.core.scope import has_perm
from xinfang.core.views import perm_required
from xinfang.documents.models import GeneratedDocument

PAGE_SIZE = 30
QUERY_CODE_SESSION_KEY = "xf_case_query_code"

STATUS_COLORS: dict[str, str] = {
    Status.REGISTERED: "secondary",
    Status.FORWARDED: "info",
    Status.OBJECTED: "warning",
    Status.ACCEPTED: "primary",
    Status.DECLINED: "dark",
    Status.DIVERTED: "dark",
    Status.OPINION_DRAFTED: "warning",
    Status.OPINION_APPROVED: "info",
    Status.OPINION_ISSUED: "info",
    Status.DELIVERED: "success",
    Status.EVALUATED: "success",
    Status.CONCLUDED: "secondary",
}


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _decorate(cases: Any, today: datetime.date) -> list[Case]:
    """Badges of a page of cases (status and due state, from the annotated `deadline`): no queries."""
    rows = list(cases)
    for c in rows:
        state = due_state(c.deadline, today)
        c.due_state_code = state  # type: ignore[attr-defined]
        c.due_label = DUE_STATE_LABELS[state]  # type: ignore[attr-defined]
        c.due_color = DUE_STATE_COLORS[state]  # type: ignore[attr-defined]
        c.days_left = days_left(c.deadline, today)  # type: ignore[attr-defined]
        c.status_color = STATUS_COLORS.get(c.status, "secondary")  # type: ignore[attr-defined]
    return rows


# ---------------------------------------------------------------------------------------------------
# List and export


@perm_required(VIEW)
@require_GET
def case_list(request: HttpRequest) -> HttpResponse:
    form = CaseFilterForm(request.GET or None, user=request.user)
    today = timezone.localdate()
    cases: QuerySet[Case]
    if form.is_bound and not form.is_valid():
        cases = Case.objects.none()
    else:
        # The page shows no petitioners and not the petition text: no prefetch (and no decryption) of them.
        cases = selectors.case_list(request.user, today=today, **form.filters()).prefetch_related(None).defer("content")
    page = CappedPaginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = _decorate(page.object_list, today)
    return render(
        request,
        "cases/case_list.html",
        {
            "form": form,
            "page_obj": page,
            "can_export": has_perm(request.user, EXPORT, None),
            "can_register": has_perm(request.user, REGISTER, None),
            "export_query": request.GET.urlencode(),
        },
    )


@login_required
def case_export(request: HttpRequest) -> HttpResponseBase:
    # The permission first, then the method (as perm_required pages answer).
    if not has_perm(request.user, EXPORT, None):
        raise PermissionDenied("您无权导出信访事项台账")
    return _case_export(request)


@require_GET
def _case_export(request: HttpRequest) -> HttpResponseBase:
    form = CaseFilterForm(request.GET or None, user=request.user)
    if form.is_bound and not form.is_valid():
        messages.error(request, "筛选条件有误，请修改后再导出。")
        return redirect(f"{reverse('cases:case-list')}?{request.GET.urlencode()}")
    try:
        export = exports.case_export(actor=request.user, filters=form.filters(), request=request)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(f"{reverse('cases:case-list')}?{request.GET.urlencode()}")
    response = FileResponse(export.file, as_attachment=True, filename=export.filename, content_type=exports.XLSX)
    response["Cache-Control"] = "private, no-store"
    return response


# ---------------------------------------------------------------------------------------------------
# My work


@perm_required(VIEW)
@require_GET
def my_work(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    due = request.GET.get("due", "") if request.GET.get("due", "") in selectors.MY_WORK_DUE else ""
    approval = request.GET.get("approval") == "1"
    cases = selectors.my_work(request.user, today, due=due, approval=approval)
    page = CappedPaginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = _decorate(page.object_list, today)
    for c in rows:
        c.work_reason = _work_reason(request.user, c)  # type: ignore[attr-defined]
    page.object_list = rows
    narrowed = "待我审批" if approval else selectors.MY_WORK_DUE.get(due, "")
    return render(request, "cases/my_work.html", {"page_obj": page, "narrowed": narrowed})


def _work_reason(user: Any, case: Case) -> str:
    if case.status == Status.OPINION_DRAFTED and has_perm(user, APPROVE, case.unit):
        return "待我审批处理意见"
    if case.status == Status.OBJECTED:
        return "接收单位提出异议，待我单位处理"
    if case.status in (Status.REGISTERED, Status.FORWARDED):
        return "待受理/告知"
    if case.status in (Status.OPINION_APPROVED,):
        return "待出具处理意见"
    if case.status == Status.OPINION_ISSUED:
        return "待送达"
    if case.status in (Status.DELIVERED, Status.EVALUATED):
        return "待评价/办结"
    return "办理中"


# ---------------------------------------------------------------------------------------------------
# Registration and the repeat panel


@perm_required(REGISTER)
@require_http_methods(["GET", "POST"])
def case_register(request: HttpRequest) -> HttpResponse:
    post = request.POST if request.method == "POST" else None
    initial = _prefill(request.GET) if post is None else None
    form = CaseRegisterForm(post, request.FILES if post is not None else None, user=request.user, initial=initial)
    formset = cast(BasePetitionerFormSet, PetitionerFormSet(post, prefix="p"))
    if post is not None:
        form_ok = form.is_valid()
        formset_ok = formset.is_valid()
        if form_ok and formset_ok:
            data = form.cleaned_data
            try:
                case = services.case_register(
                    actor=request.user,
                    unit=data["unit"],
                    channel=data["channel"],
                    source=data["source"],
                    reference_no=data["reference_no"],
                    received_on=data["received_on"],
                    category=data["category"],
                    topic=data["topic"],
                    title=data["title"],
                    content=data["content"],
                    petitioners=formset.people(),
                    headcount=data["headcount"],
                    is_anonymous=data["is_anonymous"],
                    accused_unit=data["accused_unit"],
                    accused_officials=list(data["accused_officials"]),
                    accused_names=data["accused_names"],
                    original_case=data["original_case"],
                    new_facts=data["new_facts"],
                    attachments=data["attachments"],
                    request=request,
                )
            except DomainError as e:
                show_domain_error(form, e, formset)
            else:
                request.session[QUERY_CODE_SESSION_KEY] = {"case": case.pk, "code": case.plain_query_code}  # type: ignore[attr-defined]
                messages.success(request, f"信访事项已登记，编号 {case.number}。")
                _link_origin(request, case)
                return redirect("cases:case-detail", pk=case.pk)
    panel = (
        _repeat_panel_context(request.user, post)
        if post is not None
        else {"probed": False, "candidates": [], "selected": None}
    )
    return render(request, "cases/case_register.html", {"form": form, "formset": formset, **panel})


def _prefill(query: Any) -> dict[str, Any]:
    """Initial values from the query string (e.g. a case opened from a leader's reception: channel=visit,
    received_on, title, content). Only these four; invalid values are ignored."""
    initial: dict[str, Any] = {}
    if query.get("channel") in Channel.values:
        initial["channel"] = query["channel"]
    try:
        initial["received_on"] = datetime.date.fromisoformat(query.get("received_on", ""))
    except ValueError:
        pass
    for key, limit in (("title", 200), ("content", 5000)):
        if query.get(key):
            initial[key] = query[key][:limit]
    return initial


def _link_origin(request: HttpRequest, case: Case) -> None:
    """A case opened from a leader's reception (?reception=<id>) is linked back to it."""
    reception = request.GET.get("reception")
    if not reception:
        return
    from xinfang.leadership.integration import link_registered_case

    linked, message = link_registered_case(actor=request.user, reception_id=reception, case=case, request=request)
    if message:
        (messages.info if linked else messages.warning)(request, message)


@dataclass
class _Probe:
    name: str
    id_number: str
    phone: str


def _probes(data: Any) -> list[_Probe]:
    probes: list[_Probe] = []
    for i in range(20):
        p = _Probe(
            (data.get(f"p-{i}-name") or "").strip()[:50],
            (data.get(f"p-{i}-id_number") or "").strip()[:30],
            (data.get(f"p-{i}-phone") or "").strip()[:30],
        )
        if (p.id_number or (p.name and p.phone)) and p not in probes:
            probes.append(p)
    return probes[:5]


def _repeat_panel_context(user: Any, data: Any) -> dict[str, Any]:
    """Earlier cases in the user's scope with the same petitioner or similar content (selector per person)."""
    title = (data.get("title") or "").strip()[:200]
    content = (data.get("content") or "").strip()[:5000]
    found: dict[int, selectors.RepeatCandidate] = {}
    probes = _probes(data)
    if title or content:
        first = probes[0] if probes else _Probe("", "", "")
        for r in selectors.repeat_candidates(
            user, name=first.name, id_number=first.id_number, phone=first.phone, title=title, content=content
        ):
            found[r.case.pk] = r
    for p in probes[1:] if (title or content) else probes:
        for r in selectors.repeat_candidates(user, name=p.name, id_number=p.id_number, phone=p.phone):
            if r.case.pk in found:
                merged = found[r.case.pk]
                merged.same_petitioner = merged.same_petitioner or r.same_petitioner
                merged.reasons.extend(x for x in r.reasons if x not in merged.reasons)
            else:
                found[r.case.pk] = r
    candidates = sorted(found.values(), key=lambda r: (not r.same_petitioner, -r.similarity, -r.case.pk))[:10]
    for r in candidates:
        r.case.status_color = STATUS_COLORS.get(r.case.status, "secondary")  # type: ignore[attr-defined]
    selected = None
    raw = str(data.get("original_case") or "")
    if raw.isdigit():
        selected = Case.objects.visible_to(user).select_related("unit").filter(pk=int(raw)).first()
    listed = {r.case.pk for r in candidates}
    return {
        "probed": bool(title or content or probes),
        "candidates": candidates,
        "selected": selected,
        "selected_unlisted": selected is not None and selected.pk not in listed,
    }


@perm_required(REGISTER)
@require_POST
def repeat_candidates(request: HttpRequest) -> HttpResponse:
    return render(request, "cases/_repeat_panel.html", _repeat_panel_context(request.user, request.POST))


# ---------------------------------------------------------------------------------------------------
# Detail


def _masked_people(case: Case) -> list[dict[str, Any]]:
    return [
        {
            "name": mask_name(p.name),
            "id_number": mask_id_number(p.id_number),
            "phone": mask_phone(p.phone),
            "address": mask_address(p.address),
            "is_representative": p.is_representative,
        }
        for p in case.petitioners.all()
    ]


def _revealed_people(request: HttpRequest, case: Case) -> list[dict[str, Any]]:
    """Every value through xinfang.core.pii.reveal (permission checked there too; each reveal audited)."""
    people = []
    for p in case.petitioners.all():
        row: dict[str, Any] = {"is_representative": p.is_representative}
        for field in ("name", "id_number", "phone", "address"):
            row[field] = reveal(actor=request.user, obj=p, field=field, unit=case.unit, request=request)
        people.append(row)
    return people


def _documents(user: Any, case: Case) -> list[GeneratedDocument]:
    """The generated notices of the case and of its extensions and transfers, as far as the user's scope reaches
    (a 转送函 is issued by the sending unit); each download is checked again by the documents app."""
    from xinfang.cases.documents import case_documents

    return list(
        GeneratedDocument.objects.visible_to(user)
        .filter(case_documents(case))
        .select_related("unit")
        .order_by("created_at", "kind", "version")
    )


def _opinion(case: Case) -> Opinion | None:
    try:
        return case.opinion
    except Opinion.DoesNotExist:
        return None


def _evaluation(case: Case) -> Any:
    from xinfang.cases.models import Evaluation

    try:
        return case.evaluation
    except Evaluation.DoesNotExist:
        return None


@dataclass
class _ActionLink:
    action: str
    label: str
    primary: bool = False


EXTRA_ACTIONS: dict[str, tuple[str, tuple[str, ...], bool]] = {
    # action: (label, permissions (any) at the handling unit, only while the case is open)
    "assign_handler": ("确定承办人", (HANDLE, APPROVE), True),
    "declare_interest": ("申报回避", (VIEW,), True),
    "add_attachment": ("添加附件", (REGISTER, HANDLE), False),
    "reset_query_code": ("重置查询码", (REGISTER, HANDLE), False),
}
EXTRA_SERVICES = {
    "assign_handler": services.case_assign_handler,
    "declare_interest": services.case_declare_interest,
    "add_attachment": services.attachment_add,
    "reset_query_code": services.case_reset_query_code,
}
PRIMARY_ACTIONS = {"accept", "draft_opinion", "approve_opinion", "issue_opinion", "deliver", "evaluate", "conclude"}


def _extra_allowed(user: Any, case: Case, action: str) -> bool:
    _label, perms, open_only = EXTRA_ACTIONS[action]
    if open_only and case.status in CLOSED_STATUSES:
        return False
    return any(has_perm(user, p, case.unit) for p in perms)


def _status_label(value: str) -> str:
    try:
        return Status(value).label
    except ValueError:
        return ""


def _detail_context(request: HttpRequest, pk: int, *, revealed: bool = False) -> dict[str, Any]:
    today = timezone.localdate()
    detail = selectors.case_detail(request.user, pk, today)
    case = detail.case
    actions = [_ActionLink(t.action, t.label, t.action in PRIMARY_ACTIONS) for t in detail.actions]
    actions += [
        _ActionLink(name, label)
        for name, (label, _p, _o) in EXTRA_ACTIONS.items()
        if _extra_allowed(request.user, case, name)
    ]
    linked_ids = [i for i in (case.parent_case_id, case.original_case_id) if i]
    linked = {c.pk: c for c in Case.objects.visible_to(request.user).filter(pk__in=linked_ids).select_related("unit")}
    state = detail.due_state
    code = None
    stored = request.session.get(QUERY_CODE_SESSION_KEY)
    if isinstance(stored, dict) and stored.get("case") == case.pk:
        code = stored.get("code")
        del request.session[QUERY_CODE_SESSION_KEY]
    timeline = [
        {
            "event": e,
            "label": e.label,
            "from_label": _status_label(e.from_status),
            "to_label": _status_label(e.to_status) if e.to_status != e.from_status else "",
        }
        for e in detail.events
    ]
    return {
        "case": case,
        "detail": detail,
        "status_color": STATUS_COLORS.get(case.status, "secondary"),
        "due_state": state,
        "due_label": DUE_STATE_LABELS[state],
        "due_color": DUE_STATE_COLORS[state],
        "days_left": days_left(detail.deadline, today),
        "people": _revealed_people(request, case) if revealed else _masked_people(case),
        "revealed": revealed,
        "can_unmask": has_perm(request.user, UNMASK_PERM, case.unit),
        "actions": actions,
        "timeline": timeline,
        "documents": _documents(request.user, case),
        "opinion": _opinion(case),
        "evaluation": _evaluation(case),
        "parent": linked.get(case.parent_case_id or 0),
        "original": linked.get(case.original_case_id or 0),
        "query_code": code,
    }


@login_required
@require_GET
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return render(request, "cases/case_detail.html", _detail_context(request, pk))


@login_required
@require_POST
def case_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors.access_case(request.user, pk)
    if not has_perm(request.user, UNMASK_PERM, case.unit):
        raise PermissionDenied("您无权查看未脱敏的个人信息")
    if _is_htmx(request):
        people = _revealed_people(request, case)
        return render(
            request,
            "cases/_petitioners.html",
            {"case": case, "people": people, "revealed": True, "can_unmask": True},
        )
    return render(request, "cases/case_detail.html", _detail_context(request, pk, revealed=True))


# ---------------------------------------------------------------------------------------------------
# Actions


def _access_for(request: HttpRequest, pk: int, action: str) -> tuple[Case, str, Any]:
    if action in BY_ACTION:
        case = selectors.access_case_for_action(request.user, pk, action)
        return case, BY_ACTION[action].label, services.ACTION_SERVICES[action]
    if action in EXTRA_ACTIONS:
        case = selectors.access_case(request.user, pk)
        label, perms, _open_only = EXTRA_ACTIONS[action]
        if not any(has_perm(request.user, p, case.unit) for p in perms):
            raise PermissionDenied("您无权进行此操作")
        return case, label, EXTRA_SERVICES[action]
    raise Http404("没有这项办理操作")


@login_required
@require_http_methods(["GET", "POST"])
def case_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    case, label, service = _access_for(request, pk, action)
    form_class = ACTION_FORMS[action]
    post = request.POST if request.method == "POST" else None
    form = form_class(post, request.FILES if post is not None else None, case=case, user=request.user)
    refusal = ""
    if post is not None and action in EXTRA_ACTIONS and not _extra_allowed(request.user, case, action):
        refusal = "本事项已办结，不能进行此操作。"
    elif post is not None:
        if form.is_valid():
            try:
                result = service(actor=request.user, case=case, request=request, **form.params(service))
            except DomainError as e:
                show_domain_error(form, e)
            else:
                messages.success(request, f"“{label}”已完成。")
                target = case.pk
                if action == "reset_query_code":
                    request.session[QUERY_CODE_SESSION_KEY] = {"case": case.pk, "code": result}
                if isinstance(result, Case) and result.pk != case.pk:
                    messages.info(request, f"已登记{result.get_kind_display()}事项 {result.number}。")
                    if Case.objects.visible_to(request.user).filter(pk=result.pk).exists():
                        target = result.pk
                        code = getattr(result, "plain_query_code", None)
                        if code:
                            request.session[QUERY_CODE_SESSION_KEY] = {"case": result.pk, "code": code}
                return redirect("cases:case-detail", pk=target)
    elif action in BY_ACTION:
        try:
            check(case, request.user, action)
        except DomainError as e:
            refusal = e.message
    elif not _extra_allowed(request.user, case, action):
        refusal = "本事项已办结，不能进行此操作。"
    context = {"case": case, "form": form, "action": action, "label": label, "refusal": refusal}
    if _is_htmx(request) and post is None:
        return render(request, "cases/_action_form.html", context)
    return render(request, "cases/case_action.html", context)


# ---------------------------------------------------------------------------------------------------
# Attachments


@login_required
@require_GET
def attachment_download(request: HttpRequest, pk: int) -> FileResponse:
    attachment = selectors.access_attachment(request.user, pk)
    try:
        handle = attachment.file.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404("附件文件不存在") from None
    response = FileResponse(
        handle, as_attachment=True, filename=attachment.original_name, content_type=attachment.content_type
    )
    response["Cache-Control"] = "private, no-store"
    return response
