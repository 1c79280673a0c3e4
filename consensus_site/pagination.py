"""How long a page of a list is, for the pages and the API alike, and page-number pagination
that answers a page past the end with an empty page (never an offset the database cannot
take: ``?page=9223372036854775807`` was a 500)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja.pagination import PageNumberPagination

# Rows per page of a list: cases, the escalation queue, on the pages and in the API.
PAGE_SIZE = 20
# Rows per page of the audit trail: an administrator scans it, so a page holds more.
AUDIT_PAGE_SIZE = 50

# The largest sequence number or id a query parameter may name (fits every database's
# 64-bit integer; larger is refused with a 422).
MAX_QUERY_INT = 2**62


class BoundedPageNumberPagination(PageNumberPagination):
    def paginate_queryset(
        self,
        queryset: QuerySet[Any],
        pagination: PageNumberPagination.Input,
        request: HttpRequest,
        **params: Any,
    ) -> Any:
        page_size = self._get_page_size(pagination.page_size)
        count = self._items_count(queryset)
        offset = (pagination.page - 1) * page_size
        items = queryset.none() if offset >= count else queryset[offset : offset + page_size]
        return {self.items_attribute: items, "count": count}
