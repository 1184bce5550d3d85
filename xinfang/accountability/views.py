"""The accountability pages (seed 五): the year's assessment with drill-downs to the records, the scoring scheme,
复查复核核查 and 倒查, accountability actions, recommendations and the annual report.

Thin views: parse input with a form, fetch through an access helper (404 out of scope, 403 without the permission),
call one service or selector, render. The services' DomainError messages are shown on the forms.
"""

from __future__ import annotations

import hashlib
import io
import re
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from xinfang.accountability import exports, selectors, services
from xinfang.accountability import forms as f
from xinfang.accountability import indicators as ind
from xinfang.accountability.models import (
    ASSESS_PERM,
    ISSUE_PERM,
    RECTIFY_PERM,
    VIEW_PERM,
    ActionStatus,
    LookbackStatus,
    Standard,
)
from xinfang.cases.models import Disposition, OpinionResult, Rating
from xinfang.core.audit import audit_record
from xinfang.core.errors import DomainError
from xinfang.core.scope import has_perm
from xinfang.core.views import perm_required
from xinfang.documents.models import CONTENT_TYPES
from xinfang.documents.selectors import documents_of
from xinfang.documents.services import document_download
from xinfang.incidents.forms import parse_case_numbers, show_error
from xinfang.incidents.views import handle

PAGE_SIZE = 30


def _year(value: Any) -> int:
    try:
        year = int(value)
    except (TypeError, ValueError):
        raise Http404("年度无效") from None
    if not 2000 <= year <= timezone.localdate().year + 1:
        raise Http404("年度无效")
    return year


def _download(data: bytes, filename: str, content_type: str) -> FileResponse:
    response = FileResponse(io.BytesIO(data), as_attachment=True, filename=filename, content_type=content_type)
    response["Cache-Control"] = "private, no-store"
    return response


# ---------------------------------------------------------------------------------------------------
# The assessment (R5.1)


@perm_required(VIEW_PERM)
@require_GET
def assessment(request: HttpRequest) -> HttpResponse:
    form = f.YearForm(request.GET or None)
    year, level = form.values()
    result = selectors.assessment(request.user, year, level=level)
    return render(
        request,
        "accountability/assessment.html",
        {
            "form": form,
            "result": result,
            "years": selectors.years_with_records(),
            "query": f"year={year}&level={level}",
            "open_items": selectors.open_items(request.user),
            # "/…/<year>/units/": the rows' links are this prefix + "<unit>/" (+ "<code>/<part>/" for the drills) —
            # thousands of links at the 局, one reverse() instead of one {% url %} each (~0.5 s of rendering).
            "units_prefix": reverse("accountability:assessment-unit", args=[result.year, 0]).removesuffix("0/"),
        },
    )


