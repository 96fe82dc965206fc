"""Scale-out (issue 17 point 5): no state on the web node. Two application servers on one
PostgreSQL database and one Redis: a login, an upload and a transition made through one are
seen through the other (sessions in the database and the cache, files through the storage
API in a shared folder, the case in the database)."""

import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection
from django.utils import translation

from cases.models import Case, CaseFile, CaseState
from tests.helpers import PDF

pytestmark = [
    pytest.mark.skipif(
        settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
        reason="two application servers share one PostgreSQL database (DATABASE_URL is not PostgreSQL)",
    ),
    pytest.mark.django_db(transaction=True),  # committed rows, seen by the servers
    pytest.mark.usefixtures("reference_rows"),
]

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "scale-out-2026-password"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """A browser's cookies, sent to whichever server it talks to."""

    def __init__(self) -> None:
        self.cookies: dict[str, str] = {}
        self.opener = urllib.request.build_opener(_NoRedirect)

    def send(self, base: str, path: str, body: bytes | None = None, content_type: str = "") -> tuple[int, bytes]:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        if body is not None:
            headers["Referer"] = base + path
            headers["Content-Type"] = content_type or "application/x-www-form-urlencoded"
        try:
            response = self.opener.open(urllib.request.Request(base + path, data=body, headers=headers), timeout=60)
        except urllib.error.HTTPError as error:
            response = error
        for header in response.headers.get_all("Set-Cookie") or []:
            name, value = header.split(";", 1)[0].split("=", 1)
            self.cookies[name] = value
        return response.status, response.read()

    def token(self, base: str, path: str) -> str:
        status, body = self.send(base, path)
        assert status == 200, (path, status)
        return re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1).decode()

    def post(self, base: str, path: str, data: dict, form_page: str) -> int:
        data = {"csrfmiddlewaretoken": self.token(base, form_page), **data}
        return self.send(base, path, urllib.parse.urlencode(data).encode())[0]

    def upload(self, base: str, path: str, data: dict, name: str, content: bytes) -> int:
        data = {"csrfmiddlewaretoken": self.token(base, path), **data}
        boundary = uuid.uuid4().hex
        parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode() for k, v in data.items()]
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
            f"Content-Type: application/pdf\r\n\r\n".encode()
            + content
            + f"\r\n--{boundary}--\r\n".encode()
        )
        return self.send(base, path, b"".join(parts), f"multipart/form-data; boundary={boundary}")[0]


@pytest.fixture
def servers(tmp_path):
    """Two gunicorn servers, each its own process, on the test database, one Redis (db of
    REDIS_URL, else 9) and one media folder (the shared storage)."""
    database = connection.settings_dict
    url = f"postgres://{database['USER']}@{database['HOST'] or '127.0.0.1'}:{database['PORT'] or 5432}/{database['NAME']}"
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "REDIS_URL": os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/9",
        "MEDIA_ROOT": str(tmp_path / "media"),
        "IIZ_OTP_REQUIRED_ROLES": "",
        "PYTHONPATH": str(ROOT),
    }
    if database.get("PASSWORD"):
        env["PGPASSWORD"] = database["PASSWORD"]
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    bases, processes = [], []
    for _ in range(2):
        port = free_port()
        processes.append(
            subprocess.Popen(
                [gunicorn, "iiz.wsgi", "-w", "1", "-b", f"127.0.0.1:{port}", "--no-control-socket", "--log-level", "warning"],
                cwd=ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
        bases.append(f"http://127.0.0.1:{port}")
    try:
        for base in bases:
            for _ in range(150):
                try:
                    if urllib.request.urlopen(base + "/healthz", timeout=2).status == 200:
                        break
                except OSError:
                    time.sleep(0.2)
            else:
                pytest.fail(f"{base} did not start")
        yield bases
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=20)


def test_a_login_an_upload_and_a_transition_on_one_server_are_seen_on_the_other(servers, make_case, coordinator):
    one, other = servers
    assert one != other
    # The servers' own hasher (the tests' settings use a faster one they do not know).
    coordinator.password = PBKDF2PasswordHasher().encode(PASSWORD, "scale-out-salt")
    coordinator.save(update_fields=["password"])
    case = make_case("reported")
    browser = Browser()

    # The login on one server: the other knows the session.
    token = browser.token(one, "/accounts/login/")
    body = urllib.parse.urlencode({"csrfmiddlewaretoken": token, "username": coordinator.username, "password": PASSWORD})
    assert browser.send(one, "/accounts/login/", body.encode())[0] == 302
    status, page = browser.send(other, f"/cases/{case.pk}/")
    assert status == 200 and case.reference.encode() in page

    # An upload through one server: listed and downloaded through the other.
    status = browser.upload(one, f"/cases/{case.pk}/files/new/", {"category": "cv", "description": "CV"}, "Lebenslauf.pdf", PDF)
    assert status == 302
    filed = CaseFile.objects.get(case=case)
    status, page = browser.send(other, f"/cases/{case.pk}/files/")
    assert status == 200 and b"Lebenslauf.pdf" in page
    status, content = browser.send(other, f"/cases/{case.pk}/files/{filed.pk}/")
    assert status == 200 and content == PDF

    # A transition on one server: the other shows the new state.
    assert browser.post(one, f"/cases/{case.pk}/step/plan_round_table/", {}, form_page=f"/cases/{case.pk}/") == 302
    assert Case.objects.get(pk=case.pk).state == CaseState.ROUND_TABLE
    status, page = browser.send(other, f"/cases/{case.pk}/")
    with translation.override(coordinator.language):
        label = str(CaseState.ROUND_TABLE.label)
    assert status == 200 and label.encode() in page
