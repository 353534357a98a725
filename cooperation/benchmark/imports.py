"""The Excel import at 10.000 rows against reading the same file with the bare libraries and
writing it with ``bulk_create``.

Runs in its own synthetic plan (65 units × 12 months × 13 indicators ≈ 10.000 rows of draft
months), each run inside a savepoint rolled back after it, so every run imports the same new
rows; the whole part is rolled back at the end."""

import datetime as dt
import io
import math

from django.contrib.auth import get_user_model
from django.db import transaction

from activities.models import ActivityValue, MonthlyReport
from agreements.models import Agreement, Indicator, Membership, OrgUnit, Task
from cooperation.benchmark.measure import Result, compare

PER_UNIT = 12 * 13


class _Rollback(Exception):
    pass


def synthetic_import_plan(*, units: int, prefix: str = "IMP"):
    province = OrgUnit.objects.create(
        code=f"{prefix}_P", name="Tỉnh đo nhập liệu", kind=OrgUnit.Kind.PROVINCE
    )
    plan = Agreement.objects.create(
        code=f"{prefix}_PLAN",
        title="Kế hoạch đo nhập liệu",
        start_date=dt.date(2023, 1, 1),
        end_date=dt.date(2025, 12, 31),
        status=Agreement.Status.ACTIVE,
        org_unit=province,
        late_entry_needs_approval=False,
    )
    tasks = [Task.objects.create(agreement=plan, order=n, name=f"Nhiệm vụ {n}") for n in (1, 2, 3)]
    indicators = [
        Indicator.objects.create(
            plan=plan,
            task=tasks[n % 3],
            code=f"NL{n:02d}",
            name=f"Chỉ tiêu nhập {n}",
            unit="%" if n == 12 else "buổi",
            aggregation=Indicator.Aggregation.RATIO if n == 12 else Indicator.Aggregation.SUM,
            order=n,
        )
        for n in range(13)
    ]
    OrgUnit.objects.bulk_create(
        OrgUnit(code=f"{prefix}_D{n:03d}", name=f"Huyện nhập {n}", parent=province)
        for n in range(units)
    )
    units_list = list(OrgUnit.objects.filter(parent=province).order_by("code"))
    Agreement.objects.bulk_create(
        Agreement(
            code=f"{prefix}_QC{n:03d}",
            title=f"Quy chế {unit.name}",
            start_date=plan.start_date,
            end_date=plan.end_date,
            status=Agreement.Status.ACTIVE,
            parent=plan,
            org_unit=unit,
            late_entry_needs_approval=False,
        )
        for n, unit in enumerate(units_list)
    )
    subs = list(Agreement.objects.filter(parent=plan).select_related("org_unit").order_by("code"))
    user = get_user_model().objects.create(username=f"{prefix}_staff")
    Membership.objects.create(user=user, org_unit=province, role=Membership.Role.PROVINCIAL_STAFF)
    return plan, indicators, subs, user


def figure_rows(indicators, subs, count: int) -> list[dict]:
    from activities.spreadsheet import month_text, row_key

    rows = []
    months = [dt.date(2024, m, 1) for m in range(1, 13)]
    for index, agreement in enumerate(subs):
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
                    }
                )
                if len(rows) == count:
                    return rows
    return rows