@login_required
@require_GET
def assessment_unit(request: HttpRequest, year: int, pk: int) -> HttpResponse:
    year = _year(year)
    unit = selectors.access_assessed_unit(request.user, pk)
    row = selectors.unit_assessment(request.user, year, unit)
    can_adjust = unit.parent is not None and has_perm(request.user, ASSESS_PERM, unit.parent)
    return render(
        request,
        "accountability/assessment_unit.html",
        {
            "year": year,
            "unit": unit,
            "row": row,
            "indicators": ind.INDICATORS,
            "adjustments": selectors.adjustment_list(request.user, year, unit),
            "can_adjust": can_adjust,
            "adjust_form": f.AdjustmentForm() if can_adjust else None,
            "scheme": selectors.scheme_for_year(year),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def adjustment_create(request: HttpRequest, year: int, pk: int) -> HttpResponse:
    year = _year(year)
    unit = selectors.access_assessed_unit(request.user, pk)
    if unit.parent is None or not has_perm(request.user, ASSESS_PERM, unit.parent):
        raise PermissionDenied("考核分值只能由上一级单位调整")
    back = reverse("accountability:assessment-unit", kwargs={"year": year, "pk": unit.pk})
    return handle(
        request,
        f.AdjustmentForm(request.POST or None),
        lambda d: services.adjustment_create(actor=request.user, year=year, unit=unit, request=request, **d),
        success="考核分值调整已记录。",
        redirect_to=lambda _a: back,
        title=f"调整考核分值：{unit.name}（{year}年度）",
        intro="人工调整须写明理由，记入审计记录。",
        back_url=back,
    )


@login_required
@require_GET
def assessment_drill(request: HttpRequest, year: int, pk: int, code: str, part: str) -> HttpResponse:
    year = _year(year)
    unit = selectors.access_assessed_unit(request.user, pk)
    drill = selectors.indicator_drill(request.user, year, unit, code, part)
    page = Paginator(drill.records, PAGE_SIZE).get_page(request.GET.get("page"))
    if drill.model == "case":
        results, ratings = dict(OpinionResult.choices), dict(Rating.choices)
        dispositions = dict(Disposition.choices)
        for c in page.object_list:
            c.opinion_result_label = results.get(c.opinion_result, "")
            c.opinion_disposition_label = dispositions.get(c.opinion_disposition, "")
            c.rating_label = ratings.get(c.rating, "")
    return render(
        request,
        "accountability/assessment_drill.html",
        {"drill": drill, "page_obj": page, "unit": unit, "year": year, "parts": ind.PARTS},
    )


@login_required
def assessment_export(request: HttpRequest) -> FileResponse:
    # The permission first, then the method (as perm_required pages answer).
    if not has_perm(request.user, VIEW_PERM, None):
        raise PermissionDenied("您无权导出考核结果")
    return _assessment_export(request)


@require_GET
def _assessment_export(request: HttpRequest) -> FileResponse:
    year, level = f.YearForm(request.GET or None).values()
    result = selectors.assessment(request.user, year, level=level)
    export = exports.assessment_xlsx(actor=request.user, result=result, request=request)
    return _download(export.data, export.filename, export.content_type)


@login_required
def assessment_report(request: HttpRequest) -> FileResponse:
    if not has_perm(request.user, VIEW_PERM, None):
        raise PermissionDenied("您无权导出考核结果")
    return _assessment_report(request)


@require_GET
def _assessment_report(request: HttpRequest) -> FileResponse:
    year, level = f.YearForm(request.GET or None).values()
    result = selectors.assessment(request.user, year, level=level)
    export = exports.assessment_docx(actor=request.user, result=result, request=request)
    return _download(export.data, export.filename, export.content_type)


# ---------------------------------------------------------------------------------------------------
# Schemes


def _require_scheme_reader(request: HttpRequest) -> None:
    if not selectors.can_view_schemes(request.user):
        raise PermissionDenied("您无权查看考核方案")


@login_required
def scheme_list(request: HttpRequest) -> HttpResponse:
    _require_scheme_reader(request)
    return _scheme_list(request)


@require_GET
def _scheme_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "accountability/scheme_list.html",
        {"schemes": selectors.scheme_list(), "can_edit": services.can_edit_schemes(request.user)},
    )


@login_required
def scheme_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require_scheme_reader(request)
    return _scheme_detail(request, pk)


@require_GET
def _scheme_detail(request: HttpRequest, pk: int) -> HttpResponse:
    scheme = selectors.access_scheme(request.user, pk)
    return render(
        request,
        "accountability/scheme_detail.html",
        {"scheme": scheme, "rows": _scheme_rows(scheme.data), "can_edit": services.can_edit_schemes(request.user)},
    )


def _scheme_rows(data: dict[str, Any]) -> list[dict[str, Any]]:
    rows = [
        {"indicator": ind.BY_CODE[i["indicator"]], "weight": i["weight"], "points": None, "cap": None}
        for i in data.get("items", [])
    ]
    rows += [
        {"indicator": ind.BY_CODE[d["indicator"]], "weight": None, "points": d["points"], "cap": d["cap"]}
        for d in data.get("deductions", [])
    ]
    return rows


@login_required
@require_http_methods(["GET", "POST"])
def scheme_create(request: HttpRequest) -> HttpResponse:
    if not services.can_edit_schemes(request.user):
        raise PermissionDenied("您无权维护考核评分方案")
    try:
        year = int(request.POST.get("year") or request.GET.get("year") or timezone.localdate().year)
    except ValueError:
        year = timezone.localdate().year
    current = selectors.scheme_for_year(year) or selectors.scheme_list().first()
    form = f.SchemeForm(
        request.POST or None,
        data_initial=selectors.scheme_data(current),
        initial={"year": year, "name": current.name if current else f"{year}年度信访工作考核评分方案"},
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            scheme = services.scheme_create(
                actor=request.user,
                year=d["year"],
                data=form.scheme_data(),
                name=d["name"],
                note=d["note"],
                request=request,
            )
        except DomainError as e:
            show_error(form, e)
        else:
            messages.success(request, f"已保存{scheme.year}年度第{scheme.version}版评分方案。")
            return redirect("accountability:scheme-detail", pk=scheme.pk)
    return render(request, "accountability/scheme_form.html", {"form": form, "current": current})


# ---------------------------------------------------------------------------------------------------
# Review checks and lookbacks (R5.2)


@perm_required(VIEW_PERM)
@require_GET
def check_list(request: HttpRequest) -> HttpResponse:
    pending = list(selectors.review_cases(request.user, pending=True)[:200])
    for c in pending:
        c.can_check = selectors.can_check(request.user, c)  # type: ignore[attr-defined]
    page = Paginator(selectors.check_list(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "accountability/check_list.html", {"pending": pending, "page_obj": page})


@login_required
@require_http_methods(["GET", "POST"])
def check_create(request: HttpRequest, case_pk: int) -> HttpResponse:
    case = selectors.access_review_case(request.user, case_pk)
    form = f.CheckForm(request.POST or None, initial={"checked_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            check = services.review_check_record(
                actor=request.user,
                case=case,
                results=form.results(),
                checked_on=form.cleaned_data["checked_on"],
                note=form.cleaned_data["note"],
                request=request,
            )
        except DomainError as e:
            _check_error(form, e)
        else:
            if check.passed:
                messages.success(request, "核查已记录，六项标准均达标。")
            else:
                messages.warning(request, "核查已记录；存在不达标的标准，已启动倒查。")
            return redirect("accountability:check-detail", pk=check.pk)
    return render(request, "accountability/check_form.html", {"form": form, "case": case})


def _check_error(form: f.CheckForm, error: Any) -> None:
    m = re.match(r"^results\[(\d+)\]\.(passed|note)$", error.field or "")
    if m:
        code = Standard.values[int(m.group(1))]
        form.add_error(f"{code}_{m.group(2)}", error.message)
        form._bootstrap()
        return
    show_error(form, error)


@login_required
@require_GET
def check_detail(request: HttpRequest, pk: int) -> HttpResponse:
    check = selectors.access_check(request.user, pk)
    lookback = getattr(check, "lookback", None)
    return render(request, "accountability/check_detail.html", {"check": check, "lookback": lookback})


@perm_required(VIEW_PERM)
@require_GET
def lookback_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status") or None
    qs = selectors.lookback_list(request.user, status=status if status in LookbackStatus.values else None)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request, "accountability/lookback_list.html", {"page_obj": page, "status": status, "statuses": LookbackStatus}
    )


@login_required
@require_GET
def lookback_detail(request: HttpRequest, pk: int) -> HttpResponse:
    lookback = selectors.access_lookback(request.user, pk)
    where = lookback.review_check.case.unit
    return render(
        request,
        "accountability/lookback_detail.html",
        {
            "lookback": lookback,
            "items": lookback.review_check.items.all(),
            "can_propose": lookback.status != LookbackStatus.DECIDED
            and selectors.can_check(request.user, lookback.review_check.case),
            "can_decide": lookback.status == LookbackStatus.PROPOSED and has_perm(request.user, ISSUE_PERM, where),
            "can_issue": has_perm(request.user, ISSUE_PERM, None),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def lookback_propose(request: HttpRequest, pk: int) -> HttpResponse:
    lookback = selectors.access_lookback(request.user, pk)
    if not selectors.can_check(request.user, lookback.review_check.case):
        raise PermissionDenied("您无权开展该倒查")
    initial = {
        "responsible_persons": list(lookback.responsible_persons.all()),
        "responsible_others": lookback.responsible_others,
        "findings": lookback.findings,
        "proposed_handling": lookback.proposed_handling,
    }
    form = f.LookbackProposeForm(request.POST or None, lookback=lookback, initial=initial)
    back = reverse("accountability:lookback-detail", kwargs={"pk": lookback.pk})
    return handle(
        request,
        form,
        lambda d: services.lookback_propose(
            actor=request.user, lookback=lookback, version=lookback.version, request=request, **d
        ),
        success="倒查发现和处理意见已记录。",
        redirect_to=lambda _lb: back,
        title=f"倒查：{lookback.case.number}（{lookback.unit.name}）",
        intro="写明原办理的相关责任人、倒查发现的问题和处理意见；领导小组作出决定前可以修改。",
        back_url=back,
    )


@login_required
@require_http_methods(["GET", "POST"])
def lookback_decide(request: HttpRequest, pk: int) -> HttpResponse:
    lookback = selectors.access_lookback(request.user, pk)
    if not has_perm(request.user, ISSUE_PERM, lookback.review_check.case.unit):
        raise PermissionDenied("倒查处理决定应由信访工作领导小组作出")
    back = reverse("accountability:lookback-detail", kwargs={"pk": lookback.pk})
    return handle(
        request,
        f.LookbackDecideForm(request.POST or None, initial={"decided_on": timezone.localdate()}),
        lambda d: services.lookback_decide(
            actor=request.user, lookback=lookback, version=lookback.version, request=request, **d
        ),
        success="倒查处理决定已记录。",
        redirect_to=lambda _lb: back,
        title=f"倒查处理决定：{lookback.case.number}",
        intro=f"处理意见：{lookback.proposed_handling or '（尚未提出）'}",
        back_url=back,
    )


# ---------------------------------------------------------------------------------------------------
# Accountability actions (R5.3)


@perm_required(VIEW_PERM)
@require_GET
def action_list(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    overdue = request.GET.get("overdue") == "1"
    status = request.GET.get("status") or None
    qs = selectors.action_list(
        request.user,
        status=status if status in ActionStatus.values else None,
        overdue=True if overdue else None,
        today=today,
    )
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    for a in page.object_list:
        a.overdue = a.is_overdue(today)  # type: ignore[attr-defined]
    return render(
        request,
        "accountability/action_list.html",
        {
            "page_obj": page,
            "overdue": overdue,
            "status": status,
            "statuses": ActionStatus,
            "can_issue": has_perm(request.user, ISSUE_PERM, None),
            "counts": selectors.action_counts(request.user, today),
        },
    )


@perm_required(ISSUE_PERM)
@require_http_methods(["GET", "POST"])
def action_create(request: HttpRequest) -> HttpResponse:
    initial: dict[str, Any] = {"issued_on": timezone.localdate()}
    for key in ("target_unit", "kind"):
        if request.GET.get(key):
            initial[key] = request.GET[key]
    if request.GET.get("lookback", "").isdigit():
        initial["lookbacks"] = [int(request.GET["lookback"])]
    if request.GET.get("incident", "").isdigit():
        initial["incidents"] = [int(request.GET["incident"])]
    if request.GET.get("case"):
        initial["case_numbers"] = request.GET["case"]
    form = f.ActionForm(request.POST or None, user=request.user, initial=initial)

    def act(d: dict[str, Any]) -> Any:
        cases = parse_case_numbers(request.user, d.pop("case_numbers"))
        return services.action_issue(actor=request.user, cases=cases, request=request, **d)

    return handle(
        request,
        form,
        act,
        success="问责事项已下达，通知文书已生成。",
        redirect_to=lambda a: reverse("accountability:action-detail", kwargs={"pk": a.pk}),
        title="下达问责",
        intro="约谈、通报、挂牌督办、责令限期整改、追责由总队信访工作领导小组下达（《关于加强信访工作的意见》第五条第（三）项）。",
        back_url=reverse("accountability:action-list"),
    )


@login_required
@require_GET
def action_detail(request: HttpRequest, pk: int) -> HttpResponse:
    action = selectors.access_action(request.user, pk)
    today = timezone.localdate()
    open_ = action.status != ActionStatus.CLOSED
    return render(
        request,
        "accountability/action_detail.html",
        {
            "action": action,
            "overdue": action.is_overdue(today),
            "linked": selectors.action_linked(request.user, action),
            "documents": list(documents_of(action)),
            "can_report": open_ and has_perm(request.user, RECTIFY_PERM, action.target_unit),
            "can_close": open_ and has_perm(request.user, ISSUE_PERM, action.issuing_unit),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def action_rectification(request: HttpRequest, pk: int) -> HttpResponse:
    action = selectors.access_action(request.user, pk, RECTIFY_PERM)
    back = reverse("accountability:action-detail", kwargs={"pk": action.pk})
    due = f"，整改期限 {action.deadline:%Y-%m-%d}" if action.deadline else ""
    return handle(
        request,
        f.RectificationForm(request.POST or None, initial={"reported_on": timezone.localdate()}),
        lambda d: services.rectification_report(actor=request.user, action=action, request=request, **d),
        success="整改情况已报送。",
        redirect_to=lambda _r: back,
        title=f"报送整改情况：{action.get_kind_display()}（{action.target_unit.name}）",
        intro=f"{action.issued_on:%Y-%m-%d} 下达{due}。事由：{action.reason}",
        back_url=back,
    )


@login_required
@require_http_methods(["GET", "POST"])
def action_close(request: HttpRequest, pk: int) -> HttpResponse:
    action = selectors.access_action(request.user, pk)
    if not has_perm(request.user, ISSUE_PERM, action.issuing_unit):
        raise PermissionDenied("问责事项应由下达单位办结")
    back = reverse("accountability:action-detail", kwargs={"pk": action.pk})
    return handle(
        request,
        f.ActionCloseForm(request.POST or None, initial={"closed_on": timezone.localdate()}),
        lambda d: services.action_close(
            actor=request.user, action=action, version=action.version, request=request, **d
        ),
        success="问责事项已办结。",
        redirect_to=lambda _a: back,
        title=f"办结问责事项：{action.get_kind_display()}（{action.target_unit.name}）",
        back_url=back,
    )


@login_required
@require_GET
def action_document(request: HttpRequest, pk: int, doc: int, fmt: str) -> FileResponse:
    """A notice of the action, for whoever may see the action (the target unit included); checked against its
    sha256 and audited by the documents app."""
    action = selectors.access_action(request.user, pk)
    document = documents_of(action).filter(pk=doc).first()
    if document is None or fmt not in CONTENT_TYPES:
        raise Http404("公文不存在")
    try:
        data = document_download(actor=request.user, document=document, fmt=fmt, request=request)
    except DomainError as e:
        raise Http404(e.message) from None
    return _download(data, f"{document.title}（{document.number}）.{fmt}", CONTENT_TYPES[fmt])


# ---------------------------------------------------------------------------------------------------
# Recommendations and the annual report (R5.4)


@perm_required(VIEW_PERM)
@require_GET
def report_list(request: HttpRequest) -> HttpResponse:
    can_assess = has_perm(request.user, ASSESS_PERM, None)
    return render(
        request,
        "accountability/report_list.html",
        {
            "reports": selectors.report_list(request.user)[:50],
            "recommendations": selectors.recommendation_list(request.user)[:100],
            "can_assess": can_assess,
        },
    )


@perm_required(ASSESS_PERM)
@require_http_methods(["GET", "POST"])
def report_generate(request: HttpRequest) -> HttpResponse:
    form = f.ReportForm(request.POST or None, user=request.user, initial={"year": timezone.localdate().year - 1})
    return handle(
        request,
        form,
        lambda d: services.annual_report_generate(actor=request.user, request=request, **d),
        success="年度信访工作报告已生成。",
        redirect_to=lambda _r: reverse("accountability:report-list"),
        title="生成年度信访工作报告",
        intro="按《信访工作条例》第四十一条，统计本单位及所属单位全年信访情况、反映问题领域、信访较多的单位、"
        "转送交办督办情况和建议采纳情况，生成含表格和图表的 Word 报告；每次生成保存为新版本。",
        back_url=reverse("accountability:report-list"),
        submit_label="生成报告",
    )


@login_required
@require_GET
def report_download(request: HttpRequest, pk: int) -> FileResponse:
    report = selectors.access_report(request.user, pk)
    with report.file.open("rb") as fh:
        data = fh.read()
    if hashlib.sha256(data).hexdigest() != report.sha256:
        raise Http404("报告文件已被改动，无法下载，请联系管理员")
    with transaction.atomic():
        audit_record(
            actor=request.user, action="accountability.report.downloaded", target=report, unit=report.unit,
            after={"sha256": report.sha256}, request=request,
        )  # fmt: skip
    return _download(
        data, f"{report.unit.name}{report.year}年度信访工作报告（第{report.version}版）.docx", exports.DOCX
    )


@perm_required(ASSESS_PERM)
@require_http_methods(["GET", "POST"])
def recommendation_create(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    form = f.RecommendationForm(request.POST or None, user=request.user, initial={"year": today.year, "made_on": today})
    return handle(
        request,
        form,
        lambda d: services.recommendation_create(actor=request.user, request=request, **d),
        success="建议已登记。",
        redirect_to=lambda _r: reverse("accountability:report-list") + "#recommendations",
        title="登记改进工作的建议",
        back_url=reverse("accountability:report-list"),
    )


@login_required
@require_http_methods(["GET", "POST"])
def recommendation_respond(request: HttpRequest, pk: int) -> HttpResponse:
    rec = selectors.access_recommendation(request.user, pk, ASSESS_PERM)
    form = f.RecommendationRespondForm(request.POST or None, initial={"responded_on": timezone.localdate()})
    return handle(
        request,
        form,
        lambda d: services.recommendation_respond(actor=request.user, recommendation=rec, request=request, **d),
        success="采纳情况已登记。",
        redirect_to=lambda _r: reverse("accountability:report-list") + "#recommendations",
        title=f"登记采纳情况：{rec.title}",
        intro=f"建议对象：{rec.addressed_to}。{rec.content}",
        back_url=reverse("accountability:report-list"),
    )
