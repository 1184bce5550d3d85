"""Small pieces the apps' pages share: a page of a list, a file no cache may keep, a service's refusal on its form."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import IO, Any

from django.core.paginator import Page, Paginator
from django.forms import Form
from django.http import FileResponse, HttpRequest

from xinfang.core.errors import DomainError
from xinfang.core.forms import add_domain_error

PAGE_SIZE = 30


def page_of(request: HttpRequest, items: Any, per_page: int = PAGE_SIZE) -> Page:
    """The page ?page= asks for (the last one when it is past the end, the first when it is not a number)."""
    return Paginator(items, per_page).get_page(request.GET.get("page"))


def private_download(file: IO[bytes], *, filename: str, content_type: str) -> FileResponse:
    """A file answered as an attachment that no browser or proxy may keep (exports, minutes, generated documents)."""
    response = FileResponse(file, as_attachment=True, filename=filename, content_type=content_type)
    response["Cache-Control"] = "private, no-store"
    return response


@contextmanager
def refusal_shown_on(form: Form, show: Callable[[Any, DomainError], None] = add_domain_error) -> Iterator[None]:
    """A service's refusal (DomainError) raised in the block is shown on `form` — by `show(form, error)`, on its field
    when the form has it — and the view goes on after the block to render the form again:

        if form.is_valid():
            with refusal_shown_on(form):
                thing = services.thing_create(actor=request.user, ...)
                messages.success(request, "……已保存。")
                return redirect("app:thing-detail", pk=thing.pk)
        return render(request, "app/thing_form.html", {"form": form})
    """
    try:
        yield
    except DomainError as error:
        show(form, error)
