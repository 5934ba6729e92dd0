"""Configuration: class defaults, then the environment, then ``instance/config.py``."""

from __future__ import annotations

import os
import re
import secrets
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from app.redisconn import SentinelAddress


class ConfigError(RuntimeError):
    """Raised when the configuration cannot run safely."""


class DefaultConfig:
    """Settings for the embedded default: one process, SQLite, in-process bus."""

    SECRET_KEY: str | None = None
    SQLALCHEMY_DATABASE_URI: str | None = None  # filled in from the instance folder
    SQLALCHEMY_ENGINE_OPTIONS: dict[str, Any] = {"pool_pre_ping": True}
    REDIS_URL: str | None = None
    RATELIMIT_ENABLED = True
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    RATELIMIT_STRATEGY = "fixed-window"
    # Redis away: count in this process's memory meanwhile (the same limits), and go back to
    # Redis once it answers; never fail a request because the counter store is down.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    RATELIMIT_SWALLOW_ERRORS = True
    LOGIN_LIMIT_PER_IP = "30 per minute"
    LOGIN_LIMIT_PER_ACCOUNT = "10 per 5 minutes"
    REGISTER_LIMIT_PER_IP = "10 per hour"  # accounts created
    # Every sign-up POST, whatever the answer (a 409 tells that an address has an account);
    # more generous than the accounts budget, so mistyped forms do not lock anyone out.
    REGISTER_ATTEMPT_LIMIT_PER_IP = "30 per hour"
    WRITE_LIMIT = "120 per minute"  # per signed-in user (or address), over every write route
    READ_LIMIT = "1200 per minute"  # per address, over every read route
    # The costliest requests get budgets of their own, per signed-in user (or address),
    # on top of the general ones; page and API share each.
    SEARCH_LIMIT = "60 per minute"
    # PostgreSQL search ranks every match when the RUM index is there (docs/search.md); a
    # query's first page is then shared this many seconds, or until any post is written.
    SEARCH_RANK_EVERY_MATCH = True
    SEARCH_CACHE_SECONDS = 60.0
    PREVIEW_LIMIT = "60 per minute"
    # Password reset mails asked for: per address of the caller, and per email address asked
    # about (page and API share both), so nobody floods one inbox from many addresses.
    PASSWORD_RESET_LIMIT_PER_IP = "10 per hour"
    PASSWORD_RESET_LIMIT_PER_EMAIL = "3 per hour"
    # Verification mails (resend, and a change of address), per account.
    VERIFICATION_MAIL_LIMIT = "5 per hour"
    ACCESS_TOKEN_TTL = 15 * 60
    REFRESH_TOKEN_TTL = 30 * 24 * 3600
    JWT_ALGORITHM = "HS256"
    # "Keep me signed in": the remember cookie's and its sign-in's lifetime, and the longest any
    # browser sign-in lasts.
    REMEMBER_COOKIE_DURATION = 30 * 24 * 3600
    # A browser sign-in without "keep me signed in" ends after this long without a request.
    SESSION_IDLE_TIMEOUT = 24 * 3600
    # A sign-in's "last active" time is written at most this often (not once per request).
    SESSION_TOUCH_INTERVAL = 5 * 60
    # The session cookie's flags; the remember cookie's are derived from them (finalize).
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session
    BABEL_DEFAULT_LOCALE = "en"
    SOCK_SERVER_OPTIONS = {"ping_interval": 25, "max_message_size": 64 * 1024}
    WS_COMPRESSION = False
    # Live events a socket may have waiting; past that a stored event is dropped from the live
    # path and replayed from the database by id once the socket catches up (never lost).
    WS_QUEUE_SIZE = 256
    # Handshakes a worker serves at once (authentication, the reads, the first frames); the rest
    # wait their turn holding nothing. Unbounded, a burst of 200 made every handshake wait in
    # gevent's run queue while holding a database connection: the pool ran dry (issue 13).
    WS_HANDSHAKES_AT_ONCE = 8
    # The kernel's send buffer per socket in bytes (None: the system's, which grows to MBs): a
    # smaller one bounds the memory a client that stopped reading holds, and it falls behind
    # (then catches up from the database) sooner.
    WS_SEND_BUFFER: int | None = None
    MAX_CONTENT_LENGTH = 2 * 1024 * 1024
    PRODUCTION = False
    PORT = 5000
    # Seconds a client is asked to wait (Retry-After) when the database does not answer.
    OUTAGE_RETRY_AFTER = 5
    LOG_FORMAT: str | None = None  # json in production, text otherwise (app/observability/logs.py)
    LOG_LEVEL = "INFO"
    METRICS_TOKEN: str | None = None
    OTEL_EXPORTER_OTLP_ENDPOINT: str | None = None
    # How many proxies in front of the app set X-Forwarded-*; 0 trusts none of those headers.
    PROXY_FIX = 0
    # Extra routes that only benchmarks use (bench/feeds.py); never on in production.
    BENCH_ROUTES = False
    # --- Two factors and passkeys (app/accounts/mfa.py, passkeys.py) ---
    # How long the step between the password and the code may take (the pending sign-in).
    MFA_TOKEN_TTL = 5 * 60
    # Wrong codes in a row (TOTP or recovery) before codes are refused for MFA_LOCKOUT_SECONDS.
    MFA_MAX_FAILURES = 5
    MFA_LOCKOUT_SECONDS = 15 * 60
    # Mailed links: how long a password reset and an address verification (or change) last.
    PASSWORD_RESET_TTL = 3600
    EMAIL_VERIFICATION_TTL = 7 * 24 * 3600
    # Posting, commenting and messaging wait for a verified address. None: on in production
    # settings, off in the embedded demo (finalize); REQUIRE_VERIFIED_EMAIL=0 turns it off.
    REQUIRE_VERIFIED_EMAIL: bool | None = None
    # How long a WebAuthn challenge may be answered.
    PASSKEY_CHALLENGE_TTL = 5 * 60
    # The WebAuthn relying party: its id (a host name) and the origin browsers sign for. Unset,
    # both come from PUBLIC_URL, else from the request's own host (fine for `make run`).
    WEBAUTHN_RP_ID: str | None = None
    PUBLIC_URL: str | None = None
    # PostgreSQL's JIT compiles any query the planner thinks costly: milliseconds per query
    # that short requests never earn back (docs/performance.md). Off on the app's connections.
    POSTGRES_JIT = False
    # DATABASE_URL points at PgBouncer in transaction mode (docs/deploy.md): a server connection
    # serves one transaction, then another client. So no prepared statements (psycopg's
    # prepare_threshold off: PgBouncer before 1.21 cannot keep them) and no startup options
    # (set jit=off on the database instead: ALTER DATABASE devthread SET jit = off).
    PGBOUNCER = False
    # A streaming replica for the public read-only pages (app/dbrouting.py, docs/deploy.md):
    # a person's reads stay on the primary for REPLICA_STICKY_SECONDS after they wrote, and
    # everyone's do while the replica lags more than REPLICA_MAX_LAG_SECONDS.
    DATABASE_REPLICA_URL: str | None = None
    REPLICA_STICKY_SECONDS = 5
    REPLICA_MAX_LAG_SECONDS = 1
    # Background jobs (app/jobs, docs/jobs.md): "redis" with REDIS_URL (run by `flask worker`),
    # else "local" (a thread of the web process).
    JOBS_BACKEND: str | None = None
    # Extra modules declaring jobs, comma-separated, imported by every process (tests use it).
    JOBS_IMPORT = ""
    WORKER_THREADS = 8
    # `flask worker` serves its own /metrics here (0: not at all); loopback or METRICS_TOKEN.
    WORKER_METRICS_HOST = "127.0.0.1"
    WORKER_METRICS_PORT = 9191
    # The site's address as mail links show it; unset: the address of the request that sent it.
    PUBLIC_URL: str | None = None
    # Flask-Mailman's settings. MAIL_BACKEND unset: "smtp" when MAIL_SERVER is set, else "eml"
    # (each mail written to MAIL_FILE_PATH, default instance/mail/, its links logged).
    MAIL_BACKEND: str | None = None
    MAIL_SERVER: str | None = None
    MAIL_PORT = 25
    MAIL_USE_TLS = False
    MAIL_USE_SSL = False
    MAIL_USERNAME: str | None = None
    MAIL_PASSWORD: str | None = None
    MAIL_DEFAULT_SENDER = "DevThread <noreply@localhost>"
    MAIL_TIMEOUT = 10
    MAIL_FILE_PATH: str | None = None
    # Sign in with GitHub: on only when a client id is set (an OAuth app's id and secret).
    # The three addresses are GitHub's; a test (or GitHub Enterprise) points them elsewhere.
    GITHUB_CLIENT_ID: str | None = None
    GITHUB_CLIENT_SECRET: str | None = None
    GITHUB_AUTHORIZE_URL = "https://github.com/login/oauth/authorize"
    GITHUB_TOKEN_URL = "https://github.com/login/oauth/access_token"
    GITHUB_API_URL = "https://api.github.com/"
    # Seconds to wait for each call to GitHub (token exchange, /user, /user/emails).
    GITHUB_TIMEOUT = 10
    # --- Pictures (app/media, docs/media.md) ---
    # "local": files under MEDIA_ROOT (default instance/media/); "s3": any S3-compatible store.
    MEDIA_STORAGE = "local"
    MEDIA_ROOT: str | None = None
    MEDIA_S3_BUCKET: str | None = None
    MEDIA_S3_ENDPOINT_URL: str | None = None  # unset: AWS; else MinIO, Ceph, Garage, R2...
    MEDIA_S3_REGION: str | None = None
    MEDIA_S3_ACCESS_KEY_ID: str | None = None
    MEDIA_S3_SECRET_ACCESS_KEY: str | None = None
    MEDIA_S3_PREFIX = ""
    # One upload's bytes (the request may carry a little more: the multipart wrapping).
    MEDIA_MAX_BYTES = 8 * 1024 * 1024
    # Decoded size: width x height of the picture (a decompression bomb is refused before).
    MEDIA_MAX_PIXELS = 40_000_000
    # Frames of an animated GIF, PNG or WebP (counted without decoding them).
    MEDIA_MAX_FRAMES = 100
    # What one person's pictures and avatar may take in the store, all sizes together.
    MEDIA_QUOTA_BYTES = 200 * 1024 * 1024
    # Uploads per person (pictures and avatars, pages and API together).
    MEDIA_UPLOAD_LIMIT = "30 per hour"
    # A picture no post and no avatar refers to is removed after this many seconds.
    MEDIA_UNUSED_TTL = 24 * 3600
    # --- Pictures from other hosts, through the image proxy (app/imageproxy, docs/security.md) ---
    # Seconds for a whole fetch (connect, redirects, reading), and the largest picture in bytes.
    IMAGE_PROXY_TIMEOUT = 5.0
    IMAGE_PROXY_MAX_BYTES = 5 * 1024 * 1024
    IMAGE_PROXY_MAX_REDIRECTS = 3
    # CIDRs the proxy may fetch from although they are not public (an intranet), comma-separated;
    # and ports besides 80 and 443. Both empty by default.
    IMAGE_PROXY_ALLOWED_NETWORKS = ""
    IMAGE_PROXY_ALLOWED_PORTS = ""
    # How long a fetched picture is kept (Redis, else IMAGE_PROXY_CACHE_DIR, default
    # instance/image-cache, up to IMAGE_PROXY_CACHE_MAX_BYTES), a failure, and browsers' copies.
    IMAGE_PROXY_CACHE_TTL = 7 * 24 * 3600
    IMAGE_PROXY_FAILURE_TTL = 60
    IMAGE_PROXY_CACHE_DIR: str | None = None
    IMAGE_PROXY_CACHE_MAX_BYTES = 512 * 1024 * 1024
    IMAGE_PROXY_MAX_AGE = 30 * 24 * 3600
    # Per address; a page of posts with pictures asks for each one.
    IMAGE_PROXY_LIMIT = "600 per minute"
    # The public origin of uploaded media when it is served from elsewhere (an S3 bucket's
    # https://media.example.com): pictures there are not proxied and the page's CSP allows it.
    MEDIA_PUBLIC_ORIGIN: str | None = None
    # --- Your data (app/yourdata): exports and account deletion ---
    # Days between asking to delete an account and its erasure (0: erased at once).
    ACCOUNT_DELETION_GRACE_DAYS = 14
    # Where export zips are written (unset: instance/exports/); never served as static files.
    EXPORT_DIR: str | None = None
    # Days a ready export can be downloaded; then a periodic job removes it.
    EXPORT_TTL_DAYS = 7
    # Hours between two exports of one account (one in progress at a time, whatever this says).
    EXPORT_INTERVAL_HOURS = 24
    # Rows an erasure deletes per transaction, so a large account never holds long locks.
    ERASE_BATCH_SIZE = 500
    # Post and comment cards each worker keeps rendered (app/cards.py): about 5 KB each.
    CARD_CACHE_SIZE = 2000


