"""``manage.py benchmark`` at a tiny scale: it builds its own database (never the configured
one), measures every part, prints a table and valid JSON, and fails when our figures and the
floor's differ."""

import io
import json
import os

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from cooperation.benchmark import parts
from cooperation.benchmark.run import benchmark_run

TINY = ["--units", "3", "--months", "2", "--runs", "1"]


@pytest.fixture
def bench_database(tmp_path):
    """A database of the benchmark's own: a file beside the test, or on PostgreSQL (when the
    suite runs there) a database named after the configured one."""
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        return url.rsplit("/", 1)[0] + "/" + url.rsplit("/", 1)[1] + "_benchmark_t"
    return str(tmp_path / "bench.sqlite3")


def test_every_part_completes_with_a_table_whose_figures_equal_the_floor(
    django_db_blocker, bench_database
):
    out, err = io.StringIO(), io.StringIO()
    with django_db_blocker.unblock():
        call_command(
            "benchmark", "all", *TINY, "--import-rows", "60", "--database", bench_database,
            stdout=out, stderr=err,
        )  # fmt: skip
    table = out.getvalue()
    for part in (
        "province page", "province selector", "district page", "district selector",
        "indicator page", "indicator selector", "entry render", "entry save", "approval",
        "import xlsx", "import read", "provincial PDF",
    ):  # fmt: skip
        line = next(line for line in table.splitlines() if line.startswith(part))
        assert line.split("  ")[-1].startswith("equal"), line
    assert "DIFFER" not in table
    assert "built 3/3 units" in err.getvalue()


def test_json_is_valid_and_the_database_is_reused_at_the_same_scale(
    django_db_blocker, bench_database
):
    out = io.StringIO()
    with django_db_blocker.unblock():
        call_command(
            "benchmark", "build", *TINY, "--database", bench_database, stdout=io.StringIO()
        )
        err = io.StringIO()
        call_command(
            "benchmark", "province", *TINY, "--database", bench_database, "--reuse", "--json",
            stdout=out, stderr=err,
        )  # fmt: skip
    assert "Reusing" in err.getvalue()
    data = json.loads(out.getvalue())
    assert data["all_equal"] is True
    assert data["scale"]["units"] == 3 and data["scale"]["months"] == 2
    province = {r["part"]: r for r in data["results"]}
    assert province["province page"]["queries"] > 0 and province["province page"]["ratio"] > 0
    assert province["province page"]["response_bytes"] > 1000


def _off_by_one(**kwargs) -> dict:
    """The floor's totals with every figure one too high: a wrong floor."""
    totals = parts.floor_totals(**kwargs)
    return {
        key: tuple(None if v is None else v + 1 for v in figures) for key, figures in totals.items()
    }


def test_a_wrong_floor_makes_the_benchmark_fail(django_db_blocker, bench_database):
    with django_db_blocker.unblock():
        outcome = benchmark_run(
            parts=["province", "indicator"],
            units=3,
            months=2,
            indicators=4,
            database=bench_database,
            runs=1,
            floors={"province": _off_by_one, "indicator": _off_by_one},
        )
    assert outcome.all_equal is False
    assert outcome.table.count("DIFFER") == 4
    assert json.loads(outcome.json)["all_equal"] is False


def test_the_configured_database_is_refused(django_db_blocker, settings):
    configured = settings.DATABASES["default"]
    if "sqlite" in configured["ENGINE"]:
        target = str(configured["NAME"])
    else:
        target = "postgres://{}@{}:{}/{}".format(
            configured["USER"], configured["HOST"], configured["PORT"] or 5432, configured["NAME"]
        )
    if target == ":memory:" or target.startswith("file:"):
        pytest.skip("the configured test database is in memory")
    with django_db_blocker.unblock(), pytest.raises(CommandError, match="configured database"):
        call_command("benchmark", "province", *TINY, "--database", target, stdout=io.StringIO())


def test_a_file_the_benchmark_did_not_build_is_not_overwritten(django_db_blocker, tmp_path):
    import sqlite3

    precious = tmp_path / "someone-elses.sqlite3"
    with sqlite3.connect(precious) as db:
        db.execute("CREATE TABLE figures (n INTEGER)")
    with django_db_blocker.unblock(), pytest.raises(CommandError, match="not built by"):
        call_command("benchmark", "province", *TINY, "--database", str(precious))
    with sqlite3.connect(precious) as db:
        assert db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] == 1
