"""Download of generated documents: fetched through the scope, served as attachments, audited."""

from __future__ import annotations

import io

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.views.decorators.http import require_GET

from xinfang.core.errors import DomainError
from xinfang.documents.models import CONTENT_TYPES
from xinfang.documents.selectors import access_document
from xinfang.documents.services import document_download


@require_GET
@login_required
def download(request: HttpRequest, pk: str, fmt: str) -> HttpResponseBase:
    document = access_document(request.user, pk)
    try:
        data = document_download(actor=request.user, document=document, fmt=fmt, request=request)
    except DomainError as exc:
        return HttpResponse(exc.message, status=409, content_type="text/plain; charset=utf-8")
    response = FileResponse(
        io.BytesIO(data),
        as_attachment=True,
        filename=document.download_filename(fmt),
        content_type=CONTENT_TYPES[fmt],
    )
    response["Cache-Control"] = "private, no-store"
    return response
