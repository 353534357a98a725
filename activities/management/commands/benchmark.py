"""Timings measured against a baseline taken in the same run, printed as ratios.

    python manage.py benchmark import [--rows 3300 10000]
    python manage.py benchmark bombs

Each subcommand builds its own synthetic data inside a transaction that is rolled back at the
end, so it can run against any database (SQLite or PostgreSQL) without leaving a trace.
To add a benchmark: write ``def run_<name>(command, options)`` and register it in
``BENCHMARKS`` with a function that adds its arguments."""

import datetime as dt
import functools
import math
import time
from collections.abc import Callable

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction


class _Rollback(Exception):
    pass


def _timed(function: Callable):
    start = time.perf_counter()
    result = function()
    return time.perf_counter() - start, result


# --- import ----------------------------------------------------------------------------------


def _synthetic_plan(*, districts: int, prefix: str):
    """A plan with 13 indicators (12 counts and a ratio, like the real one) and ``districts``
    district sub-agreements, plus a provincial staff user."""
    from django.contrib.auth import get_user_model

    from agreements.models import Agreement, Indicator, Membership, OrgUnit, Task

    province = OrgUnit.objects.create(
        code=f"{prefix}_P", name="Tỉnh đo tốc độ", kind=OrgUnit.Kind.PROVINCE
    )
    plan = Agreement.objects.create(
        code=f"{prefix}_PLAN",
        title="Kế hoạch đo tốc độ",
        start_date=dt.date(2023, 1, 1),
        end_date=dt.date(2025, 12, 31),
        status=Agreement.Status.ACTIVE,
        org_unit=province,
    )
    tasks = [Task.objects.create(agreement=plan, order=n, name=f"Nhiệm vụ {n}") for n in (1, 2, 3)]
    indicators = [
        Indicator.objects.create(
            plan=plan,
            task=tasks[n % 3],
            code=f"CT{n:02d}",
            name=f"Chỉ tiêu {n}",
            unit="%" if n == 12 else "buổi",
            aggregation=Indicator.Aggregation.RATIO if n == 12 else Indicator.Aggregation.SUM,
            order=n,
        )
        for n in range(13)
    ]
    units = OrgUnit.objects.bulk_create(
        [
            OrgUnit(code=f"{prefix}_D{n:03d}", name=f"Huyện đo {n}", parent=province)
            for n in range(districts)
        ]
    )
    units = list(OrgUnit.objects.filter(parent=province).order_by("code"))
    Agreement.objects.bulk_create(
        [
            Agreement(
                code=f"{prefix}_QC{n:03d}",
                title=f"Quy chế {unit.name}",
                start_date=plan.start_date,
                end_date=plan.end_date,
                status=Agreement.Status.ACTIVE,
                parent=plan,
                org_unit=unit,
            )
            for n, unit in enumerate(units)
        ]
    )
    sub_agreements = list(
        Agreement.objects.filter(parent=plan).select_related("org_unit").order_by("code")
    )
    user = get_user_model().objects.create(username=f"{prefix}_staff")
    Membership.objects.create(user=user, org_unit=province, role=Membership.Role.PROVINCIAL_STAFF)
    return plan, indicators, sub_agreements, user


def _figure_rows(indicators, sub_agreements, count: int) -> list[dict]:
    """``count`` rows: district × 12 months of 2024 × indicator, in the template's layout."""
    from activities.spreadsheet import month_text, row_key

    rows = []
    months = [dt.date(2024, m, 1) for m in range(1, 13)]
    for index, agreement in enumerate(sub_agreements):
        for month in months:
            for indicator in indicators:
                figure = (index * 7 + month.month * 3 + indicator.order) % 500
                rows.append(
                    {
                        "key": row_key(agreement.org_unit.code, indicator.code, month),
                        "unit_code": agreement.org_unit.code,
                        "unit_name": agreement.org_unit.name,
                        "indicator_code": indicator.code,
                        "indicator_name": indicator.name,
                        "measure": indicator.unit,
                        "month": month_text(month),
                        "value": None if indicator.is_ratio else figure,
                        "numerator": figure if indicator.is_ratio else None,
                        "denominator": figure + 10 if indicator.is_ratio else None,
                        "comment": "",
                        # for the baseline
                        "_agreement": agreement,
                        "_indicator": indicator,
                        "_month": month,
                    }
                )
                if len(rows) == count:
                    return rows
    return rows


def _bulk_create_baseline(rows: list[dict]) -> None:
    """The floor: the same rows written with two plain bulk_create calls, no validation."""
    from activities.models import ActivityValue, MonthlyReport

    keys = sorted({(r["_agreement"].pk, r["_month"]) for r in rows})
    reports = MonthlyReport.objects.bulk_create(
        [MonthlyReport(sub_agreement_id=a, month=m) for a, m in keys]
    )
    by_key = {(r.sub_agreement_id, r.month): r for r in reports}
    ActivityValue.objects.bulk_create(
        [
            ActivityValue(
                report=by_key[(r["_agreement"].pk, r["_month"])],
                indicator=r["_indicator"],
                value=r["value"],
                numerator=r["numerator"],
                denominator=r["denominator"],
            )
            for r in rows
        ],
        batch_size=2000,
    )


