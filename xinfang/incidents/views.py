"""The incidents pages (seed 四): plans and linkage contacts, incidents with their required officials, referrals.

Thin views: a form parses the input, an access helper fetches the object (404 out of scope, 403 without the
permission), one service or selector does the work; a DomainError is shown on the form.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from xinfang.core.errors import DomainError
from xinfang.core.scope import has_perm
from xinfang.core.views import perm_required
from xinfang.incidents import forms as f
from xinfang.incidents import selectors, services
from xinfang.incidents.models import MANAGE_PERM, VIEW_PERM, Incident

PAGE_SIZE = 30


def form_page(
    request: HttpRequest,
    form: forms.Form,
    *,
    title: str,
    back_url: str,
    submit_label: str = "提交",
    intro: str = "",
    multipart: bool = False,
    danger: bool = False,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "incidents/form_page.html",
        {
            "form": form,
            "title": title,
            "back_url": back_url,
            "submit_label": submit_label,
            "intro": intro,
            "multipart": multipart,
            "danger": danger,
        },
        status=status,
    )


def handle(
    request: HttpRequest,
    form: forms.Form,
    action: Callable[[dict[str, Any]], Any],
    *,
    success: str,
    redirect_to: Callable[[Any], str],
    **page: Any,
) -> HttpResponse:
    """POST: validate, call the service, redirect with a message; otherwise (or on refusal) show the form page."""
    if request.method == "POST" and form.is_valid():
        try:
            result = action(form.cleaned_data)
        except DomainError as e:
            f.show_error(form, e)
        else:
            messages.success(request, success)
            return redirect(redirect_to(result))
    return form_page(request, form, **page)


def _today_initial() -> dict[str, Any]:
    return {"today": timezone.localdate()}


# ---------------------------------------------------------------------------------------------------
# Plans and contacts (R4.1)


@perm_required(VIEW_PERM)
@require_GET
def plan_list(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    plans = list(selectors.plan_list(request.user))
    overdue = 0
    for p in plans:
        p.overdue = p.review_overdue(today)  # type: ignore[attr-defined]
        overdue += p.overdue  # type: ignore[attr-defined]
    return render(
        request,
        "incidents/plan_list.html",
        {
            "plans": plans,
            "contacts": selectors.contact_list(request.user),
            "can_manage": has_perm(request.user, MANAGE_PERM, None),
            "overdue_count": overdue,
        },
    )


@perm_required(MANAGE_PERM)
@require_http_methods(["GET", "POST"])
def plan_create(request: HttpRequest) -> HttpResponse:
    form = f.PlanForm(request.POST or None, request.FILES or None, user=request.user)
    return handle(
        request,
        form,
        lambda d: services.plan_create(actor=request.user, request=request, **d),
        success="应急处置预案已登记。",
        redirect_to=lambda _p: reverse("incidents:plan-list"),
        title="登记应急处置预案",
        back_url=reverse("incidents:plan-list"),
        multipart=True,
    )


@login_required
@require_http_methods(["GET", "POST"])
def plan_review(request: HttpRequest, pk: int) -> HttpResponse:
    plan = selectors.access_plan(request.user, pk, MANAGE_PERM)
    form = f.PlanReviewForm(request.POST or None, request.FILES or None, initial={"reviewed_on": timezone.localdate()})
    return handle(
        request,
        form,
        lambda d: services.plan_review(actor=request.user, plan=plan, request=request, **d),
        success="预案评审情况已登记。",
        redirect_to=lambda _p: reverse("incidents:plan-list"),
        title=f"评审预案：{plan.title}（{plan.unit.name}）",
        intro=(
            f"当前版本 {plan.version}，上次评审 {plan.last_reviewed_on:%Y-%m-%d}，"
            f"应于 {plan.review_due:%Y-%m-%d} 前重新评审。"
        ),
        back_url=reverse("incidents:plan-list"),
        multipart=True,
    )


@login_required
@require_GET
def plan_file(request: HttpRequest, pk: int) -> FileResponse:
    plan = selectors.access_plan(request.user, pk)
    if not plan.file:
        raise Http404("该预案没有上传文件")
    response = FileResponse(
        plan.file.open("rb"), as_attachment=True, filename=plan.original_name, content_type=plan.content_type
    )
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def plan_retire(request: HttpRequest, pk: int) -> HttpResponse:
    plan = selectors.access_plan(request.user, pk, MANAGE_PERM)
    services.plan_set_active(actor=request.user, plan=plan, active=False, request=request)
    messages.success(request, f"预案“{plan.title}”已废止。")
    return redirect("incidents:plan-list")


@perm_required(MANAGE_PERM)
@require_http_methods(["GET", "POST"])
def contact_create(request: HttpRequest) -> HttpResponse:
    form = f.ContactForm(request.POST or None, user=request.user)
    return handle(
        request,
        form,
        lambda d: services.contact_create(actor=request.user, request=request, **d),
        success="联动单位已登记。",
        redirect_to=lambda _c: reverse("incidents:plan-list") + "#contacts",
        title="登记联动单位",
        intro="属地街道（乡镇）、公安机关、信访部门等联动单位及其值班电话。",
        back_url=reverse("incidents:plan-list"),
    )


@login_required
@require_POST
def contact_retire(request: HttpRequest, pk: int) -> HttpResponse:
    contact = selectors.access_contact(request.user, pk, MANAGE_PERM)
    services.contact_set_active(actor=request.user, contact=contact, active=False, request=request)
    messages.success(request, f"联动单位“{contact.name}”已停用。")
    return redirect(reverse("incidents:plan-list") + "#contacts")


# ---------------------------------------------------------------------------------------------------
# Incidents (R4.2)


@perm_required(VIEW_PERM)
@require_GET
def incident_list(request: HttpRequest) -> HttpResponse:
    form = f.IncidentFilterForm(request.GET or None)
    incidents = selectors.incident_list(request.user, **form.filters())
    page = Paginator(incidents, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "incidents/incident_list.html",
        {
            "form": form,
            "page_obj": page,
            "can_manage": has_perm(request.user, MANAGE_PERM, None),
            "counts": selectors.incident_counts(request.user),
        },
    )


@perm_required(MANAGE_PERM)
@require_http_methods(["GET", "POST"])
def incident_create(request: HttpRequest) -> HttpResponse:
    form = f.IncidentForm(
        request.POST or None, user=request.user, initial={"occurred_on": timezone.localdate(), "headcount": 1}
    )

    def act(d: dict[str, Any]) -> Incident:
        cases = f.parse_case_numbers(request.user, d.pop("case_numbers"))
        return services.incident_open(actor=request.user, cases=cases, request=request, **d)

    return handle(
        request,
        form,
        act,
        success="事件已登记，已通知应到场的领导。",
        redirect_to=lambda i: reverse("incidents:incident-detail", kwargs={"pk": i.pk}),
        title="登记信访突发事件",
        intro=(
            "到总队上访：属事支队分管领导应到场处置；进京上访：支队主官应赴京处置（《关于加强信访工作的意见》第四条）。"
            "登记后系统通知上述领导，到场情况登记前事件显示为“未到场”。"
        ),
        back_url=reverse("incidents:incident-list"),
    )


@login_required
@require_GET
def incident_detail(request: HttpRequest, pk: int) -> HttpResponse:
    incident = selectors.access_incident(request.user, pk)
    cases, hidden = selectors.incident_cases(request.user, incident)
    can_manage = has_perm(request.user, MANAGE_PERM, incident.unit)
    return render(
        request,
        "incidents/incident_detail.html",
        {
            "incident": incident,
            "responders": selectors.incident_responders(incident),
            "notices": selectors.incident_notices(incident),
            "cases": cases,
            "hidden_cases": hidden,
            "can_manage": can_manage and incident.is_open,
            "responder_form": f.ResponderForm(incident=incident) if can_manage and incident.is_open else None,
            "link_form": f.LinkCaseForm() if can_manage else None,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def incident_responder(request: HttpRequest, pk: int) -> HttpResponse:
    incident = selectors.access_incident(request.user, pk, MANAGE_PERM)
    form = f.ResponderForm(request.POST or None, incident=incident)
    return handle(
        request,
        form,
        lambda d: services.responder_record(actor=request.user, incident=incident, request=request, **d),
        success="到场人员已登记。",
        redirect_to=lambda _r: reverse("incidents:incident-detail", kwargs={"pk": incident.pk}),
        title="登记到场/赴京人员",
        intro=incident.required_duty and f"本事件应由{incident.required_duty}。",
        back_url=reverse("incidents:incident-detail", kwargs={"pk": incident.pk}),
    )


@login_required
@require_http_methods(["GET", "POST"])
def incident_close(request: HttpRequest, pk: int) -> HttpResponse:
    incident = selectors.access_incident(request.user, pk, MANAGE_PERM)
    form = f.IncidentCloseForm(request.POST or None, initial={"closed_on": timezone.localdate()})
    return handle(
        request,
        form,
        lambda d: services.incident_close(actor=request.user, incident=incident, request=request, **d),
        success="事件处置情况已登记。",
        redirect_to=lambda _i: reverse("incidents:incident-detail", kwargs={"pk": incident.pk}),
        title="登记处置情况和结果",
        back_url=reverse("incidents:incident-detail", kwargs={"pk": incident.pk}),
    )


@login_required
@require_http_methods(["GET", "POST"])
def incident_link(request: HttpRequest, pk: int) -> HttpResponse:
    incident = selectors.access_incident(request.user, pk, MANAGE_PERM)
    form = f.LinkCaseForm(request.POST or None)

    def act(d: dict[str, Any]) -> Incident:
        found = f.parse_case_numbers(request.user, d["case_number"], field="case_number")
        return services.incident_link_case(actor=request.user, incident=incident, case=found[0], request=request)

    return handle(
        request,
        form,
        act,
        success="已关联信访事项。",
        redirect_to=lambda _i: reverse("incidents:incident-detail", kwargs={"pk": incident.pk}),
        title="关联信访事项",
        intro="关联只记录事件与事项的联系，不改变信访事项本身及信访人的任何权利。",
        back_url=reverse("incidents:incident-detail", kwargs={"pk": incident.pk}),
    )


# ---------------------------------------------------------------------------------------------------
# Referrals (R4.3)


@perm_required(VIEW_PERM)
@require_GET
def referral_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status") or None
    referrals = selectors.referral_list(
        request.user, status=status if status in ("pending", "resolved", "unresolved") else None
    )
    page = Paginator(referrals, PAGE_SIZE).get_page(request.GET.get("page"))
    for r in page.object_list:
        r.ledger_url = _ledger_url(r.ledger_entry_id)  # type: ignore[attr-defined]
    return render(
        request,
        "incidents/referral_list.html",
        {
            "page_obj": page,
            "status": status,
            "can_manage": has_perm(request.user, MANAGE_PERM, None),
        },
    )


def _ledger_url(entry_id: int | None) -> str:
    """The conflict-ledger entry's page (screening app; it checks access itself), "" when there is none."""
    from django.urls import NoReverseMatch

    if entry_id is None:
        return ""
    try:
        return reverse("screening:conflict-detail", kwargs={"pk": entry_id})
    except NoReverseMatch:
        return ""


