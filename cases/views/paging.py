"""Pages of a long list: the page number read from a query parameter of its own (several
lists page independently on one page), the links keep the other parameters."""

from __future__ import annotations

from django.core.paginator import Page, Paginator
from django.http import HttpRequest


class CountedPaginator(Paginator):
    """A paginator told its number of items (counted beforehand, with other lists in one
    query), so that it only reads the rows of its page."""

    def __init__(self, object_list, per_page: int, count: int) -> None:
        super().__init__(object_list, per_page)
        self._known_count = count

    @property
    def count(self) -> int:
        return self._known_count


def page_of(request: HttpRequest, items, per_page: int, param: str = "page", count: int | None = None) -> Page:
    """The page of ``items`` named by ``request.GET[param]`` (the first one if missing, the
    last one if too high), with ``previous_query`` and ``next_query``: the links to its
    neighbours, the other parameters kept."""
    paginator = Paginator(items, per_page) if count is None else CountedPaginator(items, per_page, count)
    page = paginator.get_page(request.GET.get(param))

    def query(number: int) -> str:
        params = request.GET.copy()
        params[param] = str(number)
        return "?" + params.urlencode()

    page.previous_query = query(page.previous_page_number()) if page.has_previous() else ""
    page.next_query = query(page.next_page_number()) if page.has_next() else ""
    return page
