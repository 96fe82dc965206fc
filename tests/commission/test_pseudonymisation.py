"""A member of the legal commission never reads who a person is: every page the demo user
``legal`` reaches from the home page, following links (the PDFs included), shows no AHV
number, no name and no address of any demo person; and every request they open is in the
access log of its case. (A module of its own: the demo data stay for the whole module.)"""

import re
from urllib.parse import urldefrag, urlsplit

from django.urls import reverse

from cases.models import AccessLog, FundingRequest, Person
from roles.models import User
from tests.helpers import text

SKIP = ("/accounts/logout", "/language/", "/admin/", "/static/", "/media/")


def crawl(client, start: str, limit: int = 300) -> dict[str, str]:
    """{path: what it shows} of every page reachable from ``start`` by GET links."""
    seen: dict[str, str] = {}
    queue = [start]
    while queue and len(seen) < limit:
        url = queue.pop(0)
        if url in seen:
            continue
        response = client.get(url)
        if response.status_code != 200:
            seen[url] = ""
            continue
        if response["Content-Type"].startswith("application/pdf"):
            seen[url] = " ".join(text(response.content).split())
            continue
        if not response["Content-Type"].startswith("text/html"):
            seen[url] = b"".join(response).decode("utf-8", "replace") if response.streaming else response.content.decode()
            continue
        html = response.content.decode()
        seen[url] = html
        for href in re.findall(r'href="([^"]+)"', html):
            href = urldefrag(href.replace("&amp;", "&"))[0]
            if href.startswith("?"):
                href = urlsplit(url).path + href
            if href.startswith("/") and not href.startswith(SKIP) and href not in seen:
                queue.append(href)
    return seen


def test_the_commission_member_sees_no_name_ahv_or_address(demo, db, client):
    legal = User.objects.get(username="legal")
    client.force_login(legal)
    pages = crawl(client, reverse("home"))
    opened = [url for url in pages if url.startswith("/cases/commission/requests/") and pages[url]]
    assert len(opened) >= 4, sorted(pages)
    assert any("/minutes-" in url and pages[url] for url in pages)
    assert reverse("cases:my_tasks") in pages and pages[reverse("cases:my_tasks")]
    leaks = []
    for person in Person.objects.all():
        secrets = [person.ahv_number, f"{person.first_name} {person.last_name}", f"{person.last_name} {person.first_name}"]
        if person.street:
            secrets.append(person.street)
        for url, shown in pages.items():
            leaks.extend((url, secret) for secret in secrets if secret and secret in shown)
    assert not leaks, leaks[:10]
    # every request read is in the access log of its case, as read by the member
    for request in FundingRequest.objects.filter(pk__in=[int(u.split("/")[4]) for u in opened if u.count("/") == 5]):
        assert AccessLog.objects.filter(case=request.case, user=legal, detail__contains=request.number).exists()


def test_the_member_reaches_no_case_page(demo, db, client):
    client.force_login(User.objects.get(username="legal"))
    pages = crawl(client, reverse("home"))
    assert not [url for url in pages if re.match(r"^/cases/\d+/", url)]
    some_case = FundingRequest.objects.first().case
    assert client.get(some_case.get_absolute_url()).status_code == 404