# Environment variables read into the config, with the type they are parsed as.
ENV_SETTINGS: dict[str, type] = {
    "SECRET_KEY": str,
    "DATABASE_URL": str,
    "REDIS_URL": str,
    "PORT": int,
    "DB_POOL_SIZE": int,
    "DB_MAX_OVERFLOW": int,
    "WS_QUEUE_SIZE": int,
    "WS_HANDSHAKES_AT_ONCE": int,
    "WS_SEND_BUFFER": int,
    "RATELIMIT_ENABLED": bool,
    "RATELIMIT_STORAGE_URI": str,
    "LOGIN_LIMIT_PER_IP": str,
    "LOGIN_LIMIT_PER_ACCOUNT": str,
    "REGISTER_LIMIT_PER_IP": str,
    "REGISTER_ATTEMPT_LIMIT_PER_IP": str,
    "WRITE_LIMIT": str,
    "READ_LIMIT": str,
    "SEARCH_LIMIT": str,
    "SEARCH_RANK_EVERY_MATCH": bool,
    "SEARCH_CACHE_SECONDS": float,
    "PREVIEW_LIMIT": str,
    "PASSWORD_RESET_LIMIT_PER_IP": str,
    "PASSWORD_RESET_LIMIT_PER_EMAIL": str,
    "VERIFICATION_MAIL_LIMIT": str,
    "PASSWORD_RESET_TTL": int,
    "EMAIL_VERIFICATION_TTL": int,
    "REQUIRE_VERIFIED_EMAIL": bool,
    "ACCESS_TOKEN_TTL": int,
    "REFRESH_TOKEN_TTL": int,
    "SESSION_COOKIE_SECURE": bool,
    "SESSION_IDLE_TIMEOUT": int,
    "REMEMBER_COOKIE_DURATION": int,
    "OUTAGE_RETRY_AFTER": int,
    "DEVTHREAD_ENV": str,
    "LOG_FORMAT": str,
    "LOG_LEVEL": str,
    "METRICS_TOKEN": str,
    "OTEL_EXPORTER_OTLP_ENDPOINT": str,
    "PROXY_FIX": int,
    "BENCH_ROUTES": bool,
    "POSTGRES_JIT": bool,
    "PGBOUNCER": bool,
    "DATABASE_REPLICA_URL": str,
    "REPLICA_STICKY_SECONDS": int,
    "REPLICA_MAX_LAG_SECONDS": int,
    "JOBS_BACKEND": str,
    "JOBS_IMPORT": str,
    "WORKER_THREADS": int,
    "WORKER_METRICS_HOST": str,
    "WORKER_METRICS_PORT": int,
    "PUBLIC_URL": str,
    "MAIL_BACKEND": str,
    "MAIL_SERVER": str,
    "MAIL_PORT": int,
    "MAIL_USE_TLS": bool,
    "MAIL_USE_SSL": bool,
    "MAIL_USERNAME": str,
    "MAIL_PASSWORD": str,
    "MAIL_DEFAULT_SENDER": str,
    "MAIL_TIMEOUT": int,
    "MAIL_FILE_PATH": str,
    # Two factors and passkeys.
    "MFA_TOKEN_TTL": int,
    "MFA_MAX_FAILURES": int,
    "MFA_LOCKOUT_SECONDS": int,
    "PASSKEY_CHALLENGE_TTL": int,
    "WEBAUTHN_RP_ID": str,
    "GITHUB_CLIENT_ID": str,
    "GITHUB_CLIENT_SECRET": str,
    "GITHUB_AUTHORIZE_URL": str,
    "GITHUB_TOKEN_URL": str,
    "GITHUB_API_URL": str,
    "GITHUB_TIMEOUT": int,
    "MEDIA_STORAGE": str,
    "MEDIA_ROOT": str,
    "MEDIA_S3_BUCKET": str,
    "MEDIA_S3_ENDPOINT_URL": str,
    "MEDIA_S3_REGION": str,
    "MEDIA_S3_ACCESS_KEY_ID": str,
    "MEDIA_S3_SECRET_ACCESS_KEY": str,
    "MEDIA_S3_PREFIX": str,
    "MEDIA_MAX_BYTES": int,
    "MEDIA_MAX_PIXELS": int,
    "MEDIA_MAX_FRAMES": int,
    "MEDIA_QUOTA_BYTES": int,
    "MEDIA_UPLOAD_LIMIT": str,
    "MEDIA_UNUSED_TTL": int,
    "IMAGE_PROXY_TIMEOUT": float,
    "IMAGE_PROXY_MAX_BYTES": int,
    "IMAGE_PROXY_MAX_REDIRECTS": int,
    "IMAGE_PROXY_ALLOWED_NETWORKS": str,
    "IMAGE_PROXY_ALLOWED_PORTS": str,
    "IMAGE_PROXY_CACHE_TTL": int,
    "IMAGE_PROXY_FAILURE_TTL": int,
    "IMAGE_PROXY_CACHE_DIR": str,
    "IMAGE_PROXY_CACHE_MAX_BYTES": int,
    "IMAGE_PROXY_MAX_AGE": int,
    "IMAGE_PROXY_LIMIT": str,
    "MEDIA_PUBLIC_ORIGIN": str,
    "ACCOUNT_DELETION_GRACE_DAYS": int,
    "EXPORT_DIR": str,
    "EXPORT_TTL_DAYS": int,
    "EXPORT_INTERVAL_HOURS": int,
    "ERASE_BATCH_SIZE": int,
    "CARD_CACHE_SIZE": int,
}


