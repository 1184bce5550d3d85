"""The public portal (R6.6, 条例 Art 18/21), no sign-in, under /portal/ with its own mobile-first templates:

    /portal/                      published channels and reception schedule; links to submit and query
    /portal/submit/               an online petition → /portal/submitted/ shows the number and 查询码 ONCE
    /portal/query/                number + 查询码 + last four of the ID number or phone → /portal/progress/
    /portal/progress/             the dated progress, the documents sent, evaluation, 复查/复核 request
    /portal/documents/<pk>/       a document of the verified case (PDF), integrity-checked and audited
    /portal/leave/                end the verified session

A successful query keeps (case id, 查询码) in the session for PORTAL_SESSION_SECONDS; every later page
re-checks the code, so a code reset by staff ends it. Wrong answers — unknown number, wrong code, wrong last
four — all get the same page, status and message, and every query answer takes at least
XINFANG_PORTAL_QUERY_MIN_SECONDS. Submit and query are rate-limited per IP (ratelimit.py); CSRF as everywhere.

Staff pages (core.settings.manage) keep the published channels: /portal/manage/channels/…
"""

from __future__ import annotations

import io
import time
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from xinfang.cases import services as case_services
from xinfang.cases.models import Case
from xinfang.core.errors import DomainError
from xinfang.core.scope import access_object
from xinfang.core.views import perm_required
from xinfang.documents.models import CONTENT_TYPES
from xinfang.documents.services import document_download
from xinfang.portal import forms, ratelimit, selectors, services
from xinfang.portal.models import MANAGE_PERM, PublicChannel

SESSION_NEW = "xf_portal_new"
SESSION_CASE = "xf_portal_case"
SESSION_REVIEW = "xf_portal_review"
WRONG = "信访事项编号、查询码或身份证号码/联系电话后四位不正确，请核对后重试。"
# The request body a petition may have: the attachments plus the form fields.
MAX_SUBMIT_BYTES = forms.MAX_TOTAL_BYTES + 1024 * 1024


def _session_seconds() -> int:
    return int(getattr(settings, "XINFANG_PORTAL_SESSION_SECONDS", 1800))


def _min_query_seconds() -> float:
    default = 0.0 if getattr(settings, "TESTING", False) else 0.5
    return float(getattr(settings, "XINFANG_PORTAL_QUERY_MIN_SECONDS", default))


def _pad(started: float) -> None:
    """Every query answer takes at least the configured time, found or not (no timing difference)."""
    left = _min_query_seconds() - (time.monotonic() - started)
    if left > 0:
        time.sleep(left)


