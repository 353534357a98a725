"""The rollups of the approved figures (activities/rollups.py) stay equal to the raw values
after every kind of write, and the dashboards read the same figures from them as from the
raw values (the checker, ``raw=True``)."""

import datetime as dt
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import transaction
from hypothesis import event as tally
from hypothesis import given
from hypothesis import strategies as st

from activities import imports, rollups, services
from activities.models import ApprovedFigure, MonthlyReport, PlanMonthTotal, PlanStockSpan
from agreements.models import UnitSuccession
from agreements.selectors import user_scope
from core import calendar
from reports import selectors
from tests import factories as f
from tests.excel_helpers import csv_file, row
from tests.fuzz_helpers import fuzz_settings

Status = MonthlyReport.Status
D = dt.date
MONTHS = [D(2024, m, 1) for m in range(7, 13)]


@pytest.fixture
def rolled(world):
    """The small world plus a commune C (from 10/2024) that a reform can make A's
    successor."""
    unit_c = f.OrgUnitFactory(code="C", name="Xã Cẩm Thử", parent=world.province)
    world.sub_c = f.SubAgreementFactory(
        parent=world.plan, org_unit=unit_c, start_date=D(2024, 10, 1), end_date=D(2025, 12, 31)
    )
    world.unit_c = unit_c
    world.subs = [world.sub_a, world.sub_b, world.sub_c]
    return world


def _inputs(world, base: int) -> dict:
    # Comments on every figure: a random figure may look unusual, and needs a word to submit.
    return {
        world.patrol.pk: services.ValueInput(value=base, comment="ok"),
        world.mediation.pk: services.ValueInput(value=base % 3, comment="ok"),
        world.vneid.pk: services.ValueInput(value=1000 + base, comment="ok"),
        world.online.pk: services.ValueInput(
            numerator=base % 5, denominator=5 + base % 4, comment="ok"
        ),
    }


def _report(world, sub, month):
    return services.report_get_or_create(
        sub_agreement=sub, month=month, scope=user_scope(world.staff)
    )


def _submit(world, sub, month, base) -> MonthlyReport | None:
    report = _report(world, sub, month)
    if report.status in (Status.APPROVED, Status.SUBMITTED):
        return report
    scope = user_scope(world.staff)
    report = services.report_save_draft(
        report=report,
        user=world.staff,
        scope=scope,
        version=report.version,
        values=_inputs(world, base),
    )
    return services.report_submit(
        report=report, user=world.staff, scope=scope, version=report.version
    )


def _approve(world, sub, month, base):
    report = _submit(world, sub, month, base)
    if report.status == Status.SUBMITTED:
        services.report_approve(
            report=report, user=world.staff, scope=user_scope(world.staff), version=report.version
        )


def _reopen(world, sub, month):
    report = MonthlyReport.objects.filter(sub_agreement=sub, month=month).first()
    if report is not None and report.status == Status.APPROVED:
        services.report_reopen(
            report=report,
            user=world.staff,
            scope=user_scope(world.staff),
            version=report.version,
            reason="Sửa số liệu",
        )


def _approve_all_submitted(world):
    waiting = list(
        MonthlyReport.objects.filter(status=Status.SUBMITTED).select_related(
            "sub_agreement__org_unit"
        )
    )
    if waiting:
        try:
            services.report_approve_many(
                reports=[(r, r.version) for r in waiting],
                user=world.staff,
                scope=user_scope(world.staff),
            )
        except ValidationError:
            pass  # unusual figures: the batch is refused whole, nothing changes


def _import(world, sub, month, base):
    content = csv_file(
        [
            row(unit=sub.org_unit.code, indicator="TUAN_TRA", month=f"{month:%m/%Y}", value=base),
            row(unit=sub.org_unit.code, indicator="VNEID", month=f"{month:%m/%Y}", value=900),
        ]
    )
    scope = user_scope(world.staff)
    try:
        batch = imports.import_batch_create(
            user=world.staff, scope=scope, plan=world.plan, file_name="x.csv", content=content
        )
        imports.import_batch_confirm(batch=batch, user=world.staff, scope=scope, plan=world.plan)
    except ValidationError:
        pass  # a refused file writes nothing


def _reform(world):
    """A's unit is taken over by C from 10/2024 (UnitSuccession, A's agreement ends)."""
    UnitSuccession.objects.get_or_create(
        predecessor=world.unit_a, successor=world.unit_c, defaults={"on": D(2024, 10, 1)}
    )
    world.sub_a.end_date = D(2024, 9, 30)
    world.sub_a.save(update_fields=["end_date"])


def _assert_rollups_equal_raw(world):
    assert rollups.rollups_differences() == []
    scope = user_scope(world.leader)
    for key in ("plan", "2024", "2024-Q3", "2024-Q4", "2024-11"):
        period = calendar.period_parse(key, plan=world.plan)
        common = {"plan": world.plan, "period": period, "scope": scope}
        assert selectors.province_progress(**common) == selectors.province_progress(
            **common, raw=True
        ), key
        assert selectors.district_comparison(
            **common, indicator_codes=["TUAN_TRA", "VNEID", "DVC_TT"]
        ) == selectors.district_comparison(
            **common, indicator_codes=["TUAN_TRA", "VNEID", "DVC_TT"], raw=True
        ), key
        assert selectors.indicator_trends(**common) == selectors.indicator_trends(
            **common, raw=True
        ), key
        district = {"plan": world.plan, "period": period, "scope": scope, "district": world.sub_a}
        assert selectors.province_progress(**district) == selectors.province_progress(
            **district, raw=True
        ), key


