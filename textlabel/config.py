"""Settings: defaults that need nothing installed, overridden by TEXTLABEL_* environment variables.

Read only inside ``create_app`` (never at import), so tests pass a plain dict instead of
patching the environment. A few are read where the work runs instead (``from_env``): an
import or export runs in a web process, the job process, ``textlabel worker`` or the CLI, and
each reads the same variable; they are listed here all the same, with the others.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

ENV_PREFIX = "TEXTLABEL_"


def _flag(value: str) -> bool:
    return value.lower() in {"1", "true", "yes"}


def _bytes_or_off(value: str) -> int | None:
    """A size in bytes, or None for ``off`` (never)."""
    if value.strip().lower() in ("off", "none", "never"):
        return None
    return max(0, int(value))


# name -> (default, parser); env var TEXTLABEL_<NAME> overrides the default.
_SETTINGS: dict[str, tuple[Any, Any]] = {
    "INSTANCE": ("instance", str),
    "DATABASE_URL": (None, str),
    "SECRET_KEY": (None, str),
    "MAX_UPLOAD_MB": (200, int),
    "MAX_DOCUMENT_CHARS": (1_000_000, int),
    "LOGIN_ATTEMPTS": (10, int),  # sign-ins per account from unknown clients per window
    "LOGIN_WINDOW_S": (300, int),
    "LOGIN_RATE": ("20 per 10 minutes", str),  # failed sign-ins per client address
    "PROXIES": (0, int),  # reverse proxies in front whose X-Forwarded-* headers to trust
    "SPACY_MODEL": (None, str),
    "PDF_MAX_SECONDS": (120.0, float),  # per PDF file, in a capped child process
    "PDF_MAX_MEMORY_MB": (1536, int),
    "PDF_MAX_PAGES": (2000, int),
    "PDF_MAX_CHARS": (5_000_000, int),
    "PDF_MAX_DECOMPRESSED_MB": (512, int),
    "JOB_WORKERS": (1, int),
    # without Redis: jobs run in a job process `serve` and gunicorn start (false: web threads)
    "JOB_PROCESS": (True, _flag),
    "DB_BUSY_TIMEOUT_S": (10.0, float),  # SQLite: how long a write waits for the lock, then 503
    # PostgreSQL: "off" answers a save before its WAL record is on disk (opt-in; see README)
    "PG_SYNCHRONOUS_COMMIT": ("on", str),
    # set: jobs go to RQ on Redis, run by `textlabel worker`; sign-in limits counted there
    "REDIS_URL": (None, str),
    "PREANNOTATE_CHUNK_DOCS": (2000, int),  # documents per pre-annotation chunk job
    "SECURE_COOKIES": (False, _flag),
    "COMMENTS_POLL_S": (20.0, float),  # how often a Comments card asks for changes (a 304)
    # read where the work runs (``from_env``): web process, job process, worker or CLI
    "IMPORT_PROCESSES": (1, int),  # an import's processes: it, and N - 1 tokenizing workers
    "IMPORT_CHILD_BYTES": (512 * 1024, _bytes_or_off),  # uploads this big import in a child
    "EXPORT_PROCESSES": (1, int),  # processes writing a large JSONL/CoNLL export
    "EXPORT_CACHE": (None, str),  # a file keeping each document's rendered JSONL/CoNLL
    # read by every runner (beats) and sweeper (stale): set them alike on every machine
    "JOB_HEARTBEAT_S": (5.0, float),  # a running job's heartbeat
    "JOB_STALE_S": (60.0, float),  # no beat for this long: its runner is gone (another host)
}


def setting_names() -> list[str]:
    """The settings a TEXTLABEL_* variable can hold."""
    return list(_SETTINGS)


def from_env(name: str) -> Any:
    """One setting read from the environment now, by the process doing the work; its default
    when unset or unreadable (a typo must not fail an import hours into it)."""
    default, parse = _SETTINGS[name]
    raw = os.environ.get(ENV_PREFIX + name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return parse(raw)
    except ValueError:
        return default


def under_gunicorn() -> bool:
    """Whether this process is gunicorn's (its arbiter sets ``SERVER_SOFTWARE`` for itself and
    its workers): not a setting, but read here with the environment's other reads."""
    return os.environ.get("SERVER_SOFTWARE", "").startswith("gunicorn/")


def publishing_hold_file() -> str | None:
    """Tests only (``tests/test_import_child.py``, ``TEXTLABEL_TEST_HOLD_PUBLISHING``): a file
    whose presence holds an import at publishing (``staging._hold_for_tests``). Not a setting:
    read here with the environment's other reads."""
    return os.environ.get(ENV_PREFIX + "TEST_HOLD_PUBLISHING") or None


def load_settings(overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Flask config values from defaults, the environment and explicit overrides (in that order)."""
    settings: dict[str, Any] = {}
    for name, (default, parse) in _SETTINGS.items():
        raw = os.environ.get(ENV_PREFIX + name)
        settings[name] = parse(raw) if raw not in (None, "") else default
    settings.update(overrides or {})
    instance = Path(settings["INSTANCE"]).resolve()
    settings["INSTANCE"] = str(instance)
    if not settings["DATABASE_URL"]:
        settings["DATABASE_URL"] = f"sqlite:///{instance / 'textlabel.db'}"
    settings["MAX_CONTENT_LENGTH"] = settings["MAX_UPLOAD_MB"] * 1024 * 1024
    settings.setdefault("RATELIMIT_STORAGE_URI", settings["REDIS_URL"] or "memory://")
    settings.setdefault("SESSION_COOKIE_HTTPONLY", True)
    settings.setdefault("SESSION_COOKIE_SAMESITE", "Lax")
    settings.setdefault("SESSION_COOKIE_SECURE", settings["SECURE_COOKIES"])
    return settings


def secret_key_for(settings: dict[str, Any]) -> str:
    """The configured secret, else one kept in the instance folder (created by ``init``/``demo``).

    Never a hard-coded default: a server without a secret refuses to start.
    """
    if settings.get("SECRET_KEY"):
        return str(settings["SECRET_KEY"])
    path = Path(settings["INSTANCE"]) / "secret_key"
    if path.exists():
        return path.read_text().strip()
    if settings.get("TESTING"):
        return secrets.token_hex(32)
    raise RuntimeError(
        f"No secret key: set TEXTLABEL_SECRET_KEY or run `textlabel init` to create {path}."
    )


def ensure_secret_key(instance: Path) -> None:
    """Create the instance folder and a random secret key file if it is missing."""
    instance.mkdir(parents=True, exist_ok=True)
    path = instance / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