def parse_bool(value: str) -> bool:
    """Read a boolean from an environment string such as ``0``, ``false`` or ``yes``."""
    return value.strip().lower() in {"1", "true", "yes", "on"}


def from_environment(environ: os._Environ[str] | dict[str, str]) -> dict[str, Any]:
    """Collect the settings the environment overrides."""
    settings: dict[str, Any] = {}
    for name, kind in ENV_SETTINGS.items():
        raw = environ.get(name)
        if raw is None or raw == "":
            continue
        if kind is bool:
            settings[name] = parse_bool(raw)
        elif kind is int:
            try:
                settings[name] = int(raw)
            except ValueError as exc:
                raise ConfigError(f"{name} must be a whole number, got {raw!r}") from exc
        elif kind is float:
            try:
                settings[name] = float(raw)
            except ValueError as exc:
                raise ConfigError(f"{name} must be a number, got {raw!r}") from exc
        else:
            settings[name] = raw
    return settings


def normalize_database_url(url: str) -> str:
    """Make a PostgreSQL URL use the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def embedded_secret_key(instance_path: str) -> str:
    """Read, or create once, the secret key kept in the instance folder."""
    path = Path(instance_path) / "secret_key"
    if path.exists():
        return path.read_text().strip()
    key = secrets.token_urlsafe(48)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(key)
    path.chmod(0o600)
    return key


def derive_cookie_flags(config: dict[str, Any]) -> None:
    """Give the remember cookie the session cookie's flags, so one setting drives every cookie."""
    # Flask-Login reads its own REMEMBER_COOKIE_* keys (Secure off by default): left alone, a
    # site on HTTPS would still send the 30-day cookie over plain HTTP.
    config["REMEMBER_COOKIE_SECURE"] = bool(config.get("SESSION_COOKIE_SECURE", False))
    config["REMEMBER_COOKIE_HTTPONLY"] = bool(config.get("SESSION_COOKIE_HTTPONLY", True))
    config["REMEMBER_COOKIE_SAMESITE"] = config.get("SESSION_COOKIE_SAMESITE", "Lax")
    for name in ("DOMAIN", "PATH"):
        if config.get(f"SESSION_COOKIE_{name}"):
            config[f"REMEMBER_COOKIE_{name}"] = config[f"SESSION_COOKIE_{name}"]


