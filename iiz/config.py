"""Configuration read from the environment.

All environment parsing lives here, as plain functions of a mapping, so that it can be
tested without reloading Django settings. ``iiz/settings.py`` calls :func:`load` once.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

BASE_DIR = Path(__file__).resolve().parent.parent

TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}

# A development key: used only when IIZ_PRODUCTION is off and no SECRET_KEY is given.
DEV_SECRET_KEY = "django-insecure-iiz-development-only-never-use-in-production"


# A production SECRET_KEY: 50 characters or more, of which this many different ones. Django's own
# deploy check asks only for 5; a random key of 50 URL-safe characters has about 35.
MIN_SECRET_KEY_CHARACTERS = 20


class ConfigError(Exception):
    """A missing or malformed environment variable; the message is one line."""


@dataclass(frozen=True)
class Config:
    production: bool
    debug: bool
    secret_key: str
    allowed_hosts: list[str]
    csrf_trusted_origins: list[str]
    database_url: str
    redis_url: str | None
    email_url: str | None
    default_from_email: str
    server_email: str
    base_url: str
    time_zone: str = "Europe/Zurich"
    media_root: Path = field(default=BASE_DIR / "media")
    static_root: Path = field(default=BASE_DIR / "staticfiles")
    # Django's STORAGES["default"]: where uploaded files go (see file_storage).
    file_storage: dict = field(default_factory=dict)
    upload_max_bytes: int = 20 * 1024 * 1024
    session_idle_minutes: int = 30
    # Who must use a second factor: role names, and "staff" for everyone with the admin.
    otp_required_roles: tuple[str, ...] = ("officer", "secretariat", "staff")
    # The reverse proxies whose X-Forwarded-For is believed (addresses or networks).
    trusted_proxies: list[str] = field(default_factory=list)
    # clamd's Unix socket path or host:port; empty: uploads are not scanned for viruses.
    clamd_socket: str = ""
    # The load benchmark's minimal page (bench/load.py); off unless IIZ_BENCH_PAGES is on.
    bench_pages: bool = False
    # Years after the end of a case before its personal data are anonymised (cases/retention).
    retention_years: int = 10


def parse_bool(name: str, raw: str | None, default: bool) -> bool:
    if raw is None:
        return default
    word = raw.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ConfigError(f"{name} must be one of 1/0, true/false, yes/no, on/off; got {raw!r}")


def parse_list(raw: str | None) -> list[str]:
    if not raw:
        return []
    return [item.strip() for item in raw.split(",") if item.strip()]


def check_url(name: str, value: str, schemes: set[str]) -> str:
    parts = urlsplit(value)
    if parts.scheme not in schemes:
        raise ConfigError(f"{name} must start with one of {', '.join(sorted(s + '://' for s in schemes))}; got {value!r}")
    return value


def load(env: Mapping[str, str]) -> Config:
    """Read the configuration from ``env`` (normally ``os.environ``)."""
    production = parse_bool("IIZ_PRODUCTION", env.get("IIZ_PRODUCTION"), False)
    # Off unless a developer asks for it (DEBUG=1): the demo set-up (.ci/serve) shows the
    # application's own error pages, never Django's debug pages listing the URL patterns.
    debug = parse_bool("DEBUG", env.get("DEBUG"), False)
    if production and debug:
        raise ConfigError("DEBUG must be off when IIZ_PRODUCTION is on")

    secret_key = env.get("SECRET_KEY", "")
    if production:
        if not secret_key:
            raise ConfigError("SECRET_KEY is required when IIZ_PRODUCTION is on (50 or more random characters)")
        if len(secret_key) < 50 or len(set(secret_key)) < MIN_SECRET_KEY_CHARACTERS or secret_key.startswith("django-insecure"):
            raise ConfigError(
                f"SECRET_KEY is too weak: use 50 or more random characters (at least {MIN_SECRET_KEY_CHARACTERS} different ones), e.g. python -c 'import secrets; print(secrets.token_urlsafe(50))'"
            )
    elif not secret_key:
        secret_key = DEV_SECRET_KEY

    allowed_hosts = parse_list(env.get("ALLOWED_HOSTS"))
    if production and not allowed_hosts:
        raise ConfigError("ALLOWED_HOSTS is required when IIZ_PRODUCTION is on (comma-separated host names)")
    if production and "*" in allowed_hosts:
        raise ConfigError("ALLOWED_HOSTS must name the hosts when IIZ_PRODUCTION is on, not '*'")
    if not allowed_hosts:
        allowed_hosts = ["127.0.0.1", "localhost", "[::1]", "testserver"]

    csrf_trusted_origins = parse_list(env.get("CSRF_TRUSTED_ORIGINS"))
    for origin in csrf_trusted_origins:
        # In production the site is reached over https only: an http origin would let a page
        # served without TLS post with the user's cookies.
        check_url("CSRF_TRUSTED_ORIGINS", origin, {"https"} if production else {"http", "https"})
    if production and not csrf_trusted_origins:
        csrf_trusted_origins = [f"https://{host.lstrip('.')}" for host in allowed_hosts]

    database_url = env.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}"
    check_url("DATABASE_URL", database_url, {"sqlite", "postgres", "postgresql", "pgsql"})
    if production and database_url.startswith("sqlite"):
        raise ConfigError("DATABASE_URL must point to PostgreSQL when IIZ_PRODUCTION is on")

    redis_url = env.get("REDIS_URL") or None
    if redis_url:
        check_url("REDIS_URL", redis_url, {"redis", "rediss"})
    if production and not redis_url:
        raise ConfigError("REDIS_URL is required when IIZ_PRODUCTION is on (Celery broker and cache)")

    base_url = (env.get("IIZ_BASE_URL") or "http://127.0.0.1:8000").rstrip("/")
    check_url("IIZ_BASE_URL", base_url, {"https"} if production else {"http", "https"})

    email_url = env.get("EMAIL_URL") or None
    if email_url:
        check_url("EMAIL_URL", email_url, {"smtp", "smtp+tls", "smtp+ssl"})

    upload_max_mb = env.get("IIZ_UPLOAD_MAX_MB") or "20"
    if not upload_max_mb.isdigit() or not 1 <= int(upload_max_mb) <= 100:
        raise ConfigError(f"IIZ_UPLOAD_MAX_MB must be a whole number of megabytes between 1 and 100; got {upload_max_mb!r}")

    idle_minutes = env.get("IIZ_SESSION_IDLE_MINUTES") or "30"
    if not idle_minutes.isdigit() or not 5 <= int(idle_minutes) <= 480:
        raise ConfigError(f"IIZ_SESSION_IDLE_MINUTES must be a whole number of minutes between 5 and 480; got {idle_minutes!r}")

    # Set but empty: nobody must (users may still set one up in their settings).
    otp_roles = env.get("IIZ_OTP_REQUIRED_ROLES")
    otp_required_roles = tuple(parse_list(otp_roles)) if otp_roles is not None else Config.otp_required_roles
    trusted_proxies = parse_list(env.get("IIZ_TRUSTED_PROXIES"))
    for proxy in trusted_proxies:
        try:
            ipaddress.ip_network(proxy, strict=False)
        except ValueError:
            raise ConfigError(
                f"IIZ_TRUSTED_PROXIES must list IP addresses or networks (10.0.0.5, 172.18.0.0/16); got {proxy!r}"
            ) from None

    retention_years = env.get("IIZ_RETENTION_YEARS") or str(Config.retention_years)
    if not retention_years.isdigit() or not 1 <= int(retention_years) <= 50:
        raise ConfigError(f"IIZ_RETENTION_YEARS must be a whole number of years between 1 and 50; got {retention_years!r}")

    clamd_socket = (env.get("IIZ_CLAMD_SOCKET") or "").strip()
    if clamd_socket and not clamd_socket.startswith("/"):
        host, _sep, port = clamd_socket.rpartition(":")
        if not host or not port.isdigit():
            raise ConfigError(
                f"IIZ_CLAMD_SOCKET must be a socket path (/run/clamav/clamd.ctl) or host:port; got {clamd_socket!r}"
            )

    return Config(
        production=production,
        debug=debug,
        secret_key=secret_key,
        allowed_hosts=allowed_hosts,
        csrf_trusted_origins=csrf_trusted_origins,
        trusted_proxies=trusted_proxies,
        clamd_socket=clamd_socket,
        bench_pages=parse_bool("IIZ_BENCH_PAGES", env.get("IIZ_BENCH_PAGES"), False),
        database_url=database_url,
        redis_url=redis_url,
        email_url=email_url,
        default_from_email=env.get("DEFAULT_FROM_EMAIL", "IIZ Wallis <iiz@localhost>"),
        server_email=env.get("SERVER_EMAIL", env.get("DEFAULT_FROM_EMAIL", "iiz@localhost")),
        base_url=base_url,
        media_root=Path(env.get("MEDIA_ROOT") or BASE_DIR / "media"),
        static_root=Path(env.get("STATIC_ROOT") or BASE_DIR / "staticfiles"),
        file_storage=file_storage(env, production=production),
        upload_max_bytes=int(upload_max_mb) * 1024 * 1024,
        session_idle_minutes=int(idle_minutes),
        otp_required_roles=otp_required_roles,
        retention_years=int(retention_years),
    )


def file_storage(env: Mapping[str, str], *, production: bool = False) -> dict:
    """Django's ``STORAGES["default"]`` for uploaded files (signed scans, attachments, the
    letterhead's logo), from ``IIZ_STORAGE``:

    - ``local`` (default): a folder on the server, ``MEDIA_ROOT``. Nothing serves it: files
      are downloaded only through the application, which checks who may see them.
    - ``s3``: an S3-compatible object store through django-storages (``pip install .[s3]``):
      ``AWS_STORAGE_BUCKET_NAME`` (required), ``AWS_S3_ENDPOINT_URL`` (for stores other
      than Amazon's), ``AWS_S3_REGION_NAME``, ``AWS_LOCATION`` (a folder in the bucket),
      ``AWS_ACCESS_KEY_ID`` and ``AWS_SECRET_ACCESS_KEY`` (both or neither: without them,
      boto3 looks for credentials itself). Objects are private, never overwritten.
    """
    kind = (env.get("IIZ_STORAGE") or "local").strip().lower()
    if kind == "local":
        return {"BACKEND": "django.core.files.storage.FileSystemStorage"}  # in MEDIA_ROOT
    if kind != "s3":
        raise ConfigError(f"IIZ_STORAGE must be local or s3; got {kind!r}")
    bucket = (env.get("AWS_STORAGE_BUCKET_NAME") or "").strip()
    if not bucket:
        raise ConfigError("AWS_STORAGE_BUCKET_NAME is required when IIZ_STORAGE is s3")
    options: dict = {"bucket_name": bucket, "default_acl": "private", "querystring_auth": True, "file_overwrite": False}
    endpoint = (env.get("AWS_S3_ENDPOINT_URL") or "").strip()
    if endpoint:
        options["endpoint_url"] = check_url("AWS_S3_ENDPOINT_URL", endpoint, {"https"} if production else {"http", "https"})
    if env.get("AWS_S3_REGION_NAME"):
        options["region_name"] = env["AWS_S3_REGION_NAME"].strip()
    if env.get("AWS_LOCATION"):
        options["location"] = env["AWS_LOCATION"].strip().strip("/")
    access_key, secret_key = env.get("AWS_ACCESS_KEY_ID") or "", env.get("AWS_SECRET_ACCESS_KEY") or ""
    if bool(access_key) != bool(secret_key):
        raise ConfigError("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY go together: set both or neither")
    if access_key:
        options.update(access_key=access_key, secret_key=secret_key)
    return {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options}


def email_settings(email_url: str | None) -> dict:
    """Django e-mail settings from ``EMAIL_URL`` (``smtp+tls://user:pass@host:587``).

    Without it, messages are printed on the console.
    """
    if not email_url:
        return {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
    parts = urlsplit(email_url)
    return {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": parts.hostname or "localhost",
        "EMAIL_PORT": parts.port or (465 if parts.scheme == "smtp+ssl" else 587 if parts.scheme == "smtp+tls" else 25),
        "EMAIL_HOST_USER": unquote(parts.username or ""),
        "EMAIL_HOST_PASSWORD": unquote(parts.password or ""),
        "EMAIL_USE_TLS": parts.scheme == "smtp+tls",
        "EMAIL_USE_SSL": parts.scheme == "smtp+ssl",
    }
