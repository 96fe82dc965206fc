"""The load benchmark: the main pages under 16 concurrent signed-in clients, as ratios of a
minimal page measured in the same run (issue 17).

    .venv/bin/python bench/load.py            # 100,000 cases, 12 s per page
    .venv/bin/python bench/load.py --quick    # 10,000 cases, 3 s per page (under 2 minutes)

What it does, in one command:

1. The database: ``DATABASE_URL`` (PostgreSQL; default ``iiz_bench_load`` or, with
   ``--quick``, ``iiz_bench_load_quick`` on 127.0.0.1) is migrated and, when it holds no bulk
   data yet, filled by ``manage.py seed_bulk --cases N`` (kept for the next run).
2. gunicorn on loopback in production settings (``IIZ_PRODUCTION=1``, a random SECRET_KEY,
   ``ALLOWED_HOSTS=127.0.0.1``, DEBUG off, Redis ``REDIS_URL`` or db 9, static files
   collected into a temporary folder), 2 sync workers, ``--no-control-socket``. The requests
   say ``X-Forwarded-Proto: https`` as the reverse proxy would. ``IIZ_BENCH_PAGES=1`` serves
   the minimal page; ``IIZ_OTP_REQUIRED_ROLES`` is empty (the users sign in with their
   password only).
3. Real users sign in through the login form (the officer, a regional coordinator, a case
   manager, steering); every page is fetched once with its user's session and checked: 200
   and the title the page has when rendered in-process (not the login page), a PDF for the
   plan. The in-process rendering (Django's test client) also counts each page's queries.
4. wrk (installed from Debian when missing, as .ci/setup does) drives 16 connections, two
   threads, every page in turn for ``--rounds`` rounds (so the pages are interleaved with
   the minimal page, and a change of load on the machine touches them all alike); then one
   connection, one second per page, for the server time of a lone request.
5. Reports req/s, p50/p95/p99, errors (socket errors and answers other than 200),
   queries, the ratio of each page's req/s to the minimal page's, the p50 at one
   connection and its ratio, and the workers' peak RSS; as JSON (``--json``, default in
   the temporary folder) and as a markdown table. The load average is printed before and
   after: the machine may be shared.

The baseline without database is a static file (WhiteNoise, before the session middleware).
"""

from __future__ import annotations

import argparse
import datetime
import html
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
BIN = Path(PYTHON).parent
TITLE = re.compile(r"<title>(.*?)</title>", re.S)

LUA = r"""
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) bad = 0 end
function response(status, headers, body) if status ~= 200 then bad = bad + 1 end end
function done(summary, latency, requests)
  local nbad = 0
  for _, t in ipairs(threads) do nbad = nbad + t:get("bad") end
  local e = summary.errors
  io.write(string.format('RESULT {"requests": %d, "duration_us": %d, "bytes": %d, "socket_errors": %d, "non200": %d, "points": [',
    summary.requests, summary.duration, summary.bytes, e.connect + e.read + e.write + e.timeout, nbad))
  for i = 1, 400 do
    if i > 1 then io.write(",") end
    io.write(string.format("%d", latency:percentile((i - 0.5) / 4)))
  end
  io.write("]}\n")
end
"""


@dataclass
class Page:
    key: str
    label: str
    user: str  # "" for the baseline: no session
    path: str
    kind: str = "html"  # html, pdf, static
    title: str = ""
    queries: int | None = None
    runs: list[dict] = field(default_factory=list)
    single: dict | None = None


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def ensure_wrk() -> None:
    if shutil.which("wrk"):
        return
    print("Installing wrk from Debian")
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    subprocess.run([*sudo, "apt-get", "update", "-qq"], check=True)
    subprocess.run(
        [*sudo, "apt-get", "install", "-y", "-qq", "--no-install-recommends", "wrk"],
        check=True,
        env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
    )


