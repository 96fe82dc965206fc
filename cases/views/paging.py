"""Pages of a long list: the page number read from a query parameter of its own (several
lists page independently on one page), the links keep the other parameters; and the pages
of a list too long to count exactly on every request (``open_page``)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
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


@dataclass
class OpenPage:
    """A page of a list too long to count on every request (the case list: 100,000 cases).

    ``total`` is the exact number of items when it came cheaply: on the last page (what is
    before it and on it), or counted up to ``cap`` items; ``None`` means "more than
    ``cap``". The links go to the previous and the next page, so every page is reached."""

    number: int
    object_list: list
    has_next: bool
    start_index: int
    end_index: int
    total: int | None
    cap: int
    num_pages: int | None  # known with the total
    previous_query: str
    next_query: str

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_other_pages(self) -> bool:
        return self.has_previous or self.has_next


def _page_number(value: str | None) -> int:
    try:
        return max(1, int(value))
    except (TypeError, ValueError):
        return 1


def open_page(request: HttpRequest, items: QuerySet, per_page: int, cap: int, param: str = "page") -> OpenPage:
    """The page of ``items`` named by ``request.GET[param]``, read with one row more than it
    shows (whether a next page exists) and, only when there is one, the items counted up to
    ``cap`` + 1 (the database stops there, where ``COUNT(*)`` of the whole list reads every
    row). A number past the end (an old link) gives the last page, counted exactly."""
    number = _page_number(request.GET.get(param))
    rows = list(items[(number - 1) * per_page : number * per_page + 1])
    if not rows and number > 1:
        number = max(1, math.ceil(items.count() / per_page))
        rows = list(items[(number - 1) * per_page : number * per_page + 1])
    offset = (number - 1) * per_page
    has_next = len(rows) > per_page
    rows = rows[:per_page]
    if not has_next:
        total = offset + len(rows)
    else:
        counted = items.order_by()[: cap + 1].count()
        total = counted if counted <= cap else None

    def query(to: int) -> str:
        params = request.GET.copy()
        params[param] = str(to)
        return "?" + params.urlencode()

    return OpenPage(
        number=number,
        object_list=rows,
        has_next=has_next,
        start_index=offset + 1 if rows else 0,
        end_index=offset + len(rows),
        total=total,
        cap=cap,
        num_pages=None if total is None else max(1, math.ceil(total / per_page)),
        previous_query=query(number - 1) if number > 1 else "",
        next_query=query(number + 1) if has_next else "",
    )