APPROVE = st.tuples(st.just("approve"), st.integers(0, 2), st.integers(0, 5), st.integers(1, 40))
WRITE = st.one_of(
    APPROVE,
    APPROVE,  # twice as likely: most sequences should leave official figures to compare
    st.tuples(st.just("submit"), st.integers(0, 2), st.integers(0, 5), st.integers(1, 40)),
    st.tuples(st.just("reopen"), st.integers(0, 2), st.integers(0, 5)),
    st.tuples(st.just("import"), st.integers(0, 2), st.integers(0, 5), st.integers(1, 40)),
    st.tuples(st.just("approve_all")),
    st.tuples(st.just("reform")),
    st.tuples(st.just("rebuild")),
)


@fuzz_settings(max_examples=25)
@given(writes=st.lists(WRITE, min_size=2, max_size=8))
def test_rollups_equal_the_raw_values_after_any_sequence_of_writes(rolled, writes):
    world = rolled
    with transaction.atomic():
        for write in writes:
            try:
                with transaction.atomic():
                    _write(world, write)
            except ValidationError:
                pass  # refused (e.g. a month outside C's agreement): nothing was written
            _assert_rollups_equal_raw(world)
        tally(f"approved figures: {min(ApprovedFigure.objects.count() // 4, 3)}+ months")
        tally(f"stock spans: {min(PlanStockSpan.objects.count(), 3)}+")
        transaction.set_rollback(True)
    world.sub_a.refresh_from_db()


def _write(world, write):
    kind, *args = write
    if kind == "approve":
        sub, month, base = args
        _approve(world, world.subs[sub], MONTHS[month], base)
    elif kind == "submit":
        sub, month, base = args
        _submit(world, world.subs[sub], MONTHS[month], base)
    elif kind == "reopen":
        sub, month = args
        _reopen(world, world.subs[sub], MONTHS[month])
    elif kind == "import":
        sub, month, base = args
        _import(world, world.subs[sub], MONTHS[month], base)
    elif kind == "approve_all":
        _approve_all_submitted(world)
    elif kind == "reform":
        _reform(world)
    else:
        rollups.rollups_rebuild()  # what a restore and the bulk loads do


def test_approval_and_reopen_move_the_figures_in_and_out_of_the_rollups(rolled):
    world = rolled
    _approve(world, world.sub_a, MONTHS[0], 12)
    _approve(world, world.sub_b, MONTHS[0], 8)
    total = PlanMonthTotal.objects.get(plan=world.plan, indicator=world.patrol, month=MONTHS[0])
    assert (total.value_sum, total.value_count) == (20, 2)
    assert ApprovedFigure.objects.filter(sub_agreement=world.sub_a).count() == 4
    assert PlanStockSpan.objects.get(indicator=world.vneid).level_sum == 1012 + 1008
    _reopen(world, world.sub_a, MONTHS[0])
    total.refresh_from_db()
    assert (total.value_sum, total.value_count) == (8, 1)
    assert not ApprovedFigure.objects.filter(sub_agreement=world.sub_a).exists()
    assert PlanStockSpan.objects.get(indicator=world.vneid).level_sum == 1008
    _assert_rollups_equal_raw(world)


def test_a_later_stock_month_splits_the_units_span(rolled):
    world = rolled
    _approve(world, world.sub_a, MONTHS[0], 1)
    _approve(world, world.sub_a, MONTHS[3], 2)
    spans = set(
        PlanStockSpan.objects.filter(indicator=world.vneid, units__gt=0).values_list(
            "since", "until", "level_sum"
        )
    )
    assert spans == {(MONTHS[0], MONTHS[3], 1001), (MONTHS[3], D(9999, 12, 1), 1002)}
    _assert_rollups_equal_raw(world)


def test_rebuild_command_verifies_and_repairs(rolled):
    world = rolled
    _approve(world, world.sub_a, MONTHS[0], 12)
    out = io.StringIO()
    call_command("rollups_rebuild", "--verify", stdout=out)
    assert "equal" in out.getvalue()
    PlanMonthTotal.objects.filter(indicator=world.patrol).update(value_sum=999)
    with pytest.raises(CommandError, match="1 difference"):
        call_command("rollups_rebuild", "--verify", stdout=io.StringIO())
    call_command("rollups_rebuild", stdout=io.StringIO())
    call_command("rollups_rebuild", "--verify", stdout=io.StringIO())
    assert (
        selectors.province_progress(
            plan=world.plan,
            period=calendar.period_parse("plan", plan=world.plan),
            scope=user_scope(world.leader),
        )
        .rows[0]
        .achieved
        == 12
    )


def test_provisional_figures_still_come_from_the_raw_values(rolled):
    world = rolled
    _approve(world, world.sub_a, MONTHS[0], 12)
    _submit(world, world.sub_b, MONTHS[0], 5)
    progress = selectors.province_progress(
        plan=world.plan,
        period=calendar.period_parse("plan", plan=world.plan),
        scope=user_scope(world.leader),
        include_provisional=True,
    )
    patrol = progress.rows[0]
    assert (patrol.achieved, patrol.provisional) == (17, True)