def manage(env: dict, *args: str) -> str:
    result = subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True)
    if result.returncode:
        sys.exit(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- the in-process side: the data, the pages, their titles and queries --------------------


def prepare(cases: int, env: dict) -> tuple[list[Page], dict]:
    """Migrate and fill the database if needed; choose the pages and render each in-process
    (title and queries)."""
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from cases.demo.bulk import bulk_present
    from cases.models import Case, CaseState, PlanStatus
    from roles.models import User

    manage(env, "migrate", "--no-input", "-v", "0")
    if not bulk_present():
        started = time.perf_counter()
        print(f"Filling the database with {cases} cases (seed_bulk) ...", flush=True)
        print(manage(env, "seed_bulk", "--cases", str(cases)).strip().splitlines()[-1])
        print(f"  {time.perf_counter() - started:.0f} s")
    info = {"cases": Case.objects.count(), "vendor": connection.vendor}
    users = {
        "officer": "bulk-officer",
        "coordinator": "bulk-coordinator-ow",
        "case manager": "bulk-cm-ow-0",
        "steering": "bulk-steering",
    }
    cm = User.objects.get(username=users["case manager"])
    case = (
        Case.objects.filter(case_manager=cm, state=CaseState.IMPLEMENTATION, plans__status=PlanStatus.VALIDATED)
        .order_by("pk")
        .first()
    )
    if case is None:
        sys.exit("No case in implementation with a validated plan for the case manager: seed more cases.")
    version = case.plans.filter(status=PlanStatus.VALIDATED).order_by("-version").values_list("version", flat=True)[0]
    name = case.person.last_name.split("-")[0]
    pages = [
        Page("baseline", "baseline: a static file (no database)", "", "/static/img/logo.svg", "static"),
        Page("minimal", "minimal page (25 cases × 3 columns)", "officer", "/cases/bench/minimal/"),
        Page("list", "case list, first page", "officer", reverse("cases:list")),
        Page("list_state", "case list, by state", "officer", reverse("cases:list") + "?state=implementation"),
        Page(
            "list_search", "case list, name search", "officer", reverse("cases:list") + "?" + urllib.parse.urlencode({"q": name})
        ),
        Page("case", "case page", "case manager", reverse("cases:detail", args=[case.pk])),
        Page("tasks_cm", "My tasks, case manager", "case manager", reverse("cases:my_tasks")),
        Page("tasks_coordinator", "My tasks, coordinator", "coordinator", reverse("cases:my_tasks")),
        Page("dashboard_officer", "officer dashboard", "officer", reverse("cases:dashboard")),
        Page("dashboard_coordinator", "coordinator dashboard", "coordinator", reverse("cases:dashboard")),
        Page("steering", "steering view", "steering", reverse("cases:statistics")),
        Page("plan_pdf", "action-plan PDF", "case manager", reverse("cases:plan_pdf", args=[case.pk, version]), "pdf"),
    ]
    clients = {}
    for who, username in users.items():
        clients[who] = Client()
        clients[who].force_login(User.objects.get(username=username))
    for page in pages:
        if page.kind == "static":
            continue
        client = clients[page.user]
        client.get(page.path)  # warm: the first request fills the caches
        with CaptureQueriesContext(connection) as queries:
            response = client.get(page.path)
        if response.status_code != 200:
            sys.exit(f"{page.label}: {response.status_code} in-process")
        page.queries = len(queries)
        if page.kind == "html":
            page.title = html.unescape(TITLE.search(response.content.decode()).group(1).strip())
    info["users"] = users
    info["case"] = case.reference
    info["search"] = name
    return pages, info


# --- the server --------------------------------------------------------------------------


class Server:
    def __init__(self, env: dict, workers: int) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.static = tempfile.mkdtemp(prefix="iiz-load-static-")
        self.env = {
            **env,
            "IIZ_PRODUCTION": "1",
            "DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "127.0.0.1",
            "IIZ_BASE_URL": "https://127.0.0.1",
            "STATIC_ROOT": self.static,
        }
        manage(self.env, "collectstatic", "--no-input", "-v", "0")
        self.log_path = Path(tempfile.gettempdir()) / f"iiz-load-gunicorn-{self.port}.log"
        self.log = self.log_path.open("w")
        self.process = subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                "iiz.wsgi",
                "--workers",
                str(workers),
                "--bind",
                f"127.0.0.1:{self.port}",
                "--no-control-socket",
                "--timeout",
                "120",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        self.peak_rss = 0
        self._stop = threading.Event()
        for _ in range(100):
            try:
                if fetch(self.base, "/static/img/logo.svg", {})[0] == 200:
                    break
            except OSError:
                pass
            time.sleep(0.2)
        else:
            self.stop()
            sys.exit("gunicorn did not start")
        self._sampler = threading.Thread(target=self._sample, daemon=True)
        self._sampler.start()

    def workers(self) -> list[int]:
        pids = []
        for status in Path("/proc").glob("[0-9]*/status"):
            try:
                text = status.read_text()
            except OSError:
                continue
            if re.search(rf"^PPid:\s+{self.process.pid}$", text, re.M):
                pids.append(int(status.parent.name))
        return pids

    def _sample(self) -> None:
        while not self._stop.wait(0.25):
            for pid in self.workers():
                try:
                    rss = re.search(r"^VmRSS:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text(), re.M)
                except OSError:
                    continue
                if rss:
                    self.peak_rss = max(self.peak_rss, int(rss.group(1)) * 1024)

    def drain(self) -> None:
        """Wait until the workers are idle: wrk stops, but the requests it had sent are still
        served; the next page must not pay for them."""
        for _ in range(600):
            started = time.perf_counter()
            fetch(self.base, "/static/img/logo.svg", {})
            if time.perf_counter() - started < 0.05:
                return
            time.sleep(0.1)

    def stop(self) -> None:
        self._stop.set()
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()
        shutil.rmtree(self.static, ignore_errors=True)
        shutil.rmtree(self.env["MEDIA_ROOT"], ignore_errors=True)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


HTTPS = {"X-Forwarded-Proto": "https"}  # as the reverse proxy says: no redirect to https


def fetch(base: str, path: str, cookies: dict, data: dict | None = None) -> tuple[int, dict, bytes]:
    opener = urllib.request.build_opener(_NoRedirect)
    headers = {**HTTPS, "Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())}
    body = None
    if data is not None:
        body = urllib.parse.urlencode(data).encode()
        headers["Referer"] = f"https://{base.split('://')[1]}{path}"
    try:
        response = opener.open(urllib.request.Request(base + path, data=body, headers=headers), timeout=120)
    except urllib.error.HTTPError as error:
        response = error
    for header in response.headers.get_all("Set-Cookie") or []:
        name, value = header.split(";", 1)[0].split("=", 1)
        cookies[name] = value
    return response.status, dict(response.headers), response.read()


def sign_in(base: str, username: str, password: str) -> dict:
    cookies: dict = {}
    status, _headers, body = fetch(base, "/accounts/login/", cookies)
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)
    assert status == 200 and token, f"login page: {status}"
    status, _headers, _body = fetch(
        base,
        "/accounts/login/",
        cookies,
        {"csrfmiddlewaretoken": token.group(1).decode(), "username": username, "password": password},
    )
    if status != 302 or "sessionid" not in cookies:
        sys.exit(f"{username} could not sign in ({status})")
    return cookies


def check(base: str, page: Page, cookies: dict) -> None:
    """The answer is the real page: 200, and its title (or a PDF), not the login page."""
    status, headers, body = fetch(base, page.path, dict(cookies))
    if status != 200:
        sys.exit(f"{page.label}: HTTP {status} {headers.get('Location', '')}")
    if page.kind == "pdf":
        assert body.startswith(b"%PDF"), f"{page.label}: not a PDF"
    elif page.kind == "html":
        found = TITLE.search(body.decode())
        title = html.unescape(found.group(1).strip()) if found else ""
        if title != page.title:
            sys.exit(f"{page.label}: the title is {title!r}, not {page.title!r}")


# --- wrk -----------------------------------------------------------------------------------


def wrk(base: str, page: Page, cookies: dict, seconds: float, connections: int, script: Path) -> dict:
    threads = min(2, connections)
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--timeout", "60s", "-s", str(script)]
    for name, value in HTTPS.items():
        command += ["-H", f"{name}: {value}"]
    if cookies:
        command += ["-H", "Cookie: " + "; ".join(f"{k}={v}" for k, v in cookies.items())]
    output = subprocess.run([*command, base + page.path], capture_output=True, text=True, check=True).stdout
    line = next(line for line in output.splitlines() if line.startswith("RESULT "))
    return json.loads(line[len("RESULT ") :])


def merged(runs: list[dict]) -> dict:
    """Several wrk runs of one page as one: the sums, and percentiles of the runs' latency
    quantiles weighted by their requests."""
    requests = sum(r["requests"] for r in runs)
    seconds = sum(r["duration_us"] for r in runs) / 1e6
    points = sorted((p, r["requests"] / len(r["points"])) for r in runs for p in r["points"])
    total = sum(weight for _p, weight in points) or 1

    def percentile(q: float) -> float:
        seen = 0.0
        for value, weight in points:
            seen += weight
            if seen >= q * total:
                return value / 1000
        return points[-1][0] / 1000 if points else 0.0

    if not requests:  # none answered within the time: no latency to tell
        return {
            "requests": 0,
            "rps": 0.0,
            "p50_ms": None,
            "p95_ms": None,
            "p99_ms": None,
            "errors": sum(r["socket_errors"] for r in runs),
        }
    return {
        "requests": requests,
        "rps": requests / seconds if seconds else 0.0,
        "p50_ms": percentile(0.50),
        "p95_ms": percentile(0.95),
        "p99_ms": percentile(0.99),
        "errors": sum(r["socket_errors"] + r["non200"] for r in runs),
    }


# --- the run -------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="10,000 cases, 3 s per page")
    parser.add_argument("--cases", type=int, help="cases in the database (default 100,000; 10,000 with --quick)")
    parser.add_argument("--seconds", type=float, help="seconds per page at 16 connections (default 12; 3 with --quick)")
    parser.add_argument("--rounds", type=int, help="the pages in turn, this many times (default 3; 1 with --quick)")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--only", help="comma-separated page keys (the baseline and the minimal page always run)")
    parser.add_argument("--json", type=Path, help="where to write the JSON (default: the temporary folder)")
    args = parser.parse_args()
    cases = args.cases or (10_000 if args.quick else 100_000)
    seconds = args.seconds or (3.0 if args.quick else 12.0)
    rounds = args.rounds or (1 if args.quick else 3)
    database = "iiz_bench_load_quick" if args.quick else "iiz_bench_load"
    env = {
        **os.environ,
        "DATABASE_URL": os.environ.get("DATABASE_URL", f"postgres://postgres@127.0.0.1:5432/{database}"),
        "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/9"),
        "IIZ_OTP_REQUIRED_ROLES": "",
        "IIZ_BENCH_PAGES": "1",
        "DJANGO_SETTINGS_MODULE": "iiz.settings",
        # One folder of files for the in-process pass and the server: the plan PDF stored by
        # the first is the one the second serves.
        "MEDIA_ROOT": tempfile.mkdtemp(prefix="iiz-load-media-"),
    }
    started = time.perf_counter()
    before = load_average()
    print(f"load average before: {before}", flush=True)
    ensure_wrk()
    pages, info = prepare(cases, {**env, "REDIS_URL": ""})  # in-process: a local cache
    if args.only:
        keep = {"baseline", "minimal", *args.only.split(",")}
        pages = [page for page in pages if page.key in keep]
    from cases.demo.bulk import BULK_PASSWORD

    server = Server(env, args.workers)
    try:
        sessions = {who: sign_in(server.base, username, BULK_PASSWORD) for who, username in info["users"].items()}
        sessions[""] = {}
        for page in pages:  # the real page, and a warm-up of both workers
            check(server.base, page, sessions[page.user])
            for _ in range(4):
                fetch(server.base, page.path, dict(sessions[page.user]))
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
            script.write(LUA)
        script_path = Path(script.name)
        for _round in range(rounds):
            for page in pages:
                page.runs.append(wrk(server.base, page, sessions[page.user], seconds / rounds, args.connections, script_path))
                server.drain()
        for page in pages:
            page.single = merged([wrk(server.base, page, sessions[page.user], 2 if args.quick else 4, 1, script_path)])
            server.drain()
        script_path.unlink()
        peak = server.peak_rss
    finally:
        server.stop()
    after = load_average()
    print(f"gunicorn's log: {server.log_path}")
    args.rounds = rounds
    report(pages, info, args, cases, seconds, before, after, peak, time.perf_counter() - started)


def report(pages, info, args, cases, seconds, before, after, peak, elapsed) -> None:
    results = {page.key: merged(page.runs) for page in pages}
    minimal = results["minimal"]
    rows = []
    for page in pages:
        result = results[page.key]
        rows.append(
            {
                "page": page.key,
                "label": page.label,
                "user": page.user,
                "path": page.path,
                **{k: _round(v, 2) if isinstance(v, float) else v for k, v in result.items()},
                "ratio": round(result["rps"] / minimal["rps"], 3) if minimal["rps"] else None,
                "queries": page.queries,
                "p50_ms_1conn": _round(page.single["p50_ms"], 1),
                "ratio_1conn": _round(page.single["p50_ms"] and page.single["p50_ms"] / results_single(pages, "minimal"), 2),
            }
        )
    data = {
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "cases": info["cases"],
        "database": info["vendor"],
        "case": info["case"],
        "search": info["search"],
        "connections": args.connections,
        "workers": args.workers,
        "seconds_per_page": seconds,
        "rounds": args.rounds,
        "load_average_before": before,
        "load_average_after": after,
        "peak_worker_rss_mb": round(peak / 2**20, 1),
        "elapsed_s": round(elapsed, 1),
        "pages": rows,
    }
    path = args.json or Path(tempfile.gettempdir()) / f"iiz-load-{'quick-' if args.quick else ''}{int(time.time())}.json"
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False))
    print()
    print(
        f"{info['cases']:,} cases, {args.connections} connections, {args.workers} workers, "
        f"{seconds:g} s a page in {args.rounds} rounds; workers' peak RSS {data['peak_worker_rss_mb']} MB"
    )
    print()
    print("| page | user | req/s | ratio | p50 ms | p95 ms | p99 ms | errors | queries | p50 ms at 1 conn. | ratio at 1 conn. |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for row in rows:
        cells = [
            row["label"],
            row["user"] or "–",
            f"{row['rps']:.1f}",
            f"{row['ratio']:.2f}×",
            *(_cell(row[key], "{:.0f}") for key in ("p50_ms", "p95_ms", "p99_ms")),
            str(row["errors"]),
            _cell(row["queries"], "{}"),
            _cell(row["p50_ms_1conn"], "{:.1f}"),
            _cell(row["ratio_1conn"], "{:.2f}×"),
        ]
        print("| " + " | ".join(cells) + " |")
    print()
    print(f"load average before: {before}; after: {after}; {elapsed:.0f} s; JSON: {path}")


def _round(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


def _cell(value, form: str) -> str:
    return "–" if value is None else form.format(value)


def results_single(pages: list[Page], key: str) -> float:
    value = next(page.single["p50_ms"] for page in pages if page.key == key)
    return value or 1.0


if __name__ == "__main__":
    main()
