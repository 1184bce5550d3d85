"""PDF layout after GB/T 9704-2012, rendered by WeasyPrint from templates/documents/gbt9704.html.

Fonts come from the system only: the CSS names the faces a government machine has (方正小标宋,
仿宋, 黑体, 楷体) first and Debian's fonts-noto-cjk ("Noto Serif CJK SC", "Noto Sans CJK SC") as the
fallback. Nothing is fetched: the URL fetcher refuses every URL.
"""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string

from xinfang.documents import spec as S
from xinfang.documents.spec import BlockKind, DocumentSpec

_BLOCK_CSS = {
    BlockKind.PARAGRAPH: "para",
    BlockKind.HEADING1: "heading1",
    BlockKind.HEADING2: "heading2",
    BlockKind.LABELED: "para",
}


def _metrics() -> dict[str, Any]:
    return {
        "top": S.MARGIN_TOP_MM,
        "bottom": S.MARGIN_BOTTOM_MM,
        "left": S.MARGIN_LEFT_MM,
        "right": S.MARGIN_RIGHT_MM,
        "body_pt": S.BODY_SIZE_PT,
        "title_pt": S.TITLE_SIZE_PT,
        "copy_pt": S.COPY_SIZE_PT,
        "page_number_pt": S.PAGE_NUMBER_SIZE_PT,
        "line_pt": S.LINE_PITCH_PT,
        "char_pt": round(S.CHAR_PITCH_PT, 2),
        # A little under the exact pitch so that rounding never pushes the 28th character to the next line.
        "letter_spacing_pt": round(S.CHAR_PITCH_PT - S.BODY_SIZE_PT - 0.01, 2),
        "indent_pt": round(2 * S.CHAR_PITCH_PT, 2),
        "attachment_more_pt": round(5 * S.CHAR_PITCH_PT, 2),
        "red": S.RED,
    }


def _blocks(spec: DocumentSpec) -> list[dict[str, str]]:
    rows = []
    for block in spec.body:
        for line in block.display_text.split("\n"):
            rows.append({"css": _BLOCK_CSS[block.kind], "text": line})
    return rows


def _attachments(spec: DocumentSpec) -> list[str]:
    if len(spec.attachments) == 1:
        return list(spec.attachments)
    return [f"{i}.{name}" for i, name in enumerate(spec.attachments, start=1)]


def render_html(spec: DocumentSpec) -> str:
    sig_right, date_right = S.signature_offsets(spec.signature, spec.date_text)
    return render_to_string(
        "documents/gbt9704.html",
        {
            "spec": spec,
            "m": _metrics(),
            "blocks": _blocks(spec),
            "attachments": _attachments(spec),
            "date_text": spec.date_text,
            "sig_right_pt": round(sig_right * S.BODY_SIZE_PT, 2),
            "date_right_pt": round(date_right * S.BODY_SIZE_PT, 2),
            "masthead_pt": S.masthead_size_pt(spec.masthead) if spec.masthead else 0,
            "template_version": S.TEMPLATE_VERSION,
        },
    )


def render_pdf(spec: DocumentSpec) -> bytes:
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    no_fetch = URLFetcher(allowed_protocols=set())
    pdf = HTML(string=render_html(spec), base_url=None, url_fetcher=no_fetch).write_pdf()
    assert pdf is not None
    return pdf