def derive_mail_settings(config: dict[str, Any], instance_path: str) -> None:
    """Pick the mail backend (SMTP when a server is named, else .eml files) and its folder."""
    backend = config.get("MAIL_BACKEND") or ("smtp" if config.get("MAIL_SERVER") else "eml")
    # Flask-Mailman takes a module path for a backend of ours.
    config["MAIL_BACKEND"] = "app.mail.eml" if backend == "eml" else backend
    if not config.get("MAIL_FILE_PATH"):
        config["MAIL_FILE_PATH"] = os.path.join(instance_path, "mail")
    if config.get("MAIL_USE_TLS") and config.get("MAIL_USE_SSL"):
        raise ConfigError(
            "MAIL_USE_TLS (STARTTLS) and MAIL_USE_SSL (TLS from the start) exclude each other"
        )
    if config.get("PUBLIC_URL"):
        config["PUBLIC_URL"] = config["PUBLIC_URL"].rstrip("/") + "/"


def check_media_settings(config: dict[str, Any]) -> None:
    """Refuse a picture store that cannot work."""
    kind = config.get("MEDIA_STORAGE") or "local"
    if kind not in ("local", "s3"):
        raise ConfigError(f"MEDIA_STORAGE must be local or s3, got {kind!r}")
    if kind == "s3" and not config.get("MEDIA_S3_BUCKET"):
        raise ConfigError("MEDIA_STORAGE=s3 needs MEDIA_S3_BUCKET (and the MEDIA_S3_* settings)")


