"""Every page any demo user reaches runs at most ``LIMIT`` SQL queries (issue 17).

A crawl with Django's test client: each demo role (one user per role) starts on the home
page and follows same-site links, GET only, one page per URL pattern (tests/e2e/crawl.py's
rules: the numbers of a path are one pattern), and every page's queries are counted. The
pages whose count must also stay the same whatever the data size have their own tests at
two data sizes (the case list, the case page, My tasks, the dashboards, the steering view,
the plan PDF, the fund page: grep ``LIMIT`` or ``django_assert_num_queries``); this test
makes sure no page, including the ones added later, goes above the limit.
"""

from __future__ import annotations

import re
from collections import deque

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from roles.models import User
from tests.e2e.crawl import DEMO_ROLES, SKIP, pattern_of

LIMIT = 12
ROLES = list(DEMO_ROLES)
# Still above the limit, each held at its number here so that it cannot grow: the change
# history reads each tracked table's history in a query of its own (cases/audit/history.py,
# eleven tables); bringing it under the limit is open work of issue 17.
ABOVE_THE_LIMIT = {re.compile(r"/cases/\d+/history/"): 17}
# On SQLite only (the embedded default): the median durations of the dashboard and the
# steering view take one query each (cases/statistics/stats.py ``_median``, three more
# queries); PostgreSQL computes them in the flow's one query, and these pages stay under the
# limit there (.ci/run runs this test on PostgreSQL).
SQLITE_MEDIANS = {re.compile(r"/cases/dashboard/"): 15, re.compile(r"/cases/statistics/"): 15}
HREF = re.compile(r"""<a\b[^>]*\bhref="([^"#]*)(?:#[^"]*)?\"""")


def crawl(client: Client) -> dict[str, int]:
    """{path: queries} of every page reached from the home page."""
    counted: dict[str, int] = {}
    seen = {pattern_of("/")}
    queue = deque(["/"])
    while queue:
        path = queue.popleft()
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path)
        if response.status_code != 200 or not response["Content-Type"].startswith("text/html"):
            continue
        counted[path] = len(queries)
        for href in HREF.findall(response.content.decode()):
            href = href.replace("&amp;", "&")
            if not href.startswith("/") or href.startswith("//") or SKIP.search(href.split("?")[0]):
                continue
            if pattern_of(href.split("?")[0]) + ("?" if "?" in href else "") not in seen:
                seen.add(pattern_of(href.split("?")[0]) + ("?" if "?" in href else ""))
                queue.append(href)
    return counted


@pytest.mark.django_db
@pytest.mark.parametrize("username", ROLES)
def test_no_page_a_demo_user_reaches_runs_more_than_the_limit(demo, username):
    assert connection.features.supports_json_field  # asked once per connection (3 queries on SQLite), not per page
    client = Client()
    client.force_login(User.objects.get(username=username))
    counted = crawl(client)
    assert len(counted) > 3, f"{username} reached only {sorted(counted)}"
    over = {path: n for path, n in sorted(counted.items()) if n > limit_of(path)}
    assert not over, f"{username}: pages over {LIMIT} queries: {over}"


def limit_of(path: str) -> int:
    held = {**ABOVE_THE_LIMIT, **(SQLITE_MEDIANS if connection.vendor == "sqlite" else {})}
    return next((number for pattern, number in held.items() if pattern.fullmatch(path)), LIMIT)
