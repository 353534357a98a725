"""Our paths against their floors, measured in the same run, in a database of the benchmark's
own (never the portal's).

    python manage.py benchmark all --units 700 --months 36 --indicators 13 \\
        [--database /tmp/bench.sqlite3 | postgres://postgres@127.0.0.1/hoptac_bench_700] \\
        [--runs 5] [--json] [--reuse] [--keep]
    python manage.py benchmark province|district|indicator|entry|approval|import|pdf …
    python manage.py benchmark build …     (only build, and keep, the database: scripts/load)
    python manage.py benchmark dashboard|bombs   (the older in-place benchmarks)

For each part: the median of ``--runs`` interleaved runs of our path and of its floor (one
hand-written SQL aggregate of the same figures, or the bare library path), their ratio, the
query count, the response size and the peak Python allocation (tracemalloc). Our figures must
equal the floor's: when they do not, the command prints which and exits non-zero."""

import sys
import time

from django.core.management.base import BaseCommand, CommandError

PARTS = ("province", "district", "indicator", "entry", "approval", "import", "pdf")


class Command(BaseCommand):
    help = (
        "Time our pages, services, import and PDF against their floors (see docs/performance.md)."
    )
    requires_system_checks: list = []

    def add_arguments(self, parser):
        subcommands = parser.add_subparsers(dest="part", required=True)
        for name in (*PARTS, "all", "build"):
            sub = subcommands.add_parser(name, help=f"benchmark {name}")
            sub.add_argument("--units", type=int, default=21)
            sub.add_argument("--months", type=int, default=36)
            sub.add_argument("--indicators", type=int, default=13)
            sub.add_argument(
                "--database",
                help="an SQLite file path or a postgres:// URL of the benchmark's own "
                "(default: a temporary SQLite file); never the configured database",
            )
            sub.add_argument("--runs", type=int, default=5)
            sub.add_argument("--import-rows", type=int, default=10_000)
            sub.add_argument("--json", action="store_true", help="print JSON instead of a table")
            sub.add_argument(
                "--reuse",
                action="store_true",
                help="reuse the database if the benchmark built it at the same scale",
            )
            sub.add_argument("--keep", action="store_true", help="keep a temporary database")
        from activities.benchmark import bombs_arguments, run_bombs
        from reports.benchmark import dashboard_arguments, run_dashboard

        dashboard_arguments(subcommands.add_parser("dashboard", help="in-place, rolled back"))
        bombs_arguments(subcommands.add_parser("bombs", help="hostile files refused"))
        self._legacy = {"dashboard": run_dashboard, "bombs": run_bombs}

    def handle(self, *args, **options):
        part = options["part"]
        if part in ("dashboard", "bombs"):
            from activities.benchmark import run_bombs
            from reports.benchmark import run_dashboard

            {"dashboard": run_dashboard, "bombs": run_bombs}[part](self, options)
            return
        from cooperation.benchmark.run import benchmark_run

        for name in ("units", "months", "indicators", "runs", "import_rows"):
            if options[name] < 1:
                raise CommandError(f"--{name.replace('_', '-')} must be at least 1.")
        parts = PARTS if part == "all" else () if part == "build" else (part,)
        progress = (lambda text: self.stderr.write(text)) if options["json"] else self.stderr.write
        started = time.perf_counter()
        outcome = benchmark_run(
            parts=parts,
            units=options["units"],
            months=options["months"],
            indicators=options["indicators"],
            database=options["database"],
            runs=options["runs"],
            import_rows=options["import_rows"],
            reuse=options["reuse"] or part == "build",
            keep=options["keep"] or part == "build",
            progress=progress,
        )
        if options["json"]:
            self.stdout.write(outcome.json)
        else:
            self.stdout.write(outcome.table)
            self.stdout.write(f"\n({time.perf_counter() - started:.0f} s in all)")
        if not outcome.all_equal:
            self.stderr.write("Our figures differ from the floor's: see the table.")
            sys.exit(1)