def check_image_proxy_settings(config: dict[str, Any]) -> None:
    """Refuse allowed networks, ports or a media origin the image proxy could not use."""
    from app.imageproxy.fetch import parse_networks, parse_ports

    for name, parse in (
        ("IMAGE_PROXY_ALLOWED_NETWORKS", parse_networks),
        ("IMAGE_PROXY_ALLOWED_PORTS", parse_ports),
    ):
        try:
            parse(config.get(name))
        except ValueError as exc:
            raise ConfigError(f"{name}: {exc}") from exc
    origin = config.get("MEDIA_PUBLIC_ORIGIN")
    if origin and not re.fullmatch(r"https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?/?", origin):
        raise ConfigError(
            f"MEDIA_PUBLIC_ORIGIN must be an origin (https://media.example.com), got {origin!r}"
        )


def sentinel_address(url: str) -> SentinelAddress:
    """Read a ``redis+sentinel://`` URL, or refuse it as a configuration error."""
    from app.redisconn import parse_sentinel_url

    try:
        return parse_sentinel_url(url)
    except ValueError as error:
        raise ConfigError(f"REDIS_URL: {error}") from error


# psycopg prepares a statement once it ran this many times on a connection: never, in effect.
ONLY_MARKED_STATEMENTS = 2**62


