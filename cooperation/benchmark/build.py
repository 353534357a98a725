"""Synthetic plans at any scale: units × months × indicators, every month approved.

One province, ``units`` sub-agreements under its plan, ``months`` report months ending with
the last closed month, ``indicators`` indicators: flows (``sum``), and once there are three or
more one stock (``latest``) and one ratio, like the real plan. Every unit has a whole-plan
target per indicator. The first unit's last month is a draft (the month the entry benchmark
opens and saves). Values are a fixed function of (unit, month, indicator), so two builds at the
same scale hold the same figures.

Reports go in with ``bulk_create`` and values with COPY (PostgreSQL) or ``executemany``
(SQLite), a chunk of units at a time, printing progress: 10.000 units × 36 months × 13
indicators (4,68 M values) build in minutes, in bounded memory."""

import datetime as dt
import time
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import connection, transaction

from activities.models import ActivityValue, MonthlyReport
from activities.rollups import rollups_rebuild
from agreements.models import Agreement, Indicator, Membership, OrgUnit, Target, Task
from core import calendar

PASSWORD = "benchmark-only"  # noqa: S105 — a throwaway database on loopback; scripts/load logs in with it
CHUNK_UNITS = 100


@dataclass(frozen=True)
class World:
    plan: Agreement
    indicators: tuple[Indicator, ...]
    months: tuple[dt.date, ...]
    units: int
    entry_sub_agreement: Agreement  # the officer's unit: its last month is a draft
    leader_username: str = "bench.lanhdao"
    staff_username: str = "bench.canbo"
    officer_username: str = "bench.doan"

    @property
    def entry_month(self) -> dt.date:
        return self.months[-1]


def plan_months(months: int, *, today: dt.date | None = None) -> list[dt.date]:
    last = calendar.add_months(calendar.month_start(today or calendar.today()), -1)
    return [calendar.add_months(last, n - months + 1) for n in range(months)]


def figure(unit: int, month: int, indicator: int, aggregation: str) -> tuple:
    """(value, numerator, denominator) of one cell; stocks only grow."""
    if aggregation == Indicator.Aggregation.LATEST:
        return (1000 + unit * 10 + month, None, None)
    if aggregation == Indicator.Aggregation.RATIO:
        numerator = (unit + month + indicator) % 20
        return (None, numerator, numerator + 5 + unit % 7)
    return ((unit * 7 + month * 3 + indicator * 5) % 40 + 1, None, None)


def aggregation_of(position: int, count: int) -> str:
    if count >= 3 and position == 1:
        return Indicator.Aggregation.LATEST
    if count >= 3 and position == count - 1:
        return Indicator.Aggregation.RATIO
    return Indicator.Aggregation.SUM


def world_build(*, units: int, months: int, indicators: int, progress=None) -> World:
    progress = progress or (lambda text: None)
    started = time.perf_counter()
    month_list = plan_months(months)
    with transaction.atomic():
        plan, items = _plan(month_list, indicators)
        _users(plan)
    subs_done = 0
    for first in range(0, units, CHUNK_UNITS):
        count = min(CHUNK_UNITS, units - first)
        with transaction.atomic():
            _chunk(plan, items, month_list, first, count)
        subs_done += count
        progress(
            f"built {subs_done:,}/{units:,} units, {subs_done * months * indicators:,} values "
            f"({time.perf_counter() - started:.0f} s)"
        )
    with transaction.atomic():
        entry = Agreement.objects.filter(parent=plan).order_by("code").first()
        officer = get_user_model().objects.get(username=World.officer_username)
        Membership.objects.create(
            user=officer, org_unit_id=entry.org_unit_id, role=Membership.Role.DISTRICT_OFFICER
        )
        MonthlyReport.objects.filter(sub_agreement=entry, month=month_list[-1]).update(
            status=MonthlyReport.Status.DRAFT, submitted_at=None, reviewed_at=None
        )
    # The dashboards read the rollups the approvals keep; the values above were written
    # directly, so build them once from the raw values, as a restore does.
    progress("building rollups")
    rollups_rebuild(plan_ids=[plan.pk])
    with connection.cursor() as cursor:
        # Statistics as a settled database has them (PostgreSQL's autovacuum runs ANALYZE;
        # on SQLite nothing does unless someone runs it).
        cursor.execute("ANALYZE")
    progress(f"built in {time.perf_counter() - started:.0f} s")
    return world_load()


