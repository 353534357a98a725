"""The housing register's writes: status steps, data rules, audit without personal data,
retention and data-subject requests, and the NHA pre-fill."""

import datetime as dt
import io
import json

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import IntegrityError, transaction

from activities.models import MonthlyReport
from activities.prefill import month_prefill
from agreements.selectors import user_scope
from audit.models import AuditEvent
from housing import services
from housing.models import House, Household, PersonalDataAccess
from housing.services import HouseholdInput, HouseInput
from tests import factories as f
from tests.conftest import VIETNAM
from tests.housing_helpers import (
    HEAD_NAME,
    ID_NUMBER,
    PHONE,
    add_house,
    advance,
    hand_over,
)

D = dt.date


def test_a_house_steps_forward_one_at_a_time_with_its_dates(housing):
    house = add_house(housing, planned_completion=D(2024, 12, 31))
    assert house.status == "planned"
    house = hand_over(
        housing, house, started=D(2024, 9, 2), completed=D(2024, 11, 20), handed=D(2024, 12, 5)
    )
    house.refresh_from_db()
    assert (house.status, house.started_on, house.completed_on, house.handed_over_on) == (
        "handed_over",
        D(2024, 9, 2),
        D(2024, 11, 20),
        D(2024, 12, 5),
    )
    events = AuditEvent.objects.about("housing.house", house.pk).order_by("at", "id")
    assert [(e.status_before, e.status_after) for e in events] == [
        ("", "planned"),
        ("planned", "building"),
        ("building", "completed"),
        ("completed", "handed_over"),
    ]


def test_a_step_cannot_be_skipped_nor_taken_back(housing):
    house = add_house(housing)
    with pytest.raises(ValidationError, match="từng bước"):
        advance(housing, house, ("completed", D(2024, 11, 1)))
    house = advance(housing, house, ("building", D(2024, 9, 1)))
    with pytest.raises(ValidationError, match="từng bước"):
        advance(housing, house, ("planned", D(2024, 9, 1)))
    house.refresh_from_db()
    assert house.status == "building"


def test_a_step_is_not_dated_in_the_future_nor_before_the_previous_one(housing):
    house = add_house(housing)
    with pytest.raises(ValidationError, match="16/01/2025"):
        advance(housing, house, ("building", D(2025, 1, 16)))
    house = advance(housing, house, ("building", D(2024, 9, 10)))
    with pytest.raises(ValidationError, match="10/09/2024"):
        advance(housing, house, ("completed", D(2024, 9, 9)))
    house.refresh_from_db()
    assert (house.status, house.completed_on) == ("building", None)


