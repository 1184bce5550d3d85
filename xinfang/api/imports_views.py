"""The ledger import over the API (R6.4, R6.5):

    POST /api/v1/imports/cases/           multipart {file, skip_duplicates?} → 202 {id, status, …}
    GET  /api/v1/imports/{id}/            progress, and when finished the result or every error
    GET  /api/v1/imports/{id}/errors.xlsx the marked error workbook

The import is the page's: the same job (xinfang.notifications.jobs), validation, duplicate check and single
all-or-nothing transaction (xinfang.cases.importing). A job is the caller's own: another user's id answers 404.
"""

from __future__ import annotations

from typing import Any

from django.http import FileResponse, Http404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from xinfang.api import notifications_serializers as s
from xinfang.api.serializers import ErrorSerializer, ValidationErrorSerializer
from xinfang.cases import importing
from xinfang.core.errors import DomainError
from xinfang.core.scope import has_perm
from xinfang.notifications.jobs import job_progress
from xinfang.notifications.models import BackgroundJob
from xinfang.notifications.selectors import access_job

_AUTH = {401: OpenApiResponse(ErrorSerializer, description="未登录或令牌无效")}
_403 = {403: OpenApiResponse(ErrorSerializer, description="没有导入历史台账的权限（cases.case.import）")}
_404 = {404: OpenApiResponse(ErrorSerializer, description="任务不存在（或不是本人发起的任务）")}


def job_data(job: BackgroundJob) -> dict[str, Any]:
    p = job_progress(job)
    summary = job.summary or {}
    return {
        "id": job.pk,
        "status": job.status,
        "status_label": p.status_label,
        "phase": p.phase,
        "done": p.done,
        "total": p.total,
        "percent": p.percent,
        "stalled": p.stalled,
        "file_name": job.input_name,
        "rows": int(summary.get("rows", job.options.get("rows", 0)) or 0),
        "created": int(summary.get("created", 0) or 0),
        "created_ids": summary.get("created_ids", []),
        "skipped_duplicates": summary.get("skipped_duplicates", []),
        "duplicates": summary.get("duplicates", []),
        "errors": job.errors or [],
        "message": job.message,
        "error_workbook_url": reverse("api:import-errors", kwargs={"pk": job.pk}) if job.error_file else None,
        "created_at": job.created_at,
        "finished_at": job.finished_at,
    }


class CanImport(BasePermission):
    """cases.case.import somewhere — checked before the method, so a caller without it gets 403 on every verb."""

    message = "您无权导入历史信访事项台账"

    def has_permission(self, request: Request, view: Any) -> bool:
        return bool(
            request.user and request.user.is_authenticated and has_perm(request.user, importing.IMPORT_PERM, None)
        )


PERMISSIONS = [IsAuthenticated, CanImport]


class CaseImportView(APIView):
    parser_classes = [MultiPartParser]
    permission_classes = PERMISSIONS

    @extend_schema(
        operation_id="imports_cases_create",
        summary="导入历史信访事项台账",
        description=(
            "上传按模板填写的 .xlsx（模板见页面 /cases/import/template/）。"
            "逐行校验（单位、日期、选项、身份证号码校验位、办理状态与日期先后），与已有事项查重；"
            "任何一行有错误时整个文件不导入。答复 202 和任务；"
            f"不超过{importing.inline_rows()}行的文件在答复前已处理完毕，"
            "较大的文件在后台处理，以 GET /api/v1/imports/{id}/ 查询进度。"
            "文件本身无法读取（格式、表头、行数）时答复 400。"
        ),
        request={"multipart/form-data": s.ImportRequestSerializer},
        responses={
            202: s.ImportJobSerializer,
            400: OpenApiResponse(ValidationErrorSerializer, description="文件无法读取或参数有误"),
            **_AUTH,
            **_403,
        },
    )
    def post(self, request: Request) -> Response:
        form = s.ImportRequestSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        upload = form.validated_data["file"]
        if upload.size > importing.MAX_BYTES:
            raise DomainError(
                f"文件超过 {importing.MAX_BYTES // (1024 * 1024)} MB，请拆分后分批导入。",
                code="import_file",
                field="file",
            )
        job = importing.import_job_start(
            actor=request.user,
            data=upload.read(),
            name=upload.name,
            skip_duplicates=form.validated_data["skip_duplicates"],
        )
        return Response(job_data(job), status=status.HTTP_202_ACCEPTED)


class ImportJobView(APIView):
    permission_classes = PERMISSIONS

    @extend_schema(
        operation_id="imports_retrieve",
        summary="导入任务的进度和结果",
        responses={200: s.ImportJobSerializer, **_AUTH, **_403, **_404},
    )
    def get(self, request: Request, pk: int) -> Response:
        return Response(job_data(access_job(request.user, pk, kind=importing.JOB_KIND)))


class ImportErrorsView(APIView):
    permission_classes = PERMISSIONS

    @extend_schema(
        operation_id="imports_errors_workbook",
        summary="错误标注文件",
        description="上传的工作簿：每个错误单元格标红并批注，每个错误行末尾写明错误，另附“错误清单”工作表。",
        responses={
            (200, importing.XLSX_CONTENT_TYPE): OpenApiTypes.BINARY,
            **_AUTH,
            **_403,
            **_404,
        },
    )
    def get(self, request: Request, pk: int) -> FileResponse:
        job = access_job(request.user, pk, kind=importing.JOB_KIND)
        if not job.error_file:
            raise Http404("没有错误标注文件")
        response = FileResponse(
            job.error_file.open("rb"),
            as_attachment=True,
            filename=f"import-{job.pk}-errors.xlsx",
            content_type=importing.XLSX_CONTENT_TYPE,
        )
        response["Cache-Control"] = "private, no-store"
        return response