@perm_required(MANAGE_PERM)
@require_http_methods(["GET", "POST"])
def referral_create(request: HttpRequest) -> HttpResponse:
    form = f.ReferralForm(request.POST or None, user=request.user, initial={"referred_on": timezone.localdate()})

    def act(d: dict[str, Any]) -> Any:
        number = d.pop("case_number")
        found = f.parse_case_numbers(request.user, number, field="case_number") if number else []
        return services.referral_create(actor=request.user, case=found[0] if found else None, request=request, **d)

    return handle(
        request,
        form,
        act,
        success="已登记移交。",
        redirect_to=lambda _r: reverse("incidents:referral-list"),
        title="提请信访联席会议协调",
        intro="对本单位难以解决的信访诉求，提请属地信访工作联席会议或地方政府有关部门协调化解。",
        back_url=reverse("incidents:referral-list"),
    )


@login_required
@require_http_methods(["GET", "POST"])
def referral_outcome(request: HttpRequest, pk: int) -> HttpResponse:
    referral = selectors.access_referral(request.user, pk, MANAGE_PERM)
    form = f.ReferralOutcomeForm(request.POST or None, initial={"outcome_on": timezone.localdate()})
    return handle(
        request,
        form,
        lambda d: services.referral_record_outcome(actor=request.user, referral=referral, request=request, **d),
        success="协调结果已登记。",
        redirect_to=lambda _r: reverse("incidents:referral-list"),
        title=f"登记协调结果：{referral.subject}",
        intro=f"{referral.referred_on:%Y-%m-%d} 移交{referral.recipient}。理由：{referral.reason}",
        back_url=reverse("incidents:referral-list"),
    )
