"""`load_plan` loads the real plan from domain.md and is idempotent."""

import io

import time_machine
from django.core import serializers
from django.core.management import call_command

from agreements.models import Agency, Agreement, Baseline, Indicator, OrgUnit, Task
from tests.conftest import AFTER_PLAN


def snapshot() -> str:
    objects = [
        *OrgUnit.objects.order_by("pk"),
        *Agency.objects.order_by("pk"),
        *Agreement.objects.order_by("pk"),
        *Task.objects.order_by("pk"),
        *Indicator.objects.order_by("pk"),
        *Baseline.objects.order_by("pk"),
    ]
    return serializers.serialize("json", objects)


def test_load_plan_loads_the_nghe_an_plan(real_plan):
    plan = Agreement.objects.get(parent__isnull=True)
    assert plan.signed_on.strftime("%d/%m/%Y") == "23/05/2023"
    assert "Công an tỉnh Nghệ An" in plan.title
    signatories = set(plan.parties.values_list("signatory_name", flat=True))
    assert signatories == {"Thượng tá Trần Ngọc Tuấn", "Lê Văn Lương"}
    assert plan.sub_agreements.count() == 21
    assert plan.tasks.count() == 3
    assert Indicator.objects.filter(plan=plan).count() == 13
    assert set(Indicator.objects.values_list("aggregation", flat=True)) == {
        "sum",
        "latest",
        "ratio",
    }
    assert Baseline.objects.get(indicator__code="NHA").value == 1800
    assert OrgUnit.objects.filter(parent__code="NA").count() == 21
    assert Agency.objects.filter(kind="police").count() == 22


def test_reforms_are_data(real_plan):
    cua_lo = OrgUnit.objects.get(code="CUA_LO")
    assert cua_lo.successor.name == "Thành phố Vinh"
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
    assert Membership.objects.filter(role="district_officer").count() == 21
    assert Target.objects.filter(agreement__parent__isnull=True, year__isnull=True).count() == 13
    # Running it again replaces the sample months instead of duplicating them.
    count = MonthlyReport.objects.count()
    call_command("load_demo", "--password", "Mật-khẩu-demo-1", stdout=io.StringIO())
    assert MonthlyReport.objects.count() == count
