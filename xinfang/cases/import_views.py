"""The ledger import pages (R6.4): upload → a job (small files at once, large ones in the background with a
progress bar), the result with every error and the marked workbook, and the template download.

Permission: cases.case.import somewhere (else 403); each row's unit is checked against the importer's scope by
the import itself. A job is seen only by the user who started it (another user's job id answers 404)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from xinfang.cases import importing
from xinfang.core.errors import DomainError
from xinfang.core.forms import BootstrapFormMixin
from xinfang.core.scope import has_perm
from xinfang.core.views import perm_required
from xinfang.notifications.jobs import error_file_expires, file_retention, job_progress
from xinfang.notifications.selectors import access_job, job_list

IMPORT = importing.IMPORT_PERM


class LedgerUploadForm(BootstrapFormMixin, forms.Form):
    file = forms.FileField(
        label="Excel 文件（.xlsx）",
        help_text=f"不超过 {importing.MAX_BYTES // (1024 * 1024)} MB、{importing.max_rows()} 行。",
    )
    skip_duplicates = forms.BooleanField(
        label="跳过与已有事项重复的行（不勾选时，重复行作为错误列出，整个文件不导入）", required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._bootstrap()

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > importing.MAX_BYTES:
            raise ValidationError(f"文件超过 {importing.MAX_BYTES // (1024 * 1024)} MB，请拆分后分批导入。")
        self.data_bytes = upload.read(importing.MAX_BYTES + 1)
        return upload


def _job(request: HttpRequest, pk: int) -> Any:
    return access_job(request.user, pk, kind=importing.JOB_KIND)


@perm_required(IMPORT)
@require_http_methods(["GET", "POST"])
def import_page(request: HttpRequest) -> HttpResponse:
    form = LedgerUploadForm(request.POST or None, request.FILES or None) if request.method == "POST" else None
    if form is not None and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            job = importing.import_job_start(
                actor=request.user,
                data=form.data_bytes,
                name=upload.name,
                skip_duplicates=form.cleaned_data["skip_duplicates"],
            )
        except DomainError as exc:
            form.add_error("file" if exc.field == "file" else None, exc.message)
            form._bootstrap()
        else:
            return redirect("cases:import-job", pk=job.pk)
    return render(
        request,
        "cases/import.html",
        {
            "form": form or LedgerUploadForm(),
            "columns": importing.COLUMNS,
            "max_rows": importing.max_rows(),
            "inline_rows": importing.inline_rows(),
            "jobs": [(j, job_progress(j)) for j in job_list(request.user, kind=importing.JOB_KIND)],
        },
    )


@perm_required(IMPORT)
@require_GET
def import_template(request: HttpRequest) -> HttpResponse:
    content = importing.template_workbook(request.user)
    response = HttpResponse(content, content_type=importing.XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = (
        f"attachment; filename=\"case-import-template.xlsx\"; filename*=UTF-8''{quote(importing.TEMPLATE_FILENAME)}"
    )
    response["Cache-Control"] = "private, no-store"
    return response


@perm_required(IMPORT)
@require_GET
def import_job(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job(request, pk)
    return render(request, "cases/import_job.html", _job_context(job))


@perm_required(IMPORT)
@require_GET
def import_job_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress card alone (htmx polls it every second while the job runs)."""
    job = _job(request, pk)
    response = render(request, "cases/import_job_progress.html", _job_context(job))
    if job.finished:
        # Let htmx load the whole page once, so the result and the errors show.
        response["HX-Refresh"] = "true"
    return response


@login_required
def import_job_errors(request: HttpRequest, pk: int) -> HttpResponseBase:
    # The permission first, then the method (as perm_required pages answer).
    if not has_perm(request.user, IMPORT, None):
        raise PermissionDenied("您无权导入历史信访事项台账")
    return _import_job_errors(request, pk)


@require_GET
def _import_job_errors(request: HttpRequest, pk: int) -> HttpResponseBase:
    job = _job(request, pk)
    if not job.error_file:
        raise Http404("没有错误标注文件")
    response = FileResponse(
        job.error_file.open("rb"),
        as_attachment=True,
        filename=f"导入错误标注-{job.pk}.xlsx",
        content_type=importing.XLSX_CONTENT_TYPE,
    )
    response["Cache-Control"] = "private, no-store"
    return response


def _job_context(job: Any) -> dict[str, Any]:
    progress = job_progress(job)
    summary = job.summary or {}
    return {
        "job": job,
        "progress": progress,
        "summary": summary,
        "errors": job.errors or [],
        "duplicates": summary.get("duplicates", []),
        # The marked workbook copies the uploaded personal data: kept only for the retention period.
        "error_file_expires": error_file_expires(job),
        "retention_days": round(file_retention().total_seconds() / 86400, 1),
    }
