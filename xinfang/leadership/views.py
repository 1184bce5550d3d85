"""The leadership pages (issue 4): responsibility board, yearly compliance, 党委会, 接访 schedule and ledger, 包案,
挂牌督办, quota settings; every list with its xlsx export.

Thin views: parse input with a form, fetch through the access helpers (out of scope 404, in scope without the
permission 403), call one service or selector, render. Every page needs leadership.view somewhere (the admins,
who hold none, get 403); the services check the permission at the unit concerned and refuse with a DomainError,
shown on the form.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, QueryDict
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from xinfang.cases.models import Case
from xinfang.core.errors import DomainError
from xinfang.core.masking import mask_name, mask_phone
from xinfang.core.scope import access_object, has_perm
from xinfang.core.view_helpers import page_of, private_download, refusal_shown_on
from xinfang.core.views import perm_required
from xinfang.documents.selectors import documents_of
from xinfang.leadership import exports, forms, selectors, services
from xinfang.leadership.integration import case_register_url
from xinfang.leadership.letters import KIND as LETTER_KIND
from xinfang.leadership.models import (
    ASSIGN_PERM,
    RECORD_PERM,
    SETTINGS_PERM,
    SUPERVISE_PERM,
    VIEW_PERM,
    DayStatus,
)
from xinfang.leadership.quotas import STATE_COLORS, STATE_LABELS, quota_values
from xinfang.orgs.models import Level, Unit

FileView = Callable[..., HttpResponseBase]


def _file_perm(perm: str) -> Callable[[FileView], FileView]:
    """perm_required for views answering with a file (a streaming response)."""
    return cast(Callable[[FileView], FileView], perm_required(perm))


def _post_data(request: HttpRequest) -> QueryDict | None:
    return request.POST if request.method == "POST" else None


def _xlsx(request: HttpRequest, ledger: str, filter_form: type[Any]) -> FileResponse:
    """A list's xlsx export: the list page's filter form, the same selector (exports.ledger_export)."""
    filters = filter_form(request.GET or None, user=request.user).filters()
    export = exports.ledger_export(actor=request.user, ledger=ledger, filters=filters, request=request)
    return private_download(export.file, filename=export.filename, content_type=exports.XLSX)


def _list_context(request: HttpRequest, form: Any, page: Any, **extra: Any) -> dict[str, Any]:
    return {
        "form": form,
        "page_obj": page,
        "export_query": request.GET.urlencode(),
        "can_record": has_perm(request.user, RECORD_PERM, None),
        **extra,
    }


def _form_context(form: Any, title: str, back_url: str, back_label: str, **extra: Any) -> dict[str, Any]:
    return {"form": form, "page_title": title, "back_url": back_url, "back_label": back_label, **extra}


# ---------------------------------------------------------------------------------------------------
# Responsibility board and yearly compliance


def _default_unit(request: HttpRequest) -> Unit:
    user: Any = request.user
    units = Unit.objects.visible_to(user, VIEW_PERM).filter(is_active=True)
    home = units.filter(pk=user.unit_id).first() if user.unit_id else None
    if home is not None:
        return home
    top = units.order_by("depth", "path").first()
    if top is None:
        raise PermissionDenied("您没有可查看的单位")
    return top


def _year(request: HttpRequest) -> int:
    form = forms.ComplianceForm(request.GET or None, user=request.user)
    return int(form.filters()["year"])


@perm_required(VIEW_PERM)
@require_GET
def board_home(request: HttpRequest) -> HttpResponse:
    return _board(request, _default_unit(request))


@perm_required(VIEW_PERM)
@require_GET
def board_unit(request: HttpRequest, pk: int) -> HttpResponse:
    unit = access_object(Unit.objects.all(), request.user, pk, VIEW_PERM, view_perm=VIEW_PERM)
    return _board(request, unit)


def _board(request: HttpRequest, unit: Unit) -> HttpResponse:
    year = _year(request)
    data = selectors.board(request.user, unit, year)
    return render(
        request,
        "leadership/board.html",
        {
            "board": data,
            "unit": unit,
            "year": year,
            "years": [y for y, _label in forms._years()],
            "state_labels": STATE_LABELS,
            "state_colors": STATE_COLORS,
            "ancestors": Unit.objects.visible_to(request.user, VIEW_PERM)
            .filter(pk__in=unit.ancestor_ids())
            .order_by("depth"),
        },
    )


@perm_required(VIEW_PERM)
@require_GET
def compliance(request: HttpRequest) -> HttpResponse:
    form = forms.ComplianceForm(request.GET or None, user=request.user)
    f = form.filters()
    quotas = quota_values()
    rows = selectors.compliance_for_year(request.user, f["year"], root=f["unit"], quotas=quotas)
    return render(
        request,
        "leadership/compliance.html",
        {
            "form": form,
            "rows": rows,
            "year": f["year"],
            "gap_count": sum(1 for r in rows if r.gaps),
            "quotas": quotas,
            "export_query": request.GET.urlencode(),
        },
    )


@_file_perm(VIEW_PERM)
@require_GET
def compliance_export(request: HttpRequest) -> FileResponse:
    return _xlsx(request, "compliance", forms.ComplianceForm)


# ---------------------------------------------------------------------------------------------------
# Quotas (系统管理员)


@perm_required(SETTINGS_PERM)
@require_http_methods(["GET", "POST"])
def quotas(request: HttpRequest) -> HttpResponse:
    form = forms.QuotaForm(_post_data(request))
    if request.method == "POST" and form.is_valid():
        with refusal_shown_on(form, forms.show_domain_error):
            for code, minimum, period in form.values():
                services.quota_update(actor=request.user, code=code, minimum=minimum, period=period, request=request)
            messages.success(request, "配额已保存。")
            return redirect("leadership:quotas")
    return render(request, "leadership/quotas.html", {"form": form})


# ---------------------------------------------------------------------------------------------------
# 党委会研究部署信访工作


@perm_required(VIEW_PERM)
@require_GET
def meeting_list(request: HttpRequest) -> HttpResponse:
    form = forms.MeetingFilterForm(request.GET or None, user=request.user)
    page = page_of(request, selectors.meeting_list(request.user, **form.filters()))
    return render(request, "leadership/meeting_list.html", _list_context(request, form, page))


@_file_perm(VIEW_PERM)
@require_GET
def meeting_export(request: HttpRequest) -> FileResponse:
    return _xlsx(request, "meeting", forms.MeetingFilterForm)


@perm_required(RECORD_PERM)
@require_http_methods(["GET", "POST"])
def meeting_create(request: HttpRequest) -> HttpResponse:
    post = _post_data(request)
    form = forms.MeetingForm(post, request.FILES if post is not None else None, user=request.user)
    if post is not None and form.is_valid():
        d = form.cleaned_data
        with refusal_shown_on(form, forms.show_domain_error):
            meeting = services.meeting_record(
                actor=request.user,
                unit=d["unit"],
                held_on=d["held_on"],
                topics=d["topics"],
                decisions=d["decisions"],
                attendees=d["attendees"],
                minutes=d["minutes"],
                request=request,
            )
            messages.success(request, "党委会研究信访工作情况已记录。")
            return redirect("leadership:meeting-detail", pk=meeting.pk)
    return render(
        request,
        "leadership/meeting_form.html",
        _form_context(form, "记录党委会研究信访工作", "leadership:meeting-list", "党委会研究信访工作", multipart=True),
    )


@perm_required(VIEW_PERM)
@require_GET
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.access_meeting(request.user, pk)
    return render(request, "leadership/meeting_detail.html", {"meeting": meeting})


@_file_perm(VIEW_PERM)
@require_GET
def meeting_minutes(request: HttpRequest, pk: int) -> FileResponse:
    meeting = selectors.access_meeting(request.user, pk)
    if not meeting.minutes:
        raise Http404("本次会议没有上传会议纪要")
    try:
        handle = meeting.minutes.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404("会议纪要文件不存在") from None
    return private_download(handle, filename=meeting.minutes_name, content_type=meeting.minutes_type)


# ---------------------------------------------------------------------------------------------------
# 领导接访: schedule


@perm_required(VIEW_PERM)
@require_GET
def day_list(request: HttpRequest) -> HttpResponse:
    form = forms.ReceptionDayFilterForm(request.GET or None, user=request.user)
    filters = form.filters()
    if not request.GET:
        filters["date_from"] = timezone.localdate()
    page = page_of(request, selectors.reception_day_list(request.user, **filters))
    return render(
        request, "leadership/day_list.html", _list_context(request, form, page, upcoming_only=not request.GET)
    )


@_file_perm(VIEW_PERM)
@require_GET
def day_export(request: HttpRequest) -> FileResponse:
    return _xlsx(request, "reception_day", forms.ReceptionDayFilterForm)


@perm_required(RECORD_PERM)
@require_http_methods(["GET", "POST"])
def day_create(request: HttpRequest) -> HttpResponse:
    form = forms.ReceptionDayForm(_post_data(request), user=request.user)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        post = d["leader_post"]
        with refusal_shown_on(form, forms.show_domain_error):
            day = services.reception_day_plan(
                actor=request.user,
                unit=post.unit,
                leader=post.user,
                planned_on=d["planned_on"],
                time_text=d["time_text"],
                place=d["place"],
                note=d["note"],
                published=d["published"],
                request=request,
            )
            messages.success(request, "接访日已安排。")
            return redirect("leadership:day-detail", pk=day.pk)
    return render(
        request,
        "leadership/day_form.html",
        _form_context(form, "安排领导接访日", "leadership:day-list", "领导接访安排"),
    )


@perm_required(VIEW_PERM)
@require_GET
def day_detail(request: HttpRequest, pk: int) -> HttpResponse:
    day = selectors.access_reception_day(request.user, pk)
    return render(request, "leadership/day_detail.html", _day_context(request, day))


def _day_context(request: HttpRequest, day: Any, **forms_: Any) -> dict[str, Any]:
    return {
        "day": day,
        "receptions": list(day.receptions.select_related("leader").order_by("id")),
        "can_record": has_perm(request.user, RECORD_PERM, day.unit),
        "hold_form": forms_.get("hold_form") or forms.DayHoldForm(),
        "cancel_form": forms_.get("cancel_form") or forms.DayCancelForm(),
        "is_planned": day.status == DayStatus.PLANNED,
        "reception_url": reverse("leadership:reception-create") + f"?day={day.pk}",
    }


DAY_ACTIONS = ("publish", "unpublish", "hold", "cancel")


@perm_required(VIEW_PERM)
@require_POST
def day_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    if action not in DAY_ACTIONS:
        raise Http404("没有这项操作")
    day = selectors.access_reception_day(request.user, pk, RECORD_PERM)
    hold_form = forms.DayHoldForm(request.POST if action == "hold" else None)
    cancel_form = forms.DayCancelForm(request.POST if action == "cancel" else None)
    try:
        if action in ("publish", "unpublish"):
            services.reception_day_publish(actor=request.user, day=day, published=action == "publish", request=request)
        elif action == "hold":
            if not hold_form.is_valid():
                raise DomainError("请检查填写的内容。", code="invalid")
            services.reception_day_hold(
                actor=request.user, day=day, note=hold_form.cleaned_data["note"], request=request
            )
        else:
            if not cancel_form.is_valid():
                raise DomainError("请填写取消原因。", code="invalid", field="reason")
            services.reception_day_cancel(
                actor=request.user, day=day, reason=cancel_form.cleaned_data["reason"], request=request
            )
    except DomainError as e:
        form = hold_form if action == "hold" else cancel_form
        if action in ("hold", "cancel") and e.code != "invalid":
            forms.show_domain_error(form, e)
        messages.error(request, e.message)
        day = selectors.access_reception_day(request.user, pk)
        return render(
            request,
            "leadership/day_detail.html",
            _day_context(request, day, hold_form=hold_form, cancel_form=cancel_form),
        )
    messages.success(request, "已完成。")
    return redirect("leadership:day-detail", pk=day.pk)


# ---------------------------------------------------------------------------------------------------
# 领导接访: the ledger


def _visitor_rows(reception: Any) -> list[dict[str, Any]]:
    return [
        {"name": mask_name(v.name) or "—", "phone": mask_phone(v.phone), "linked": bool(v.petitioner_id)}
        for v in reception.visitors.all()
    ]


@perm_required(VIEW_PERM)
@require_GET
def reception_list(request: HttpRequest) -> HttpResponse:
    form = forms.ReceptionFilterForm(request.GET or None, user=request.user)
    page = page_of(request, selectors.reception_list(request.user, **form.filters()))
    rows = [{"r": r, "visitors": _visitor_rows(r)} for r in page.object_list]
    return render(request, "leadership/reception_list.html", _list_context(request, form, page, rows=rows))


@_file_perm(VIEW_PERM)
@require_GET
def reception_export(request: HttpRequest) -> FileResponse:
    return _xlsx(request, "reception", forms.ReceptionFilterForm)


@perm_required(RECORD_PERM)
@require_http_methods(["GET", "POST"])
def reception_create(request: HttpRequest) -> HttpResponse:
    post = _post_data(request)
    day = None
    raw_day = request.GET.get("day", "")
    if raw_day.isdigit():
        day = selectors.access_reception_day(request.user, int(raw_day), RECORD_PERM)
    form = forms.ReceptionForm(post, user=request.user)
    if post is None and day is not None:
        match = form.fields["leader_post"].queryset.filter(user=day.leader, unit=day.unit).first()  # type: ignore[attr-defined]
        form.initial.update({"received_on": day.planned_on, "leader_post": match.pk if match else None})
    if post is not None and form.is_valid():
        d = form.cleaned_data
        lp = d["leader_post"]
        with refusal_shown_on(form, forms.show_domain_error):
            reception = services.reception_record(
                actor=request.user,
                leader=lp.user,
                unit=lp.unit,
                received_on=d["received_on"],
                matter=d["matter"],
                outcome=d["outcome"],
                visitors=form.visitors(),
                headcount=d["headcount"],
                case=d["case_number"],
                reception_day=day,
                request=request,
            )
            messages.success(request, "接访情况已记入台账。")
            return redirect("leadership:reception-detail", pk=reception.pk)
    context = _form_context(form, "登记领导接访", "leadership:reception-list", "领导接访台账", day=day)
    return render(request, "leadership/reception_form.html", context)


@perm_required(VIEW_PERM)
@require_GET
def reception_detail(request: HttpRequest, pk: int) -> HttpResponse:
    reception = selectors.access_reception(request.user, pk)
    return render(request, "leadership/reception_detail.html", _reception_context(request, reception))


def _reception_context(request: HttpRequest, reception: Any, link_form: Any = None) -> dict[str, Any]:
    case = None
    if reception.case_id:
        case = Case.objects.visible_to(request.user).select_related("unit").filter(pk=reception.case_id).first()
    can_record = has_perm(request.user, RECORD_PERM, reception.unit)
    return {
        "reception": reception,
        "visitors": _visitor_rows(reception),
        "case": case,
        "case_hidden": reception.case_id is not None and case is None,
        "can_record": can_record,
        "can_register": has_perm(request.user, "cases.case.register", None),
        "open_case_url": case_register_url(reception),
        "link_form": link_form or forms.LinkCaseForm(user=request.user),
    }


@perm_required(VIEW_PERM)
@require_POST
def reception_link_case(request: HttpRequest, pk: int) -> HttpResponse:
    reception = selectors.access_reception(request.user, pk, RECORD_PERM)
    form = forms.LinkCaseForm(request.POST, user=request.user)
    if form.is_valid():
        with refusal_shown_on(form, forms.show_domain_error):
            services.reception_link_case(
                actor=request.user, reception=reception, case=form.cleaned_data["case_number"], request=request
            )
            messages.success(request, "已关联信访事项。")
            return redirect("leadership:reception-detail", pk=reception.pk)
    return render(request, "leadership/reception_detail.html", _reception_context(request, reception, form))


# ---------------------------------------------------------------------------------------------------
# 领导包案


@perm_required(VIEW_PERM)
@require_GET
def ownership_list(request: HttpRequest) -> HttpResponse:
    form = forms.OwnershipFilterForm(request.GET or None, user=request.user)
    page = page_of(request, selectors.ownership_list(request.user, **form.filters()))
    return render(
        request,
        "leadership/ownership_list.html",
        _list_context(
            request, form, page, today=timezone.localdate(), can_assign=has_perm(request.user, ASSIGN_PERM, None)
        ),
    )


@_file_perm(VIEW_PERM)
@require_GET
def ownership_export(request: HttpRequest) -> FileResponse:
    return _xlsx(request, "ownership", forms.OwnershipFilterForm)


def _prefill_case(request: HttpRequest) -> Case | None:
    raw = request.GET.get("case", "")
    if not raw.isdigit():
        return None
    return Case.objects.visible_to(request.user).select_related("unit").filter(pk=int(raw)).first()


@perm_required(ASSIGN_PERM)
@require_http_methods(["GET", "POST"])
def ownership_create(request: HttpRequest) -> HttpResponse:
    post = _post_data(request)
    form = forms.OwnershipForm(post, user=request.user)
    case = _prefill_case(request)
    proposal = None
    supervision = None
    if case is not None:
        supervision = services.active_supervision(case)
        form.initial["case_number"] = case.number
        if supervision is not None:
            proposal = services.proposed_owner(case)
            form.initial["deadline"] = supervision.deadline
            if proposal is not None:
                form.initial["leader_post"] = proposal.pk
    form.initial.setdefault("deadline", forms.default_deadline())
    if post is not None and form.is_valid():
        d = form.cleaned_data
        lp = d["leader_post"]
        with refusal_shown_on(form, forms.show_domain_error):
            ownership = services.ownership_assign(
                actor=request.user,
                case=d["case_number"],
                leader=lp.user,
                unit=lp.unit,
                basis=d["basis"],
                plan_kind=d["plan_kind"],
                tasks=d["tasks"],
                plan=d["plan"],
                team=list(d["team"]),
                team_note=d["team_note"],
                assigned_on=d["assigned_on"],
                deadline=d["deadline"],
                replace=d["replace"],
                request=request,
            )
            messages.success(request, "领导包案已确定，包案责任书已生成。")
            return redirect("leadership:ownership-detail", pk=ownership.pk)
    context = _form_context(
        form,
        "确定领导包案",
        "leadership:ownership-list",
        "领导包案",
        case=case,
        proposal=proposal,
        supervision=supervision,
    )
    return render(request, "leadership/ownership_form.html", context)


def _ownership_context(request: HttpRequest, ownership: Any, **forms_: Any) -> dict[str, Any]:
    user = request.user
    supervisions = list(selectors.supervision_list(user, case=ownership.case))
    return {
        "ownership": ownership,
        "case": ownership.case,
        "team": list(ownership.team.order_by("pk")),
        "progress": selectors.ownership_progress_list(ownership),
        "checklist": ownership.checklist_items(),
        "documents": [d for d in documents_of(ownership) if d.kind == LETTER_KIND],
        "supervisions": supervisions,
        "today": timezone.localdate(),
        "can_record": ownership.is_open and selectors.may_on_ownership(user, ownership, RECORD_PERM),
        "can_settle": ownership.is_open and selectors.may_on_ownership(user, ownership, ASSIGN_PERM),
        "can_letter": selectors.may_on_ownership(user, ownership, RECORD_PERM)
        or selectors.may_on_ownership(user, ownership, ASSIGN_PERM),
        "progress_form": forms_.get("progress_form") or forms.ProgressForm(ownership=ownership),
        "settle_form": forms_.get("settle_form") or forms.SettleForm(),
    }


@perm_required(VIEW_PERM)
@require_GET
def ownership_detail(request: HttpRequest, pk: int) -> HttpResponse:
    ownership = selectors.access_ownership(request.user, pk)
    return render(request, "leadership/ownership_detail.html", _ownership_context(request, ownership))


@perm_required(VIEW_PERM)
@require_POST
def ownership_progress(request: HttpRequest, pk: int) -> HttpResponse:
    ownership = selectors.access_ownership(request.user, pk, RECORD_PERM)
    form = forms.ProgressForm(request.POST, ownership=ownership)
    if form.is_valid():
        with refusal_shown_on(form, forms.show_domain_error):
            services.ownership_progress(
                actor=request.user,
                ownership=ownership,
                on=form.cleaned_data["on"],
                note=form.cleaned_data["note"],
                checklist=form.checklist(),
                request=request,
            )
            messages.success(request, "包案进展已记录。")
            return redirect("leadership:ownership-detail", pk=ownership.pk)
    return render(
        request, "leadership/ownership_detail.html", _ownership_context(request, ownership, progress_form=form)
    )


@perm_required(VIEW_PERM)
@require_POST
def ownership_settle(request: HttpRequest, pk: int) -> HttpResponse:
    ownership = selectors.access_ownership(request.user, pk, ASSIGN_PERM)
    form = forms.SettleForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        with refusal_shown_on(form, forms.show_domain_error):
            services.ownership_settle(
                actor=request.user,
                ownership=ownership,
                settled=d["settled"],
                on=d["on"],
                note=d["note"],
                request=request,
            )
            messages.success(request, "包案已结束。")
            return redirect("leadership:ownership-detail", pk=ownership.pk)
    return render(request, "leadership/ownership_detail.html", _ownership_context(request, ownership, settle_form=form))


@perm_required(VIEW_PERM)
@require_POST
def ownership_letter(request: HttpRequest, pk: int) -> HttpResponse:
    ownership = selectors.access_ownership(request.user, pk)
    if not (
        selectors.may_on_ownership(request.user, ownership, RECORD_PERM)
        or selectors.may_on_ownership(request.user, ownership, ASSIGN_PERM)
    ):
        raise PermissionDenied("您无权生成本包案的责任书")
    try:
        doc = services.ownership_letter(actor=request.user, ownership=ownership, request=request)
    except DomainError as e:
        messages.error(request, e.message)
    else:
        messages.success(request, f"包案责任书已生成（第{doc.version}版）。")
    return redirect("leadership:ownership-detail", pk=ownership.pk)


# ---------------------------------------------------------------------------------------------------
# 挂牌督办


@perm_required(VIEW_PERM)
@require_GET
def supervision_list(request: HttpRequest) -> HttpResponse:
    form = forms.SupervisionFilterForm(request.GET or None, user=request.user)
    page = page_of(request, selectors.supervision_list(request.user, **form.filters()))
    checks = selectors.supervision_owner_checks(page.object_list)
    rows = [{"s": s, "check": checks[s.pk]} for s in page.object_list]
    return render(
        request,
        "leadership/supervision_list.html",
        _list_context(
            request,
            form,
            page,
            rows=rows,
            today=timezone.localdate(),
            can_supervise=_can_list_supervision(request.user),
        ),
    )


def _can_list_supervision(user: Any) -> bool:
    return (
        Unit.objects.visible_to(user, SUPERVISE_PERM).filter(level__in=[Level.BUREAU, Level.CORPS]).exists()
        if has_perm(user, SUPERVISE_PERM, None)
        else False
    )


@_file_perm(VIEW_PERM)
@require_GET
def supervision_export(request: HttpRequest) -> FileResponse:
    return _xlsx(request, "supervision", forms.SupervisionFilterForm)


@perm_required(SUPERVISE_PERM)
@require_http_methods(["GET", "POST"])
def supervision_create(request: HttpRequest) -> HttpResponse:
    form = forms.SupervisionForm(_post_data(request), user=request.user)
    case = _prefill_case(request)
    if case is not None:
        form.initial["case_number"] = case.number
    form.initial.setdefault("deadline", forms.default_deadline(30))
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        with refusal_shown_on(form, forms.show_domain_error):
            supervision = services.supervision_open(
                actor=request.user,
                case=d["case_number"],
                level=d["level"],
                reference_no=d["reference_no"],
                listed_on=d["listed_on"],
                deadline=d["deadline"],
                requirements=d["requirements"],
                request=request,
            )
            messages.success(request, "已挂牌督办。请确定支队主官包案。")
            return redirect("leadership:supervision-detail", pk=supervision.pk)
    context = _form_context(form, "挂牌督办", "leadership:supervision-list", "挂牌督办", case=case, submit_label="挂牌")
    return render(request, "leadership/supervision_form.html", context)


def _supervision_context(request: HttpRequest, supervision: Any, **forms_: Any) -> dict[str, Any]:
    user = request.user
    check = selectors.supervision_owner_checks([supervision])[supervision.pk]
    proposal = check.proposed if supervision.is_active and not check.ok else None
    return {
        "supervision": supervision,
        "case": supervision.case,
        "check": check,
        "proposal": proposal,
        "reports": selectors.supervision_report_list(supervision),
        "today": timezone.localdate(),
        "can_report": supervision.is_active and selectors.may_on_supervision(user, supervision, RECORD_PERM),
        "can_lift": supervision.is_active and selectors.may_on_supervision(user, supervision, SUPERVISE_PERM),
        "can_assign": has_perm(user, ASSIGN_PERM, check.required_unit) if check.required_unit else False,
        "assign_url": reverse("leadership:ownership-create") + "?" + urlencode({"case": supervision.case_id}),
        "report_form": forms_.get("report_form") or forms.ReportForm(),
        "lift_form": forms_.get("lift_form") or forms.LiftForm(),
    }


@perm_required(VIEW_PERM)
@require_GET
def supervision_detail(request: HttpRequest, pk: int) -> HttpResponse:
    supervision = selectors.access_supervision(request.user, pk)
    return render(request, "leadership/supervision_detail.html", _supervision_context(request, supervision))


@perm_required(VIEW_PERM)
@require_POST
def supervision_progress(request: HttpRequest, pk: int) -> HttpResponse:
    supervision = selectors.access_supervision(request.user, pk, RECORD_PERM)
    form = forms.ReportForm(request.POST)
    if form.is_valid():
        with refusal_shown_on(form, forms.show_domain_error):
            services.supervision_report(
                actor=request.user,
                supervision=supervision,
                on=form.cleaned_data["on"],
                content=form.cleaned_data["content"],
                request=request,
            )
            messages.success(request, "督办进展已报送。")
            return redirect("leadership:supervision-detail", pk=supervision.pk)
    return render(
        request, "leadership/supervision_detail.html", _supervision_context(request, supervision, report_form=form)
    )


@perm_required(VIEW_PERM)
@require_POST
def supervision_lift(request: HttpRequest, pk: int) -> HttpResponse:
    supervision = selectors.access_supervision(request.user, pk, SUPERVISE_PERM)
    form = forms.LiftForm(request.POST)
    if form.is_valid():
        with refusal_shown_on(form, forms.show_domain_error):
            services.supervision_lift(
                actor=request.user,
                supervision=supervision,
                reason=form.cleaned_data["reason"],
                lifted_on=form.cleaned_data["lifted_on"],
                request=request,
            )
            messages.success(request, "督办已解除。")
            return redirect("leadership:supervision-detail", pk=supervision.pk)
    return render(
        request, "leadership/supervision_detail.html", _supervision_context(request, supervision, lift_form=form)
    )