def _bulk_write(table_rows, *, subs, indicators) -> int:
    """The floor's write: the rows as read, straight into two ``bulk_create`` calls."""
    from activities.spreadsheet import COLUMNS

    position = {key: n for n, (key, _header) in enumerate(COLUMNS)}
    sub_of = {s.org_unit.code: s.pk for s in subs}
    indicator_of = {i.code: i.pk for i in indicators}
    parsed = []
    for row in table_rows:
        month_text = row[position["month"]]
        month_number, year = (int(part) for part in str(month_text).split("/"))
        parsed.append(
            (
                sub_of[row[position["unit_code"]]],
                dt.date(year, month_number, 1),
                indicator_of[row[position["indicator_code"]]],
                *(
                    None if row[position[c]] in (None, "") else int(row[position[c]])
                    for c in ("value", "numerator", "denominator")
                ),
            )
        )
    keys = sorted({(p[0], p[1]) for p in parsed})
    reports = MonthlyReport.objects.bulk_create(
        [MonthlyReport(sub_agreement_id=a, month=m) for a, m in keys]
    )
    by_key = {(r.sub_agreement_id, r.month): r.pk for r in reports}
    ActivityValue.objects.bulk_create(
        [
            ActivityValue(
                report_id=by_key[(p[0], p[1])],
                indicator_id=p[2],
                value=p[3],
                numerator=p[4],
                denominator=p[5],
            )
            for p in parsed
        ],
        batch_size=2000,
    )
    return len(parsed)


def openpyxl_rows(content: bytes) -> list[tuple]:
    from openpyxl import load_workbook

    from activities.spreadsheet import SHEET_NAME

    workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    try:
        rows = list(workbook[SHEET_NAME].iter_rows(min_row=2, values_only=True))
    finally:
        workbook.close()
    return rows


def calamine_rows(content: bytes) -> list[list]:
    from python_calamine import CalamineWorkbook

    from activities.spreadsheet import SHEET_NAME

    workbook = CalamineWorkbook.from_filelike(io.BytesIO(content))
    rows = workbook.get_sheet_by_name(SHEET_NAME).to_python()[1:]
    # calamine reads whole numbers as floats
    return [[int(v) if isinstance(v, float) and v.is_integer() else v for v in r] for r in rows]


def part_import(*, runs: int, rows: int = 10_000, floor_reader=openpyxl_rows) -> list[Result]:
    from activities import imports
    from activities.import_files import read_upload
    from activities.spreadsheet import workbook_bytes
    from agreements.selectors import user_scope

    results: list[Result] = []
    try:
        with transaction.atomic():
            plan, indicators, subs, user = synthetic_import_plan(units=math.ceil(rows / PER_UNIT))
            content = workbook_bytes(figure_rows(indicators, subs, rows), title="benchmark")
            scope = user_scope(user)
            savepoints: list = []

            def begin():
                savepoints.append(transaction.savepoint())

            def written(_value):
                figures = _stored(plan)
                transaction.savepoint_rollback(savepoints.pop())
                return figures

            def ours():
                batch = imports.import_batch_create(
                    user=user, scope=scope, plan=plan, file_name="benchmark.xlsx", content=content
                )
                return imports.import_batch_confirm(batch=batch, user=user, scope=scope, plan=plan)

            def floor():
                return _bulk_write(floor_reader(content), subs=subs, indicators=indicators)

            result = compare(
                part="import xlsx",
                what=f"{rows:,} rows: upload (read, validate, preview) + confirm (write, audit)",
                floor_what="openpyxl read-only + bulk_create of the same rows",
                ours=ours,
                floor=floor,
                runs=runs,
                figures=lambda figures: figures,
                setup=(begin, begin),
                teardown=(written, written),
                size=lambda _figures: len(content),
            )
            results.append(result)
            read = compare(
                part="import read",
                what=f"{rows:,} rows: our bounded reader (activities.import_files.read_upload)",
                floor_what="python-calamine read of the same sheet",
                ours=lambda: read_upload(content=content),
                floor=lambda: calamine_rows(content),
                runs=runs,
                figures=lambda raw: len(raw),
                floor_figures=lambda table: len(table),
                size=lambda _rows: len(content),
            )
            results.append(read)
            raise _Rollback
    except _Rollback:
        pass
    return results


def _stored(plan) -> tuple:
    from django.db.models import Count, Sum

    return tuple(
        ActivityValue.objects.filter(report__sub_agreement__parent=plan)
        .aggregate(
            count=Count("id"), value=Sum("value"), num=Sum("numerator"), den=Sum("denominator")
        )
        .values()
    )
