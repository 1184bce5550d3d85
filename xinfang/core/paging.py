"""Paging for lists that can hold a million rows (issue 8).

An exact COUNT(*) over every case the 局 may see reads the whole table (≈ 0.5–1.5 s at 1,000,000 cases) on every page
view, for a number nobody reads past "many". `CappedPaginator` counts at most `cap` + 1 rows
(`SELECT COUNT(*) FROM (… LIMIT cap + 1)`), which stops early: below the cap the count is exact; above it the list
says "10,000 件以上" and pages up to the cap, and the reader narrows the filters to go further (as search engines and
trackers do). Everything a reader can reach is still reachable by filtering — nothing is hidden by the cap.
"""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.utils.functional import cached_property
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response

COUNT_CAP = 10_000


class CappedPaginator(Paginator):
    cap = COUNT_CAP

    @cached_property
    def count(self) -> int:  # type: ignore[override]
        items: Any = self.object_list
        if hasattr(items, "capped_count"):  # a queryset that counts its own way (CaseQuerySet: by scope branches)
            n = items.capped_count(self.cap)
        elif hasattr(items, "order_by") and hasattr(items, "count"):
            n = items.order_by()[: self.cap + 1].count()
        else:
            n = len(items)
        self.capped = n > self.cap
        return min(n, self.cap)

    def page(self, number: Any) -> Any:
        """Django's page, with the rows sliced by the queryset's own `page_slice` when it has one."""
        items: Any = self.object_list
        if not hasattr(items, "page_slice"):
            return super().page(number)
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        return self._get_page(items.page_slice(bottom, top), number, self)  # type: ignore[attr-defined]

    @property
    def is_capped(self) -> bool:
        self.count  # noqa: B018 — computes `capped`
        return self.capped

    @property
    def count_label(self) -> str:
        return f"{self.count:,} 件以上" if self.is_capped else f"{self.count:,} 件"


class CappedPageNumberPagination(PageNumberPagination):
    """DRF paging with the capped count: `count` is exact unless `count_capped` is true (then it is the cap and there
    are more rows; page up to the cap or narrow the filters)."""

    django_paginator_class = CappedPaginator
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def get_paginated_response(self, data: Any) -> Response:
        assert self.page is not None
        paginator: CappedPaginator = self.page.paginator  # type: ignore[assignment]
        return Response(
            {
                "count": paginator.count,
                "count_capped": paginator.is_capped,
                "next": self.get_next_link(),
                "previous": self.get_previous_link(),
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        out = super().get_paginated_response_schema(schema)
        out["properties"]["count_capped"] = {
            "type": "boolean",
            "description": f"true: more than {COUNT_CAP:,} rows match; `count` is the cap (narrow the filters)",
        }
        return out