def world_load() -> World:
    plan = Agreement.objects.get(parent__isnull=True, code="BENCH")
    items = tuple(Indicator.objects.filter(plan=plan).order_by("order").select_related("task"))
    entry = Agreement.objects.filter(parent=plan).order_by("code").select_related("org_unit")[0]
    months = calendar.months_between(entry.start_date, calendar.month_start(entry.end_date))
    return World(
        plan=plan,
        indicators=items,
        months=tuple(months),
        units=Agreement.objects.filter(parent=plan).count(),
        entry_sub_agreement=entry,
    )


def _plan(months: list[dt.date], count: int) -> tuple[Agreement, list[Indicator]]:
    province = OrgUnit.objects.create(
        code="BENCH", name="Tỉnh đo tốc độ", kind=OrgUnit.Kind.PROVINCE
    )
    plan = Agreement.objects.create(
        code="BENCH",
        title="Kế hoạch đo tốc độ (dữ liệu mẫu)",
        start_date=months[0],
        end_date=calendar.add_months(months[-1], 1) - dt.timedelta(days=1),
        status=Agreement.Status.ACTIVE,
        org_unit=province,
        grace_days=60,
        late_entry_needs_approval=False,
    )
    tasks = [Task.objects.create(agreement=plan, order=n, name=f"Nhiệm vụ {n}") for n in (1, 2, 3)]
    items = []
    for n in range(count):
        aggregation = aggregation_of(n, count)
        items.append(
            Indicator.objects.create(
                plan=plan,
                task=tasks[n % 3],
                code=f"CT{n:02d}",
                name=f"Chỉ tiêu đo tốc độ {n}",
                unit="%" if aggregation == Indicator.Aggregation.RATIO else "buổi",
                aggregation=aggregation,
                order=n,
            )
        )
    Target.objects.bulk_create(
        Target(agreement=plan, indicator=item, year=None, value=1000) for item in items
    )
    return plan, items


def _users(plan: Agreement) -> None:
    from django.contrib.auth.hashers import make_password

    password = make_password(PASSWORD)  # hashed once: the hash is slow on purpose
    for username, role in (
        (World.leader_username, Membership.Role.LEADERSHIP),
        (World.staff_username, Membership.Role.PROVINCIAL_STAFF),
        (World.officer_username, None),
    ):
        user = get_user_model().objects.create(username=username, password=password)
        if role:
            Membership.objects.create(user=user, org_unit=plan.org_unit, role=role)


def _chunk(plan, items, months, first: int, count: int) -> None:
    units = OrgUnit.objects.bulk_create(
        OrgUnit(
            code=f"BENCH{n:06d}",
            name=f"Xã đo tốc độ {n:06d}",
            kind=OrgUnit.Kind.COMMUNE,
            parent=plan.org_unit,
        )
        for n in range(first, first + count)
    )
    if units[0].pk is None:
        units = list(OrgUnit.objects.filter(code__gte=f"BENCH{first:06d}").order_by("code"))
        units = units[:count]
    subs = Agreement.objects.bulk_create(
        Agreement(
            code=f"BENCH{first + n:06d}",
            title=f"Quy chế phối hợp {unit.name}",
            start_date=plan.start_date,
            end_date=plan.end_date,
            status=Agreement.Status.ACTIVE,
            parent=plan,
            org_unit=unit,
            grace_days=60,
            late_entry_needs_approval=False,
        )
        for n, unit in enumerate(units)
    )
    Target.objects.bulk_create(
        Target(agreement=sub, indicator=item, year=None, value=100)
        for sub in subs
        for item in items
    )
    approved = MonthlyReport.Status.APPROVED
    reports = MonthlyReport.objects.bulk_create(
        (
            MonthlyReport(sub_agreement=sub, month=month, status=approved, is_sample=True)
            for sub in subs
            for month in months
        ),
        batch_size=2000,
    )
    rows = []
    for n, sub in enumerate(subs):
        unit = first + n
        for m, month in enumerate(months):
            report = reports[n * len(months) + m]
            assert report.sub_agreement_id == sub.pk and report.month == month
            for i, item in enumerate(items):
                rows.append((report.pk, item.pk, *figure(unit, m, i, item.aggregation), ""))
    _insert_values(rows)


def _insert_values(rows: list[tuple]) -> None:
    table = ActivityValue._meta.db_table
    columns = "report_id, indicator_id, value, numerator, denominator, comment"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            cursor.executemany(
                f"INSERT INTO {table} ({columns}) VALUES (%s, %s, %s, %s, %s, %s)",  # noqa: S608
                rows,
            )
