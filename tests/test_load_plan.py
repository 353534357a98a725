"""`load_plan` loads the real plan from domain.md and is idempotent."""

import csv
import datetime as dt
import io
import unicodedata
from pathlib import Path

import pytest
import time_machine
from django.core import serializers
from django.core.management import call_command

from agreements import plan_data
from agreements.models import (
    Agency,
    Agreement,
    Baseline,
    Indicator,
    OrgUnit,
    Task,
    UnitSuccession,
)
from agreements.selectors import former_districts
from tests.conftest import AFTER_PLAN, VIETNAM


def snapshot() -> str:
    objects = [
        *OrgUnit.objects.order_by("pk"),
        *Agency.objects.order_by("pk"),
        *Agreement.objects.order_by("pk"),
        *Task.objects.order_by("pk"),
        *Indicator.objects.order_by("pk"),
        *Baseline.objects.order_by("pk"),
        *UnitSuccession.objects.order_by("pk"),
    ]
    return serializers.serialize("json", objects)


def test_load_plan_loads_the_nghe_an_plan(real_plan):
    plan = Agreement.objects.get(parent__isnull=True)
    assert plan.signed_on.strftime("%d/%m/%Y") == "23/05/2023"
    assert "Công an tỉnh Nghệ An" in plan.title
    signatories = set(plan.parties.values_list("signatory_name", flat=True))
    assert signatories == {"Thượng tá Trần Ngọc Tuấn", "Lê Văn Lương"}
    districts, communes = len(plan_data.DISTRICTS), len(plan_data.communes_2025())
    assert plan.sub_agreements.count() == districts + communes
    assert plan.tasks.count() == 3
    assert Indicator.objects.filter(plan=plan).count() == 13
    assert set(Indicator.objects.values_list("aggregation", flat=True)) == {
        "sum",
        "latest",
        "ratio",
    }
    assert Baseline.objects.get(indicator__code="NHA").value == 1800
    assert OrgUnit.objects.filter(parent__code="NA").count() == districts + communes
    # The provincial Police, each district's and each commune's.
    assert Agency.objects.filter(kind="police").count() == 1 + districts + communes


def test_reforms_are_data(real_plan):
    cua_lo = OrgUnit.objects.get(code="CUA_LO")
    assert [u.name for u in cua_lo.successors.all()] == ["Thành phố Vinh"]
    link = UnitSuccession.objects.get(predecessor=cua_lo)
    assert link.on.isoformat() == "2024-12-01"
    assert cua_lo.valid_to.isoformat() == "2024-11-30"
    assert Agreement.objects.get(org_unit=cua_lo).end_date == cua_lo.valid_to
    assert Agency.objects.get(code="CA_VINH").valid_to.isoformat() == "2025-02-28"


def test_load_plan_twice_changes_nothing(real_plan):
    before = snapshot()
    out = io.StringIO()
    call_command("load_plan", stdout=out)
    assert snapshot() == before
    assert "nothing changed" in out.getvalue()


# The demo fills every month up to today; the counts below are those of the whole plan.
@time_machine.travel(AFTER_PLAN)
def test_load_demo_creates_sample_months_and_users(real_plan):
    from activities.models import MonthlyReport
    from agreements.models import Membership, Target

    out = io.StringIO()
    call_command("load_demo", "--password", "Mật-khẩu-demo-1", stdout=out)
    assert "Mật-khẩu-demo-1" in out.getvalue()
    assert MonthlyReport.objects.filter(is_sample=False).count() == 0
    assert MonthlyReport.objects.filter(is_sample=True, status="approved").count() > 400
    assert MonthlyReport.objects.filter(status="returned").exists()
    # An officer and a Police viewer for every district and every commune (a commune has a
    # sub-agreement in each plan, one officer for both).
    assert (
        Membership.objects.filter(role="district_officer").count()
        == Agreement.objects.filter(parent__isnull=False).values("org_unit").distinct().count()
    )
    # The communes report July–December 2025 (sample figures).
    assert MonthlyReport.objects.filter(
        sub_agreement__org_unit__kind__in=["commune", "ward"], month__gte="2025-07-01"
    ).exists()
    # 13 whole-plan targets for the plan and for the sample next plan.
    assert Target.objects.filter(agreement__parent__isnull=True, year__isnull=True).count() == 26
    # Running it again replaces the sample months instead of duplicating them.
    count = MonthlyReport.objects.count()
    call_command("load_demo", "--password", "Mật-khẩu-demo-1", stdout=io.StringIO())
    assert MonthlyReport.objects.count() == count
    assert Agreement.objects.filter(parent__isnull=True).count() == 2