def _limited(request: HttpRequest, retry: int) -> HttpResponse:
    response = render(
        request, "portal/limited.html", {"retry": retry, "minutes": max(1, (retry + 59) // 60)}, status=429
    )
    response["Retry-After"] = str(retry)
    return response


def _verified(request: HttpRequest) -> tuple[Case, str] | None:
    data = request.session.get(SESSION_CASE)
    if not isinstance(data, dict) or float(data.get("until", 0)) < time.time():
        request.session.pop(SESSION_CASE, None)
        return None
    case = selectors.verified_case(data.get("case"), str(data.get("code", "")))
    if case is None:
        request.session.pop(SESSION_CASE, None)
        return None
    return case, str(data["code"])


def _portal_context(**extra: Any) -> dict[str, Any]:
    return {"portal_unit": services.top_unit(), **extra}


# ---------------------------------------------------------------------------------------------------
# Public pages


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    published, schedule = selectors.reception_schedule()
    return render(
        request,
        "portal/index.html",
        _portal_context(channels=selectors.published_channels(), schedule_published=published, schedule=schedule),
    )


class QuotaUploadHandler(FileUploadHandler):
    """Stops reading an upload body that grows past the limit (also when no Content-Length was sent)."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit
        self.total = 0
        self.exceeded = False

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        self.total += len(raw_data)
        if self.total > self.limit:
            self.exceeded = True
            raise StopUpload(connection_reset=True)
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


def _too_large(request: HttpRequest) -> HttpResponse:
    limit = forms.MAX_TOTAL_BYTES // (1024 * 1024)
    return render(request, "portal/too_large.html", _portal_context(limit=limit), status=413)


@csrf_exempt  # checked by _submit, after the size check: an oversized body is refused before it is read
@never_cache
@require_http_methods(["GET", "POST"])
def submit(request: HttpRequest) -> HttpResponse:
    quota: QuotaUploadHandler | None = None
    if request.method == "POST":
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > MAX_SUBMIT_BYTES:
            return _too_large(request)
        quota = QuotaUploadHandler(MAX_SUBMIT_BYTES)
        request.upload_handlers = [quota, *request.upload_handlers]
    return _submit(request, quota)


@csrf_protect
def _submit(request: HttpRequest, quota: QuotaUploadHandler | None) -> HttpResponse:
    if request.method == "POST":
        form = forms.PetitionForm(request.POST, request.FILES)
        if quota is not None and quota.exceeded:
            return _too_large(request)
        retry = ratelimit.hit(request, "submit")
        if retry is not None:
            return _limited(request, retry)
        if form.is_valid():
            d = form.cleaned_data
            try:
                case = services.petition_submit(
                    unit=d["unit"],
                    name=d["name"],
                    id_number=d["id_number"],
                    phone=d["phone"],
                    address=d["address"],
                    category=d["category"],
                    topic=d["topic"],
                    title=d["title"],
                    content=d["content"],
                    accused_unit=d["accused_unit"],
                    accused_names=d["accused_names"],
                    attachments=d["attachments"],
                    request=request,
                )
            except DomainError as exc:
                field = _form_field(exc.field, form)
                form.add_error(field, exc.message)
                form._bootstrap()
            else:
                request.session[SESSION_NEW] = {
                    "number": case.number,
                    "code": case.plain_query_code,  # type: ignore[attr-defined]
                    "unit": case.unit.name,
                    "received_on": case.received_on.isoformat(),
                    "ack_due": case.ack_due.isoformat() if case.ack_due else "",
                }
                return redirect("portal:submitted")
    else:
        form = forms.PetitionForm()
    return render(request, "portal/submit.html", _portal_context(form=form))


PETITIONER_FIELDS = {"name", "id_number", "phone", "address"}


def _form_field(field: str | None, form: Any) -> str | None:
    if not field:
        return None
    if field.startswith("petitioners["):
        tail = field.rsplit(".", 1)[-1]
        return tail if tail in PETITIONER_FIELDS else None
    return field if field in form.fields else None


@never_cache
@require_GET
def submitted(request: HttpRequest) -> HttpResponse:
    data = request.session.pop(SESSION_NEW, None)
    return render(request, "portal/submitted.html", _portal_context(new=data))


@never_cache
@require_http_methods(["GET", "POST"])
def query(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        retry = ratelimit.hit(request, "query")
        if retry is not None:
            return _limited(request, retry)
        started = time.monotonic()
        form = forms.QueryForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            case = selectors.petition_lookup(d["number"], d["code"], d["last4"])
            if case is not None:
                request.session.cycle_key()
                request.session[SESSION_CASE] = {
                    "case": case.pk,
                    "code": d["code"].strip().upper(),
                    "until": time.time() + _session_seconds(),
                }
                _pad(started)
                return redirect("portal:progress")
            form.add_error(None, WRONG)
        _pad(started)
    else:
        form = forms.QueryForm()
    return render(request, "portal/query.html", _portal_context(form=form))


@never_cache
@require_GET
def progress(request: HttpRequest) -> HttpResponse:
    verified = _verified(request)
    if verified is None:
        messages.info(request, "请输入信访事项编号、查询码和身份证号码或联系电话后四位查询。")
        return redirect("portal:query")
    case, _code = verified
    return render(
        request,
        "portal/progress.html",
        _portal_context(
            case=case,
            status=selectors.public_status(case),
            deadline=selectors.public_deadline(case),
            entries=selectors.public_progress_entries(case),
            documents=selectors.public_documents(case),
            can_evaluate=selectors.can_evaluate(case),
            evaluate_form=forms.EvaluateForm(),
            window=selectors.review_window(case),
            review_form=forms.ReviewForm(),
            new_review=request.session.pop(SESSION_REVIEW, None),
        ),
    )


@never_cache
@require_POST
def evaluate(request: HttpRequest) -> HttpResponse:
    verified = _verified(request)
    if verified is None:
        return redirect("portal:query")
    case, code = verified
    form = forms.EvaluateForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请选择满意、基本满意或不满意。")
        return redirect("portal:progress")
    try:
        case_services.case_evaluate_by_petitioner(
            case=case,
            query_code=code,
            rating=form.cleaned_data["rating"],
            note=form.cleaned_data["note"],
            request=request,
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "感谢您的评价。")
    return redirect("portal:progress")


@never_cache
@require_POST
def review(request: HttpRequest) -> HttpResponse:
    verified = _verified(request)
    if verified is None:
        return redirect("portal:query")
    case, code = verified
    form = forms.ReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请求理由不能超过5000字。")
        return redirect("portal:progress")
    try:
        new = case_services.review_request_by_petitioner(
            case=case, query_code=code, content=form.cleaned_data["content"], request=request
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        request.session[SESSION_REVIEW] = {
            "number": new.number,
            "code": new.plain_query_code,  # type: ignore[attr-defined]
            "unit": new.unit.name,
            "due": new.due.isoformat() if new.due else "",
            "kind": new.get_kind_display(),
        }
        messages.success(request, f"您的{new.get_kind_display()}请求已提交，由{new.unit.name}办理。")
    return redirect("portal:progress")


@never_cache
@require_GET
def document(request: HttpRequest, pk: int) -> HttpResponseBase:
    verified = _verified(request)
    if verified is None:
        raise Http404("请先查询")
    case, _code = verified
    doc = selectors.public_document(case, pk)
    if doc is None:
        raise Http404("文书不存在")
    try:
        data = document_download(actor=None, document=doc, fmt="pdf", request=request)
    except DomainError as exc:
        return HttpResponse(exc.message, status=409, content_type="text/plain; charset=utf-8")
    response = FileResponse(
        io.BytesIO(data), as_attachment=True, filename=doc.download_filename("pdf"), content_type=CONTENT_TYPES["pdf"]
    )
    response["Cache-Control"] = "private, no-store"
    return response


@require_POST
def leave(request: HttpRequest) -> HttpResponse:
    for key in (SESSION_CASE, SESSION_REVIEW, SESSION_NEW):
        request.session.pop(key, None)
    messages.info(request, "已退出查询。")
    return redirect("portal:index")


# ---------------------------------------------------------------------------------------------------
# Staff: the published channels (core.settings.manage)


@perm_required(MANAGE_PERM)
@require_http_methods(["GET", "POST"])
def channel_list(request: HttpRequest) -> HttpResponse:
    form = forms.ChannelForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.channel_create(
                actor=request.user,
                unit=d["unit"],
                kind=d["kind"],
                value=d["value"],
                note=d["note"],
                order=d["order"],
                published=d["published"],
                request=request,
            )
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, "已添加。")
            return redirect("portal:manage-channels")
    rows = PublicChannel.objects.visible_to(request.user).select_related("unit", "updated_by")
    return render(request, "portal/manage/channels.html", {"form": form, "rows": rows})


@perm_required(MANAGE_PERM)
@require_http_methods(["GET", "POST"])
def channel_edit(request: HttpRequest, pk: int) -> HttpResponse:
    row = access_object(PublicChannel.objects.select_related("unit"), request.user, pk, MANAGE_PERM)
    initial = {**row.as_dict(), "unit": row.unit_id}
    form = forms.ChannelForm(request.POST or None, user=request.user, initial=initial)
    form.fields["unit"].disabled = True
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.channel_update(
                actor=request.user,
                channel=row,
                kind=d["kind"],
                value=d["value"],
                note=d["note"],
                order=d["order"],
                published=d["published"],
                request=request,
            )
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, "已保存。")
            return redirect("portal:manage-channels")
    return render(request, "portal/manage/channel_edit.html", {"form": form, "row": row})


@perm_required(MANAGE_PERM)
@require_POST
def channel_delete(request: HttpRequest, pk: int) -> HttpResponse:
    row = access_object(PublicChannel.objects.select_related("unit"), request.user, pk, MANAGE_PERM)
    services.channel_delete(actor=request.user, channel=row, request=request)
    messages.success(request, "已删除。")
    return redirect("portal:manage-channels")
