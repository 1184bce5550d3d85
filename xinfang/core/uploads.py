"""What an uploaded file really is, from its bytes (R-SEC: never from its name or the client's content type).

Used by every service that accepts a file (case attachments, 党委会 minutes): each maps the extension it allows to the
kind `sniff` must return.
"""

from __future__ import annotations

import zipfile
from typing import Any

SAMPLE_BYTES = 8192


def sniff(f: Any) -> str:
    """The kind of the file's content: pdf, jpeg, png, ole (DOC/XLS), docx, xlsx, zip, text or unknown.
    The file position is left at 0."""
    f.seek(0)
    head = f.read(SAMPLE_BYTES)
    f.seek(0)
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "ole"
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(f) as z:
                names = z.namelist()
        except Exception:  # BadZipFile, NotImplementedError ("zip file version 6.7") …: untrusted bytes
            return "unknown"
        finally:
            f.seek(0)
        if any(n.startswith("word/") for n in names):
            return "docx"
        if any(n.startswith("xl/") for n in names):
            return "xlsx"
        return "zip"
    if b"\x00" not in head:
        for encoding in ("utf-8", "gb18030"):
            try:
                # A multi-byte character may be cut at the end of the sample.
                head.decode(encoding) if len(head) < SAMPLE_BYTES else head[:-4].decode(encoding)
                return "text"
            except UnicodeDecodeError:
                continue
    return "unknown"
