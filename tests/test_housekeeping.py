"""Housekeeping the product owes its database: planner statistics after bulk loads, and
persistent PostgreSQL connections."""

import io
import os
import subprocess
import sys
from pathlib import Path

from django.core.management import call_command
from django.db import connection

from core.db import database_analyze

ROOT = Path(__file__).resolve().parent.parent


def test_analyze_leaves_statistics_for_the_planner(world):
    database_analyze()
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM sqlite_stat1")
            assert cursor.fetchone()[0] > 0


def test_load_plan_collects_statistics_after_loading(db):
    call_command("load_plan", stdout=io.StringIO())
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'agreements_orgunit'")
            assert cursor.fetchone()[0] > 0


def test_postgresql_connections_persist_and_are_checked():
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "SECRET_KEY": "x" * 50,
        "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/unused",
        "ALLOWED_HOSTS": "example.org",
    }
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'cooperation.settings'; "
        "django.setup(); from django.conf import settings as s; d = s.DATABASES['default']; "
        "print(d['CONN_MAX_AGE'], d['CONN_HEALTH_CHECKS'], s.SESSION_SAVE_EVERY_REQUEST)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert out.stdout.split() == ["60", "True", "False"], out.stderr
    env["CONN_MAX_AGE"] = "0"
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert out.stdout.split()[0] == "0", out.stderr
