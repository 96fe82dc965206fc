"""No lost update between two people, over real HTTP (cases/views/corrections.py,
cases/audit/versions.py): two browser sessions against the live server, each with its own
cookies and CSRF token, load the same edit form; the second save is refused with who saved
what, and keeps its input. Runs on the suite's database: PostgreSQL in CI."""

import re
import urllib.parse
import urllib.request

import pytest
from django.test import Client

from cases.models import Person

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("reference_rows")]


class Browser:
    """One user's session: its own cookies (the session, then the CSRF token the server
    sets), following no redirect, so that a 302 is seen as such."""

    class _NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    def __init__(self, base: str, user) -> None:
        client = Client()
        client.force_login(user)
        self.base = base
        self.cookies = {"sessionid": client.cookies["sessionid"].value}
        self.opener = urllib.request.build_opener(self._NoRedirect)

    def _send(self, request: urllib.request.Request) -> tuple[int, str]:
        request.add_header("Cookie", "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        try:
            response = self.opener.open(request, timeout=30)
        except urllib.error.HTTPError as error:  # a 302: redirects are not followed
            response = error
        for header in response.headers.get_all("Set-Cookie") or []:
            name, value = header.split(";", 1)[0].split("=", 1)
            self.cookies[name] = value
        return response.status if hasattr(response, "status") else response.code, response.read().decode()

    def get(self, path: str) -> str:
        status, html = self._send(urllib.request.Request(self.base + path))
        assert status == 200, status
        return html

    def post(self, path: str, data: dict) -> tuple[int, str]:
        body = urllib.parse.urlencode(data).encode()
        return self._send(urllib.request.Request(self.base + path, data=body, headers={"Referer": self.base + path}))


def form_values(html: str) -> dict:
    """The values the person form was loaded with (inputs and the selected options)."""
    values = dict(re.findall(r'<input[^>]*name="([\w-]+)"[^>]*value="([^"]*)"', html))
    for name, options in re.findall(r'<select[^>]*name="([\w-]+)"[^>]*>(.*?)</select>', html, re.S):
        chosen = re.search(r'<option value="([^"]*)"[^>]*selected', options)
        values[name] = chosen.group(1) if chosen else ""
    return values


def test_two_sessions_editing_one_person_lose_nothing(live_server, make_case, coordinator, case_manager):
    case = make_case("implementation")
    path = f"/cases/{case.pk}/person/"
    first, second = Browser(live_server.url, coordinator), Browser(live_server.url, case_manager)
    loaded_first, loaded_second = form_values(first.get(path)), form_values(second.get(path))
    assert loaded_first["version"] == loaded_second["version"]

    status, _html = first.post(path, {**loaded_first, "city": "Brig-Glis"})
    assert status == 302

    status, html = second.post(path, {**loaded_second, "email": "neu@example.ch"})
    assert status == 200
    assert f"In der Zwischenzeit geändert von {coordinator}" in html
    assert "Brig-Glis" in html, "what the other person saved is shown"
    assert 'value="neu@example.ch"' in html, "the input is kept"
    person = Person.objects.get(pk=case.person_id)
    assert (person.city, person.email) == ("Brig-Glis", case.person.email)

    again = form_values(html)
    status, _html = second.post(path, {**again, "email": "neu@example.ch"})
    assert status == 302
    person.refresh_from_db()
    assert person.email == "neu@example.ch"