def run_import(command: BaseCommand, options: dict) -> None:
    from activities import imports
    from activities.spreadsheet import csv_bytes, workbook_bytes
    from agreements.selectors import user_scope

    per_district = 12 * 13
    command.stdout.write(
        f"Import benchmark on {connection.vendor}: provincial xlsx upload (read + validate + "
        "preview) and confirm (locked re-validation + bulk write), against a plain bulk_create "
        "of the same rows measured in the same run.\n"
    )
    header = (
        f"{'rows':>7} {'format':>6} {'preview s':>10} {'confirm s':>10} {'total s':>8} "
        f"{'re-upload s':>12} {'bulk_create s':>14} {'total/bulk':>11} {'confirm/bulk':>13}"
    )
    command.stdout.write(header)
    for count in options["rows"]:
        for kind in options["formats"]:
            try:
                with transaction.atomic():
                    districts = math.ceil(count / per_district)
                    plan, indicators, subs, user = _synthetic_plan(districts=districts, prefix="BM")
                    _p2, indicators2, subs2, _u2 = _synthetic_plan(districts=districts, prefix="BL")
                    rows = _figure_rows(indicators, subs, count)
                    cells = [{k: v for k, v in r.items() if not k.startswith("_")} for r in rows]
                    content = (
                        workbook_bytes(cells, title="benchmark")
                        if kind == "xlsx"
                        else csv_bytes(cells)
                    )
                    scope = user_scope(user)
                    upload = functools.partial(
                        imports.import_batch_create,
                        user=user,
                        scope=scope,
                        plan=plan,
                        file_name=f"benchmark.{kind}",
                        content=content,
                    )
                    preview_s, batch = _timed(upload)
                    if batch.preview["counts"]["new"] != count:
                        raise CommandError(f"unexpected preview: {batch.preview['counts']}")
                    confirm_s, outcome = _timed(
                        functools.partial(
                            imports.import_batch_confirm,
                            batch=batch,
                            user=user,
                            scope=scope,
                            plan=plan,
                        )
                    )
                    if outcome.created != count:
                        raise CommandError(f"unexpected outcome: {outcome}")
                    again_s, again = _timed(upload)
                    if again.preview["counts"]["unchanged"] != count:
                        raise CommandError("the second upload should change nothing")
                    baseline_rows = _figure_rows(indicators2, subs2, count)
                    bulk_s, _none = _timed(lambda: _bulk_create_baseline(baseline_rows))  # noqa: B023
                    total = preview_s + confirm_s
                    command.stdout.write(
                        f"{count:>7} {kind:>6} {preview_s:>10.2f} {confirm_s:>10.2f} "
                        f"{total:>8.2f} {again_s:>12.2f} {bulk_s:>14.3f} "
                        f"{total / bulk_s:>10.1f}× {confirm_s / bulk_s:>12.1f}×"
                    )
                    raise _Rollback
            except _Rollback:
                pass


BENCHMARKS: dict[str, tuple[Callable, Callable]] = {}


def _import_arguments(parser) -> None:
    parser.add_argument("--rows", type=int, nargs="+", default=[3300, 10000])
    parser.add_argument("--formats", nargs="+", choices=["xlsx", "csv"], default=["xlsx", "csv"])


BENCHMARKS["import"] = (_import_arguments, run_import)


def run_bombs(command: BaseCommand, options: dict) -> None:
    """Time and peak memory (tracemalloc) to refuse each hostile file of
    tests/test_import_bombs.py, against reading the template's own two rows."""
    import tracemalloc

    from activities.import_files import ImportFileError, read_upload
    from tests import bombs

    def refuse(content: bytes) -> str:
        try:
            read_upload(content=content)
        except ImportFileError:
            return "refused"
        return "ACCEPTED"

    floor_s, _rows = _timed(lambda: read_upload(content=bombs.template()))
    command.stdout.write(
        f"Refusing hostile files; floor: the two-row template read in {floor_s:.4f} s"
    )
    command.stdout.write(
        f"{'file':>16} {'size MB':>8} {'refuse s':>9} {'peak MB':>8} {'/floor':>7}"
    )
    for name, build in (
        ("mimetype 1 GiB", bombs.mimetype_bomb),
        ("41 M empty rows", bombs.rows_bomb),
        ("tag 1 GiB", bombs.tag_bomb),
        ("lying sizes", bombs.lying_bomb),
    ):
        content = build()
        tracemalloc.start()
        seconds, outcome = _timed(functools.partial(refuse, content))
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        command.stdout.write(
            f"{name:>16} {len(content) / 1e6:>8.2f} {seconds:>9.4f} {peak / 1e6:>8.1f} "
            f"{seconds / floor_s:>6.1f}× {outcome}"
        )


BENCHMARKS["bombs"] = (lambda parser: None, run_bombs)


class Command(BaseCommand):
    help = "Time a feature against a baseline measured in the same run (see subcommands)."

    def add_arguments(self, parser):
        subcommands = parser.add_subparsers(dest="benchmark", required=True)
        for name, (add_arguments, _run) in BENCHMARKS.items():
            add_arguments(subcommands.add_parser(name, help=f"benchmark {name}"))

    def handle(self, *args, **options):
        name = options["benchmark"]
        if name not in BENCHMARKS:
            raise CommandError(f"Unknown benchmark {name!r}; choose from {sorted(BENCHMARKS)}.")
        BENCHMARKS[name][1](self, options)
