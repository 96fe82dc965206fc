"""docker-compose.yml, the Dockerfile and README's quick start, checked by reading them
(no Docker engine runs on the development and CI machines)."""

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_defines_the_five_services_each_with_a_health_check():
    services = compose()["services"]
    assert set(services) == {"db", "redis", "web", "worker", "beat"}
    for name, service in services.items():
        assert service.get("healthcheck", {}).get("test"), f"{name} has no health check"


def test_web_runs_gunicorn_and_is_checked_through_healthz():
    web = compose()["services"]["web"]
    assert "gunicorn iiz.wsgi" in web["command"]
    assert any("/healthz" in part for part in web["healthcheck"]["test"])


def test_application_services_run_in_production_mode_on_postgres_and_redis():
    services = compose()["services"]
    for name in ("web", "worker", "beat"):
        env = services[name]["environment"]
        assert env["IIZ_PRODUCTION"] == "1"
        assert env["DATABASE_URL"].startswith("postgres://")
        assert env["REDIS_URL"].startswith("redis://")
        assert services[name]["depends_on"]["db"]["condition"] == "service_healthy"
    assert "celery" in services["worker"]["command"] and "worker" in services["worker"]["command"]
    assert "beat" in services["beat"]["command"]


def test_dockerfile_builds_from_python_3_11_with_pango():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.11", dockerfile, re.M)
    assert "libpango-1.0-0" in dockerfile
    assert "collectstatic" in dockerfile and "compilemessages" in dockerfile


def quick_start_commands():
    text = (ROOT / "README.md").read_text()
    block = re.search(r"^#+\s*quick\s*start.*?$(.*?)^```[^\n]*\n(.*?)^```", text, re.I | re.S | re.M)
    assert block, "README.md has no Quick start block"
    return [line.strip() for line in block.group(2).splitlines() if line.strip() and not line.strip().startswith("#")]


def test_readme_quick_start_has_two_commands_and_ci_runs_the_second():
    commands = quick_start_commands()
    assert len(commands) == 2
    ci = (ROOT / ".ci" / "run").read_text()
    assert f"exec {commands[1]}" in ci


def test_readme_documents_every_demo_login():
    from cases.demo.users import DEMO_PASSWORD, DEMO_USERS

    text = (ROOT / "README.md").read_text()
    assert DEMO_PASSWORD in text
    for username, *_ in DEMO_USERS:
        assert f"`{username}`" in text, username
