"""All settings, read once at start-up from the environment and an optional `.env` file.

Every setting has a default and a one-line help; `tests/test_settings.py` checks that the
README documents each of them.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field, fields
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _setting(default: str, help: str) -> str:
    return field(default=default, metadata={"help": help})


@dataclass(frozen=True)
class Settings:
    DATABASE_URL: str = _setting(
        "postgresql://postgres@127.0.0.1:15432/knotenpunkt",
        "PostgreSQL server and database (make run starts a private one on port 15432).",
    )
    REDIS_URL: str = _setting(
        "redis://127.0.0.1:16379/0",
        "Redis for the live hub and the job queue (make run starts a private one on 16379).",
    )
    SECRET_KEY: str = _setting(
        "", "Signs cookies; generated once and kept in .state/secret_key when unset."
    )
    BASE_URL: str = _setting(
        "http://127.0.0.1:8000", "The address people use to reach the app (links in e-mails)."
    )
    PORT: str = _setting("8000", "Port the web server listens on (loopback).")
    STATE_DIR: str = _setting(str(ROOT / ".state"), "Folder for local state: keys, databases.")
    SMTP_HOST: str = _setting("127.0.0.1", "SMTP server for outgoing e-mail.")
    SMTP_PORT: str = _setting("8025", "Port of the SMTP server (make run starts a local sink).")
    MAIL_FROM: str = _setting(
        "Knotenpunkt <knotenpunkt@localhost>", "Sender address of outgoing e-mail."
    )
    DEFAULT_LOCALE: str = _setting("de", "Language of the interface when a person chose none.")
    SESSION_IDLE_MINUTES: str = _setting(
        "120", "A signed-in person is signed out after this many minutes without a request."
    )
    SESSION_MAX_HOURS: str = _setting("12", "A sign-in ends after this many hours, active or not.")
    LIVE_RECHECK_SECONDS: str = _setting(
        "60", "How often an open live stream checks that its person may still follow it."
    )
    LIVE_QUEUE_SIZE: str = _setting(
        "256", "Events buffered per live subscriber before a stalled one is dropped."
    )
    IDENTITY_PROVIDERS_FILE: str = _setting(
        "",
        "TOML file of identity providers to register at start-up (updated by issuer and "
        "organisation); empty: none.",
    )
    LOGIN_RATE_LIMIT: str = _setting(
        "20", "Sign-in requests (login form, provider callback) allowed per client address."
    )
    LOGIN_RATE_WINDOW_SECONDS: str = _setting(
        "300", "The window, in seconds, in which LOGIN_RATE_LIMIT sign-in requests are allowed."
    )
    SUMMARY_MODEL_URL: str = _setting(
        "",
        "OpenAI-compatible API (self-hosted, e.g. http://127.0.0.1:8080/v1) that summarises "
        "session notes; empty (the default): notes are summarised here and sent nowhere.",
    )
    SUMMARY_MODEL_NAME: str = _setting("default", "The model SUMMARY_MODEL_URL is asked for.")
    SUMMARY_MODEL_KEY: str = _setting("", "API key for SUMMARY_MODEL_URL, if it wants one.")
    SUMMARY_MODEL_TIMEOUT_SECONDS: str = _setting(
        "20", "How long the summary job waits for SUMMARY_MODEL_URL before summarising itself."
    )

    @property
    def port(self) -> int:
        return int(self.PORT)

    @property
    def smtp_port(self) -> int:
        return int(self.SMTP_PORT)

    @property
    def live_recheck_seconds(self) -> float:
        return float(self.LIVE_RECHECK_SECONDS)

    @property
    def live_queue_size(self) -> int:
        return int(self.LIVE_QUEUE_SIZE)

    @property
    def login_rate_limit(self) -> int:
        return int(self.LOGIN_RATE_LIMIT)

    @property
    def login_rate_window(self) -> int:
        return int(self.LOGIN_RATE_WINDOW_SECONDS)

    @property
    def session_idle_seconds(self) -> int:
        return int(self.SESSION_IDLE_MINUTES) * 60

    @property
    def session_max_seconds(self) -> int:
        return int(self.SESSION_MAX_HOURS) * 3600

    @property
    def summary_model_timeout(self) -> float:
        return float(self.SUMMARY_MODEL_TIMEOUT_SECONDS)

    @property
    def secure_cookies(self) -> bool:
        return self.BASE_URL.startswith("https://")

    @property
    def sqlalchemy_url(self) -> str:
        """The database URL with the asyncpg driver SQLAlchemy needs."""
        url = self.DATABASE_URL
        for prefix in ("postgresql+asyncpg://", "postgresql://", "postgres://"):
            if url.startswith(prefix):
                return "postgresql+asyncpg://" + url[len(prefix) :]
        raise ValueError(f"DATABASE_URL must be a postgresql:// URL, not {url!r}")


def setting_help() -> dict[str, tuple[str, str]]:
    """Name -> (default, help) for every setting, for documentation and its test."""
    return {f.name: (f.default, f.metadata["help"]) for f in fields(Settings)}  # type: ignore[misc]


def _read_dotenv(path: Path) -> dict[str, str]:
    values: dict[str, str] = {}
    if not path.is_file():
        return values
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        values[key.strip().removeprefix("export ").strip()] = value.strip().strip("'\"")
    return values


def _secret_key(state_dir: Path) -> str:
    path = state_dir / "secret_key"
    if path.is_file():
        return path.read_text().strip()
    state_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.write_text(key)
    path.chmod(0o600)
    return key


def load_settings(environ: dict[str, str] | None = None, dotenv: Path | None = None) -> Settings:
    """Read settings: the environment wins over `.env`, which wins over the defaults."""
    env = dict(_read_dotenv(dotenv or ROOT / ".env"))
    env.update(os.environ if environ is None else environ)
    known = {f.name for f in fields(Settings)}
    values = {name: value for name, value in env.items() if name in known and value != ""}
    settings = Settings(**values)
    if not settings.SECRET_KEY:
        key = _secret_key(Path(settings.STATE_DIR))
        settings = Settings(**{**values, "SECRET_KEY": key})
    settings.sqlalchemy_url  # noqa: B018 - validate early with a clear message
    return settings
