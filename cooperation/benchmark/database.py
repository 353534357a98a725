"""The benchmark's own database: never the one the portal is configured with.

``benchmark_database(target)`` points Django's ``default`` connection at a fresh database for
the duration of the ``with`` block (so every view, selector, service and ``transaction.atomic``
of the code measured runs there unchanged), migrates it, and restores the configured
connection afterwards. The configured database is never opened.

A target is an SQLite file path or a ``postgres://`` URL. A target that exists is only reused
or dropped when it carries the benchmark's marker table (it was built by this command);
anything else is refused, as is a target equal to any configured database."""

import contextlib
import json
import os
import sqlite3
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import environ
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connections

MARKER = "hoptac_benchmark_marker"


@dataclass(frozen=True)
class Target:
    settings: dict
    label: str  # what the table prints: "sqlite /tmp/x.sqlite3", "postgresql host/name"
    temporary_dir: str | None = None  # a temporary SQLite file's directory, removed after


def target_parse(text: str | None) -> Target:
    if not text:
        directory = tempfile.mkdtemp(prefix="hoptac-benchmark-")
        path = Path(directory) / "benchmark.sqlite3"
        return Target(_sqlite(path), f"sqlite {path} (temporary)", temporary_dir=directory)
    if "://" in text:
        config = environ.Env.db_url_config(text)
        if config["ENGINE"] != "django.db.backends.postgresql":
            raise CommandError("--database takes an SQLite file path or a postgres:// URL.")
        if not config.get("NAME"):
            raise CommandError("The PostgreSQL URL must name a database.")
        host = config.get("HOST") or "localhost"
        return Target(config, f"postgresql {host}/{config['NAME']}")
    path = Path(text).expanduser().resolve()
    return Target(_sqlite(path), f"sqlite {path}")


def _sqlite(path: Path) -> dict:
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(path),
        "OPTIONS": {"timeout": 20, "transaction_mode": "IMMEDIATE"},
    }


def _identity(config: dict) -> tuple:
    if "sqlite" in config["ENGINE"]:
        name = str(config["NAME"])
        if name == ":memory:" or name.startswith("file:"):
            return ("sqlite", name)
        return ("sqlite", str(Path(name).expanduser().resolve()))
    host = config.get("HOST") or "localhost"
    host = "localhost" if host in ("127.0.0.1", "::1", "") else host
    return ("postgresql", host, str(config.get("PORT") or 5432), config["NAME"])


def configured_identities() -> set[tuple]:
    """Every database the settings name (and, under pytest, the test database too)."""
    found = set()
    for config in connections.settings.values():
        found.add(_identity(config))
        test_name = (config.get("TEST") or {}).get("NAME")
        if test_name:
            found.add(_identity({**config, "NAME": test_name}))
    return found


def _refuse_configured(target: Target) -> None:
    if _identity(target.settings) in configured_identities():
        raise CommandError(
            f"Refusing to benchmark in {target.label}: it is the portal's configured database. "
            "Give --database a file or a database of its own."
        )


def _marker(cursor) -> dict | None:
    try:
        cursor.execute(f"SELECT built FROM {MARKER}")  # noqa: S608 — a constant name
    except Exception:
        return None
    row = cursor.fetchone()
    return json.loads(row[0]) if row else None


def _prepare_sqlite(target: Target, *, reuse: dict | None) -> bool:
    """True when the file already holds the data asked for (``reuse``)."""
    path = Path(target.settings["NAME"])
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        return False
    with contextlib.closing(sqlite3.connect(path)) as db:
        built = _marker(db.cursor())
    if built is None:
        raise CommandError(
            f"Refusing to overwrite {path}: it exists and was not built by the benchmark."
        )
    if reuse is not None and built == reuse:
        return True
    for suffix in ("", "-wal", "-shm", "-journal"):
        with contextlib.suppress(FileNotFoundError):
            os.remove(f"{path}{suffix}")
    return False


def _prepare_postgresql(target: Target, *, reuse: dict | None) -> bool:
    import psycopg
    from psycopg import sql

    config = target.settings
    params = {
        "host": config.get("HOST") or None,
        "port": config.get("PORT") or None,
        "user": config.get("USER") or None,
        "password": config.get("PASSWORD") or None,
    }
    params = {k: v for k, v in params.items() if v}
    name = config["NAME"]
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists:
            with psycopg.connect(dbname=name, autocommit=True, **params) as db:
                built = _marker(db.cursor())
            if built is None:
                raise CommandError(
                    f"Refusing to drop {target.label}: it exists and was not built by the "
                    "benchmark."
                )
            if reuse is not None and built == reuse:
                return True
            admin.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return False


@contextlib.contextmanager
def benchmark_database(
    target: Target, *, scale: dict, reuse: bool = False, keep: bool = False
) -> Iterator[bool]:
    """Point ``default`` at ``target`` (fresh and migrated, or reused when ``reuse`` and it
    was built at ``scale``); yields whether the data is already there."""
    _refuse_configured(target)
    postgres = "postgresql" in target.settings["ENGINE"]
    prepare = _prepare_postgresql if postgres else _prepare_sqlite
    ready = prepare(target, reuse=scale if reuse else None)
    configured_settings = connections.settings["default"]
    configured_connection = connections["default"]
    ours = connections.configure_settings({"default": dict(target.settings)})["default"]
    connections.settings["default"] = ours
    connection = connections.create_connection("default")
    connections["default"] = connection
    try:
        if not ready:
            call_command("migrate", interactive=False, verbosity=0)
            with connection.cursor() as cursor:
                cursor.execute(f"CREATE TABLE {MARKER} (built TEXT)")
        yield ready
    finally:
        connection.close()
        connections.settings["default"] = configured_settings
        connections["default"] = configured_connection
        if target.temporary_dir and not keep:
            for child in Path(target.temporary_dir).iterdir():
                child.unlink()
            os.rmdir(target.temporary_dir)


def marker_write(scale: dict) -> None:
    """Record what was built, once the build finished (a half-built database is rebuilt)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {MARKER}")  # noqa: S608
        cursor.execute(f"INSERT INTO {MARKER} (built) VALUES (%s)", [json.dumps(scale)])  # noqa: S608


def is_postgresql() -> bool:
    from django.db import connection

    return connection.vendor == "postgresql"


__all__ = ["Target", "benchmark_database", "is_postgresql", "marker_write", "target_parse"]
