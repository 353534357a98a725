"""One benchmark run: the database, the data, the parts, the output."""

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.test.utils import override_settings

from cooperation.benchmark import build, measure
from cooperation.benchmark import database as _database
from cooperation.benchmark import parts as _parts


@dataclass(frozen=True)
class Outcome:
    results: list
    table: str
    json: str
    all_equal: bool


def benchmark_run(
    *,
    parts: Sequence[str],
    units: int,
    months: int,
    indicators: int,
    database: str | None = None,
    runs: int = 5,
    import_rows: int = 10_000,
    reuse: bool = False,
    keep: bool = False,
    progress: Callable[[str], None] = lambda text: None,
    floors: dict | None = None,
) -> Outcome:
    """``floors``: a part's floor by part name, for the test that hands it a wrong one."""
    target = _database.target_parse(database)
    scale = {"units": units, "months": months, "indicators": indicators}
    results: list = []
    build_seconds = 0.0
    # A database built before a new migration (a rollup table, say) is rebuilt, not reused.
    built = dict(scale, migrations=_migrations())
    with _database.benchmark_database(target, scale=built, reuse=reuse, keep=keep) as ready:
        progress(f"Benchmark database: {target.label}")
        if ready:
            world = build.world_load()
            progress("Reusing the data built there before.")
        else:
            started = time.perf_counter()
            world = build.world_build(
                units=units, months=months, indicators=indicators, progress=progress
            )
            build_seconds = time.perf_counter() - started
            _database.marker_write(built)
        # The test client needs the host allowed and no HTTPS redirect; nothing else changes.
        with override_settings(ALLOWED_HOSTS=["testserver"], SECURE_SSL_REDIRECT=False):
            for name in parts:
                progress(f"Measuring {name}…")
                kwargs = {"runs": runs}
                if name == "import":
                    kwargs["rows"] = import_rows
                if floors and name in floors:
                    kwargs["floor"] = floors[name]
                results.extend(_parts.PARTS[name](world, **kwargs))
        vendor = "postgresql" if _database.is_postgresql() else "sqlite"
    scale_label = dict(scale, vendor=vendor, runs=runs)
    head = (
        f"{vendor}: {units:,} units × {months} months × {indicators} indicators "
        f"= {units * months * indicators:,} values; median of {runs} interleaved runs"
    )
    return Outcome(
        results=results,
        table=head + "\n" + measure.table(results) if results else head,
        json=measure.as_json(
            scale=scale_label, database=target.label, results=results, build_seconds=build_seconds
        ),
        all_equal=all(r.equal for r in results),
    )


def _migrations() -> list[str]:
    """The migrations the code has (read from disk, no database)."""
    from django.db.migrations.loader import MigrationLoader

    return sorted(f"{app}.{name}" for app, name in MigrationLoader(None).graph.leaf_nodes())