def test_the_database_refuses_incoherent_statuses_and_negative_amounts(housing):
    house = add_house(housing, household=False)
    for change in (
        {"status": "completed"},
        {"status": "planned", "started_on": D(2024, 1, 1)},
        {"amount": -1},
        {"funding_source": "other", "funding_name": ""},
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            House.objects.filter(pk=house.pk).update(**change)
    with pytest.raises(IntegrityError), transaction.atomic():
        House.objects.filter(pk=house.pk).update(
            status="completed", started_on=D(2024, 5, 1), completed_on=D(2024, 4, 1)
        )
    household = Household.objects.create(
        house=house, basis="legal_duty", retention_until=D(2030, 12, 31)
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Household.objects.filter(pk=household.pk).update(id_number="04012345678X")
    with pytest.raises(IntegrityError), transaction.atomic():
        Household.objects.filter(pk=household.pk).update(basis="consent", consent_on=None)


def test_the_citizen_id_has_twelve_digits_and_consent_needs_its_date(housing):
    with pytest.raises(ValidationError) as error:
        services.house_create(
            user=housing.officer_a,
            scope=user_scope(housing.officer_a),
            sub_agreement=housing.sub_a,
            data=HouseInput(commune="Xã Tường Sơn"),
            household=HouseholdInput(head_name=HEAD_NAME, id_number="12345", basis="consent"),
        )
    assert "12 chữ số" in str(error.value.message_dict["id_number"])
    assert "consent_on" in error.value.message_dict
    assert not House.objects.exists()  # nothing half-written
    house = add_house(housing)
    assert house.household.id_number == ID_NUMBER


def test_spaced_id_numbers_are_stored_as_digits(housing):
    house = services.house_create(
        user=housing.officer_a,
        scope=user_scope(housing.officer_a),
        sub_agreement=housing.sub_a,
        data=HouseInput(commune="Xã Tường Sơn"),
        household=HouseholdInput(head_name=HEAD_NAME, id_number="0401 2345 6789"),
    )
    assert house.household.id_number == ID_NUMBER


def test_retention_defaults_to_plan_end_plus_the_setting(housing, settings):
    settings.HOUSEHOLD_RETENTION_YEARS = 5
    house = add_house(housing)
    assert house.household.retention_until == D(2030, 12, 31)  # plan ends 31/12/2025


def test_the_audit_trail_names_changed_fields_never_personal_values(housing):
    house = add_house(housing)
    services.house_update(
        user=housing.officer_a,
        scope=user_scope(housing.officer_a),
        house=house,
        data=HouseInput(commune="Xã Tường Sơn", village="Bản Mới"),
        household=HouseholdInput(
            head_name="Lô Thị Mai", id_number=ID_NUMBER, phone=PHONE, basis="legal_duty"
        ),
    )
    trail = json.dumps(
        list(AuditEvent.objects.values("before", "after", "reason")), ensure_ascii=False
    )
    for secret in (HEAD_NAME, "Lô Thị Mai", ID_NUMBER, PHONE):
        assert secret not in trail
    corrected = AuditEvent.objects.about("housing.household", house.household.pk).first()
    assert corrected.after["changed_fields"] == ["head_name"]
    assert PersonalDataAccess.objects.filter(action="correct").count() == 2  # created, corrected


def test_leadership_and_viewers_cannot_write_nor_touch_personal_data(housing):
    with pytest.raises(PermissionDenied):
        add_house(housing, user=housing.leader)
    with pytest.raises(PermissionDenied):
        add_house(housing, user=housing.viewer_a)
    with pytest.raises(PermissionDenied):
        add_house(housing, user=housing.officer_b)  # another unit's sub-agreement
    house = add_house(housing)
    for user in (housing.leader, housing.viewer_a):
        with pytest.raises(PermissionDenied):
            services.household_read(user=user, scope=user_scope(user), house=house, action="view")
    assert not PersonalDataAccess.objects.filter(action="view").exists()


def test_deleting_a_house_counted_in_an_approved_month_is_refused(housing):
    house = hand_over(
        housing,
        add_house(housing),
        started=D(2024, 1, 10),
        completed=D(2024, 3, 12),
        handed=D(2024, 3, 20),
    )
    f.MonthlyReportFactory(
        sub_agreement=housing.sub_a, month=D(2024, 3, 1), status=MonthlyReport.Status.APPROVED
    )
    with pytest.raises(ValidationError, match="03/2024"):
        services.house_delete(
            user=housing.officer_a, scope=user_scope(housing.officer_a), house=house
        )
    assert House.objects.filter(pk=house.pk).exists()
    planned = add_house(housing, household=False)
    services.house_delete(
        user=housing.officer_a, scope=user_scope(housing.officer_a), house=planned
    )
    assert not House.objects.filter(pk=planned.pk).exists()


def test_the_nha_figure_is_prefilled_from_the_months_completions(housing):
    for completed in (D(2024, 3, 1), D(2024, 3, 31), D(2024, 4, 1)):
        hand_over(
            housing,
            add_house(housing, household=False),
            started=D(2024, 1, 5),
            completed=completed,
            handed=D(2024, 4, 2),
        )
    advance(housing, add_house(housing, household=False), ("building", D(2024, 3, 5)))
    add_house(housing, sub=housing.sub_b, user=housing.officer_b, household=False)
    prefill = month_prefill(sub_agreement=housing.sub_a, month=D(2024, 3, 1))
    nha = prefill[housing.nha.pk]
    assert (nha.value, nha.sources, nha.labels) == (2, 2, ("từ 2 căn nhà",))
    assert housing.nha.pk not in month_prefill(sub_agreement=housing.sub_b, month=D(2024, 3, 1))


def test_the_prefill_costs_the_same_however_many_houses(housing, django_assert_max_num_queries):
    for _n in range(5):
        hand_over(
            housing,
            add_house(housing, household=False),
            started=D(2024, 1, 5),
            completed=D(2024, 3, 10),
            handed=D(2024, 3, 11),
        )
    with django_assert_max_num_queries(2):
        month_prefill(sub_agreement=housing.sub_a, month=D(2024, 3, 1))


# --- Data-subject requests and retention -----------------------------------------------------


def test_a_household_under_a_legal_duty_is_not_deleted_before_its_retention_date(housing):
    house = add_house(housing)
    with pytest.raises(ValidationError, match="31/12/2030"):
        services.household_anonymise(
            user=housing.officer_a,
            scope=user_scope(housing.officer_a),
            house=house,
            reason="Ông Thảnh đề nghị xóa",
        )
    house.household.refresh_from_db()
    assert house.household.head_name == HEAD_NAME


def test_a_household_that_withdraws_consent_is_anonymised_and_logged(housing):
    house = services.house_create(
        user=housing.officer_a,
        scope=user_scope(housing.officer_a),
        sub_agreement=housing.sub_a,
        data=HouseInput(commune="Xã Tường Sơn"),
        household=HouseholdInput(
            head_name=HEAD_NAME, id_number=ID_NUMBER, basis="consent", consent_on=D(2024, 5, 2)
        ),
    )
    household = services.household_anonymise(
        user=housing.officer_a,
        scope=user_scope(housing.officer_a),
        house=house,
        reason="Rút lại sự đồng ý",
    )
    assert (household.head_name, household.id_number, household.phone) == ("", "", "")
    assert household.anonymised_at is not None
    log = PersonalDataAccess.objects.get(action="anonymise")
    assert (log.user, log.household_ids) == (housing.officer_a, [household.pk])


def test_the_data_subject_export_holds_the_household_and_is_logged(housing):
    house = add_house(housing)
    data = services.household_export(
        user=housing.staff, scope=user_scope(housing.staff), house=house
    )
    assert (data["head_name"], data["id_number"], data["house"]["village"]) == (
        HEAD_NAME,
        ID_NUMBER,
        "Bản Huồi Tụ",
    )
    log = PersonalDataAccess.objects.get(action="subject_export")
    assert (log.user, log.household_ids) == (housing.staff, [house.household.pk])


def _anonymise_command() -> str:
    out = io.StringIO()
    call_command("housing_anonymise", stdout=out)
    return out.getvalue()


def test_the_command_anonymises_only_households_past_their_retention_date(housing, settings):
    settings.HOUSEHOLD_RETENTION_YEARS = 5
    kept = add_house(housing).household
    expired = add_house(housing, village="Bản Cũ").household
    Household.objects.filter(pk=expired.pk).update(retention_until=D(2029, 6, 30))
    with time_machine.travel(dt.datetime(2029, 6, 30, 23, 0, tzinfo=VIETNAM)):
        assert "0" in _anonymise_command()  # the retention day itself is still kept
    with time_machine.travel(dt.datetime(2029, 7, 1, 0, 30, tzinfo=VIETNAM)):
        # 00:30 in Vietnam is still 30/06 in UTC: the local day counts.
        assert "1" in _anonymise_command()
        assert "0" in _anonymise_command()  # idempotent
    expired.refresh_from_db()
    kept.refresh_from_db()
    assert (expired.head_name, expired.id_number, expired.phone) == ("", "", "")
    assert kept.head_name == HEAD_NAME
    with time_machine.travel(dt.datetime(2031, 1, 1, 8, 0, tzinfo=VIETNAM)):
        _anonymise_command()
    kept.refresh_from_db()
    assert kept.anonymised_at is not None and kept.head_name == ""
    log = PersonalDataAccess.objects.filter(action="anonymise").order_by("at")
    assert [row.household_ids for row in log] == [[expired.pk], [kept.pk]]


# --- Province view --------------------------------------------------------------------------


def test_province_progress_groups_by_former_district_current_unit_and_funding(housing):
    from agreements.models import OrgUnit, UnitSuccession
    from housing.selectors import HouseFilters, house_list, province_housing

    reform = D(2025, 7, 1)
    commune_1 = f.OrgUnitFactory(code="C1", name="Xã Anh Sơn", kind=OrgUnit.Kind.COMMUNE)
    commune_2 = f.OrgUnitFactory(code="C2", name="Xã Anh Sơn Đông", kind=OrgUnit.Kind.COMMUNE)
    for commune in (commune_1, commune_2):
        UnitSuccession.objects.create(predecessor=housing.unit_a, successor=commune, on=reform)
    sub_c2 = f.SubAgreementFactory(
        parent=housing.plan, org_unit=commune_2, start_date=reform, end_date=D(2025, 12, 31)
    )
    # District A's house now lies in commune 1; commune 2 reports its own house.
    moved = add_house(housing, current_unit_id=commune_1.pk, planned_completion=D(2024, 6, 30))
    hand_over(
        housing,
        add_house(housing, sub=sub_c2, user=housing.staff, funding_source="province"),
        started=D(2024, 5, 1),
        completed=D(2024, 8, 1),
        handed=D(2024, 8, 2),
        user=housing.staff,
    )
    add_house(
        housing,
        sub=housing.sub_b,
        user=housing.officer_b,
        funding_source="other",
        funding_name="Doanh nghiệp tài trợ",
        amount=50_000_000,
    )
    progress = province_housing(plan=housing.plan, scope=user_scope(housing.leader))
    assert [(line.label, line.total, line.built) for line in progress.by_former_district] == [
        ("Huyện Anh Sơn", 2, 1),
        ("Huyện Bình Thử", 1, 0),
    ]
    assert [(line.label, line.total) for line in progress.by_current_unit] == [
        ("Huyện Bình Thử", 1),
        ("Xã Anh Sơn", 1),
        ("Xã Anh Sơn Đông", 1),
    ]
    assert [(line.key, line.total, line.amount) for line in progress.by_funding] == [
        ("ministry", 1, 60_000_000),
        ("province", 1, 60_000_000),
        ("other", 1, 50_000_000),
    ]
    assert (progress.baseline, progress.target, progress.goal, progress.achieved) == (
        1800,
        1020,
        2820,
        1801,
    )
    assert [row.pk for row in progress.late] == [moved.pk]
    assert progress.total.late == 1
    scope = user_scope(housing.leader)
    by_district = house_list(
        scope=scope, plan=housing.plan, filters=HouseFilters(former_district_id=housing.unit_a.pk)
    )
    assert by_district.total == 2
    by_unit = house_list(
        scope=scope, plan=housing.plan, filters=HouseFilters(current_unit_id=commune_1.pk)
    )
    assert [row.pk for row in by_unit.rows] == [moved.pk]
    assert by_unit.rows[0].former_district == "Huyện Anh Sơn"
    late = house_list(scope=scope, plan=housing.plan, filters=HouseFilters(late=True))
    assert [row.pk for row in late.rows] == [moved.pk]
    # A district viewer's list is its own unit's.
    own = house_list(scope=user_scope(housing.viewer_a), plan=housing.plan, filters=HouseFilters())
    assert own.total == 1


def test_the_house_list_searches_and_pages(housing):
    from housing.selectors import HouseFilters, house_list

    for n in range(30):
        add_house(housing, household=False, village=f"Bản {n:02d}")
    add_house(housing, household=False, village="Bản Huồi Tụ", note="gần suối")
    scope = user_scope(housing.officer_a)
    first = house_list(scope=scope, plan=housing.plan, filters=HouseFilters())
    assert (first.total, first.pages, len(first.rows), first.has_next) == (31, 2, 25, True)
    second = house_list(scope=scope, plan=housing.plan, filters=HouseFilters(), page=9)
    assert (second.number, len(second.rows)) == (2, 6)
    found = house_list(scope=scope, plan=housing.plan, filters=HouseFilters(search="suối"))
    assert [row.village for row in found.rows] == ["Bản Huồi Tụ"]


def test_demo_houses_are_sample_data_and_reloading_replaces_them(real_plan):
    from housing.selectors import province_housing

    out = io.StringIO()
    call_command("load_demo_houses", "--per-unit", "3", stdout=out)
    call_command("load_demo_houses", "--per-unit", "3", stdout=out)
    houses = House.objects.all()
    assert houses.count() == 21 * 3
    assert set(houses.values_list("note", flat=True)) == {"[Mẫu] Dữ liệu mẫu"}
    assert all(h.head_name.startswith("Hộ mẫu") for h in Household.objects.all())
    plan = House.objects.first().sub_agreement.parent
    progress = province_housing(plan=plan, scope=user_scope(f.UserFactory(is_superuser=True)))
    # Cửa Lò's houses count on Vinh's line (merged on 01/12/2024): 20 former districts.
    assert progress.total.total == 63 and len(progress.by_former_district) == 20