def finalize(config: dict[str, Any], instance_path: str) -> None:
    """Derive the settings that depend on others, and refuse unsafe production settings."""
    if config.get("DATABASE_URL"):
        config["SQLALCHEMY_DATABASE_URI"] = normalize_database_url(config["DATABASE_URL"])
    if not config.get("SQLALCHEMY_DATABASE_URI"):
        config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + os.path.join(
            instance_path, "devthread.sqlite"
        )
    uri = config["SQLALCHEMY_DATABASE_URI"]
    production = bool(
        config.get("PRODUCTION")
        or config.get("DEVTHREAD_ENV") == "production"
        or not uri.startswith("sqlite")
        or config.get("REDIS_URL")
    )
    config["PRODUCTION"] = production
    if config.get("REQUIRE_VERIFIED_EMAIL") is None:
        config["REQUIRE_VERIFIED_EMAIL"] = production
    if uri.startswith("sqlite"):
        # SQLite is written by one process; keep connections per thread and wait on locks.
        config["SQLALCHEMY_ENGINE_OPTIONS"] = {"connect_args": {"timeout": 15}}
    elif uri.startswith("postgresql") and config.get("PGBOUNCER"):
        options = dict(config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
        options["connect_args"] = {**(options.get("connect_args") or {}), "prepare_threshold": None}
        config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    elif uri.startswith("postgresql"):
        options = dict(config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
        connect_args = dict(options.get("connect_args") or {})
        # Prepared statements only where asked for (app.dbsetup.PREPARED): a page's hottest
        # statements, whose generic plans were checked. Left to psycopg, any statement run five
        # times would be prepared, and PostgreSQL may then pick a generic plan that cannot see
        # a time bound's value (docs/performance.md, §11).
        connect_args.setdefault("prepare_threshold", ONLY_MARKED_STATEMENTS)
        if not config.get("POSTGRES_JIT", False):
            connect_args["options"] = (connect_args.get("options", "") + " -c jit=off").strip()
        options["connect_args"] = connect_args
        config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    if uri.startswith("postgresql"):
        # A gevent worker serves many greenlets at once: a pool of 5 made a burst of socket
        # connects wait up to 30 s for a connection (bench/realtime.py). Workers x (size +
        # overflow) must stay under PostgreSQL's max_connections (docs/deploy.md).
        options = dict(config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
        options.setdefault("pool_size", config.get("DB_POOL_SIZE", 10))
        options.setdefault("max_overflow", config.get("DB_MAX_OVERFLOW", 20))
        options.setdefault("pool_timeout", 10)
        config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    if config.get("DATABASE_REPLICA_URL"):
        # The replica is a bind of its own, with the primary's engine settings.
        replica = {
            **(config.get("SQLALCHEMY_ENGINE_OPTIONS") or {}),
            "url": normalize_database_url(config["DATABASE_REPLICA_URL"]),
        }
        config["SQLALCHEMY_BINDS"] = {**(config.get("SQLALCHEMY_BINDS") or {}), "replica": replica}
    derive_cookie_flags(config)
    derive_mail_settings(config, instance_path)
    check_media_settings(config)
    check_image_proxy_settings(config)
    if not config.get("EXPORT_DIR"):
        config["EXPORT_DIR"] = os.path.join(instance_path, "exports")
    if (config.get("REDIS_URL") or "").startswith("redis+sentinel://"):
        # Refuse a malformed Sentinel address at start, not at the first request that needs Redis.
        sentinel_address(config["REDIS_URL"])
    if config.get("REDIS_URL") and config.get("RATELIMIT_STORAGE_URI") in (None, "memory://"):
        config["RATELIMIT_STORAGE_URI"] = config["REDIS_URL"]
        if config["REDIS_URL"].startswith("redis+sentinel://"):
            # limits reads the Sentinels and the service from the URL; the database is an option.
            config["RATELIMIT_STORAGE_URI"] = config["REDIS_URL"].partition("?")[0]
            options = dict(config.get("RATELIMIT_STORAGE_OPTIONS") or {})
            options.setdefault("db", sentinel_address(config["REDIS_URL"]).db)
            options.setdefault("socket_timeout", 2)
            options.setdefault("sentinel_kwargs", {"socket_timeout": 1})
            config["RATELIMIT_STORAGE_OPTIONS"] = options
    if not config.get("SECRET_KEY"):
        if production:
            raise ConfigError(
                "SECRET_KEY is not set. A production setting (DATABASE_URL, REDIS_URL or "
                "DEVTHREAD_ENV=production) needs a fixed secret key shared by every process: "
                "export SECRET_KEY=$(python -c 'import secrets; print(secrets.token_urlsafe(48))')"
            )
        config["SECRET_KEY"] = embedded_secret_key(instance_path)