@time_machine.travel(dt.datetime(2026, 3, 20, 10, 0, tzinfo=VIETNAM))
def test_load_demo_adds_a_sample_next_plan_with_the_communes_and_2026_months(real_plan):
    from activities.models import MonthlyReport
    from agreements.selectors import current_plan

    call_command("load_demo", "--password", "Mật-khẩu-demo-1", stdout=io.StringIO())
    sample = Agreement.objects.get(code="KH-2026-2030-MAU")
    assert sample.title.startswith("[Mẫu]") and sample.status == "active"
    assert current_plan() == sample
    kinds = set(sample.sub_agreements.values_list("org_unit__kind", flat=True))
    assert sample.sub_agreements.count() == 130 and kinds == {"commune", "ward"}
    assert sample.tasks.count() == 3 and sample.indicators.count() == 13
    months = set(
        MonthlyReport.objects.filter(sub_agreement__parent=sample).values_list("month", flat=True)
    )
    assert months and min(months) == dt.date(2026, 1, 1) and max(months) <= dt.date(2026, 3, 1)
    assert not MonthlyReport.objects.filter(sub_agreement__parent=sample, is_sample=False)
    # The 2023–2025 plan keeps its sample months and stays active (no final review issued).
    plan = Agreement.objects.get(code="KH-2023-2025")
    assert plan.status == "active"
    assert MonthlyReport.objects.filter(sub_agreement__parent=plan).count() > 1000


# --- The 2025 map -----------------------------------------------------------------------------

MAP_FILE = Path(__file__).resolve().parent.parent.parent / "shared" / "data"


def _map_rows() -> list[dict]:
    """The shared map as published (shared/data), not the copy the portal loads from."""
    path = MAP_FILE / "nghean_communes_2025.csv"
    if not path.exists():  # a checkout without the shared folder: the portal's own copy
        path = plan_data.COMMUNES_FILE
    with path.open(encoding="utf-8", newline="") as stream:
        return list(csv.DictReader(stream))


def test_the_real_2025_map_loads_130_units_from_01_07_2025(real_plan):
    rows = _map_rows()
    communes = OrgUnit.objects.filter(kind__in=OrgUnit.COMMUNE_LEVEL)
    assert communes.count() == len(rows) == 130
    assert communes.filter(kind="commune").count() == sum(r["kind"] == "xa" for r in rows) == 119
    assert communes.filter(kind="ward").count() == sum(r["kind"] == "phuong" for r in rows) == 11
    assert set(communes.values_list("valid_from", flat=True)) == {plan_data.COMMUNES_FROM}
    # Every district of 30/06/2025 (Cửa Lò had joined Vinh) became communes.
    ended = OrgUnit.objects.filter(kind__in=OrgUnit.DISTRICT_LEVEL, valid_to=dt.date(2025, 6, 30))
    assert ended.count() == 20
    assert all(unit.successors.filter(kind__in=OrgUnit.COMMUNE_LEVEL).exists() for unit in ended)


@pytest.mark.parametrize("row_number", [0, 17, 42, 77, 101, 129])
def test_each_commune_knows_its_former_district(real_plan, row_number):
    row = _map_rows()[row_number]
    unit = OrgUnit.objects.get(code=row["code"])
    assert unit.name == unicodedata.normalize("NFC", row["name"])
    (former,) = unit.predecessors.all()
    assert former.name.endswith(unicodedata.normalize("NFC", row["former_districts"]))
    assert former_districts([unit])[unit.pk] == former
    sub = Agreement.objects.get(org_unit=unit)
    assert (sub.start_date, sub.end_date) == (dt.date(2025, 7, 1), dt.date(2025, 12, 31))
    assert {party.agency.kind for party in sub.parties.select_related("agency")} == {
        "youth_union",
        "police",
    }


def test_anh_son_became_six_communes(real_plan):
    anh_son = OrgUnit.objects.get(code="ANH_SON")
    assert anh_son.successors.count() == 6
    lines = former_districts(OrgUnit.objects.filter(kind__in=OrgUnit.COMMUNE_LEVEL))
    assert sum(1 for line in lines.values() if line == anh_son) == 6


def test_cua_lo_months_group_with_vinh(real_plan):
    cua_lo, vinh = OrgUnit.objects.get(code="CUA_LO"), OrgUnit.objects.get(code="VINH")
    nghi_loc = OrgUnit.objects.get(code="NGHI_LOC")
    lines = former_districts([cua_lo, vinh, nghi_loc])
    # Cửa Lò merged whole; Nghi Lộc only gave four communes and went on until 30/06/2025.
    assert lines[cua_lo.pk] == vinh and lines[vinh.pk] == vinh and lines[nghi_loc.pk] == nghi_loc
