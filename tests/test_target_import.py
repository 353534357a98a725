"""Provincial staff set the plan's targets from one Excel file in the administration
(django-import-export's upload → preview → confirm), audited, idempotent, all or nothing."""

import csv
import io
import unicodedata
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from activities.models import MonthlyReport
from agreements.models import Indicator, Target
from agreements.resources import IndicatorResource, TargetResource
from audit.models import AuditEvent
from tests import factories as f
from tests.excel_helpers import INDICATOR_HEADERS

HEADERS = ["Mã thỏa thuận", "Mã chỉ tiêu", "Năm", "Chỉ tiêu giao"]
XLSX, CSV = "0", "1"  # positions in the admin's import_formats


@pytest.fixture
def staff(world):
    """Provincial staff with the admin rights the role gate gives them (another change)."""
    user = world.staff
    user.is_staff = True
    user.save()
    user.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label="agreements",
            codename__in=[
                "view_target",
                "add_target",
                "change_target",
                "view_indicator",
                "change_indicator",
                "add_indicator",
            ],
        )
    )
    return user


def xlsx_file(rows, *, name="chi-tieu.xlsx", headers=HEADERS):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(headers)
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def csv_file(rows, *, name="chi-tieu.csv"):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADERS)
    for row in rows:
        writer.writerow(["" if cell is None else cell for cell in row])
    return SimpleUploadedFile(name, ("\ufeff" + buffer.getvalue()).encode("utf-8"))


def good_rows(world):
    """Both districts and the plan, every indicator, 2024 and the whole plan."""
    rows = []
    for agreement in (world.sub_a, world.sub_b, world.plan):
        for number, indicator in enumerate(world.indicators, start=1):
            value = 80 if indicator.is_ratio else 100 * number
            rows.append((agreement.code, indicator.code, 2024, value))
            rows.append(
                (agreement.code, indicator.code, None, value * (1 if indicator.is_ratio else 3))
            )
    return rows


def target_snapshot():
    return list(
        Target.objects.order_by("agreement_id", "indicator_id", "year").values_list(
            "agreement__code", "indicator__code", "year", "value"
        )
    )


def preview(client, upload, *, fmt=XLSX, model="target"):
    return client.post(
        reverse(f"admin:agreements_{model}_import"),
        {"import_file": upload, "format": fmt, "resource": "0"},
    )


def confirm(client, preview_response, *, model="target"):
    confirm_form = preview_response.context["confirm_form"]
    assert confirm_form is not None, preview_response.content.decode()
    data = {name: confirm_form[name].value() for name in confirm_form.fields}
    return client.post(reverse(f"admin:agreements_{model}_process_import"), data)


def import_through_admin(client, upload, *, fmt=XLSX, model="target"):
    response = preview(client, upload, fmt=fmt, model=model)
    assert response.status_code == 200
    return confirm(client, response, model=model)


@pytest.mark.parametrize("fmt", [XLSX, CSV])
def test_staff_imports_targets_with_preview_then_confirm_and_each_is_audited(
    client, world, staff, fmt
):
    client.force_login(staff)
    rows = good_rows(world)
    upload = xlsx_file(rows) if fmt == XLSX else csv_file(rows)

    response = preview(client, upload, fmt=fmt)
    page = response.content.decode()
    assert "Xem trước" in page and "Xác nhận nhập" in page
    assert Target.objects.count() == 0, "the preview writes nothing"

    response = confirm(client, response)
    assert response.status_code == 302
    assert Target.objects.count() == len(rows) == 24
    assert Target.objects.get(
        agreement=world.sub_b, indicator=world.mediation, year=2024
    ).value == Decimal(200)
    assert Target.objects.get(agreement=world.plan, indicator=world.online, year=None).value == 80
    events = AuditEvent.objects.filter(object_type="agreements.target")
    assert events.count() == len(rows)
    event = events.get(
        object_id=str(
            Target.objects.get(agreement=world.sub_a, indicator=world.patrol, year=2024).pk
        )
    )
    assert event.action == AuditEvent.Action.IMPORT and event.actor == staff
    assert event.before == {} and event.after["value"] == "100"
    assert "chi-tieu" in event.reason
    messages = [str(m) for m in response.wsgi_request._messages]
    assert any("24" in m for m in messages), messages


def test_importing_the_same_file_again_changes_nothing(client, world, staff):
    client.force_login(staff)
    rows = good_rows(world)
    import_through_admin(client, xlsx_file(rows))
    targets, events = target_snapshot(), AuditEvent.objects.count()

    response = preview(client, xlsx_file(rows))
    # Every row shows as skipped (report_skipped) and none as new or changed.
    assert response.context["result"].totals["skip"] == len(rows)
    assert (
        response.context["result"].totals["new"] == response.context["result"].totals["update"] == 0
    )
    confirm(client, response)

    assert target_snapshot() == targets
    assert AuditEvent.objects.count() == events


def test_changed_row_updates_in_place_and_the_audit_has_before_and_after(client, world, staff):
    client.force_login(staff)
    rows = good_rows(world)
    import_through_admin(client, xlsx_file(rows))
    target = Target.objects.get(agreement=world.sub_a, indicator=world.patrol, year=2024)
    rows[0] = (world.sub_a.code, "TUAN_TRA", 2024, "1.800")  # Vietnamese thousands separator

    import_through_admin(client, csv_file(rows), fmt=CSV)

    assert Target.objects.count() == len(rows)
    target.refresh_from_db()
    assert target.value == 1800
    event = AuditEvent.objects.filter(object_id=str(target.pk)).latest("pk")
    assert event.before == {"value": "100.00"} and event.after == {"value": "1800"}


@pytest.mark.parametrize(
    ("bad_row", "message"),
    [
        (("{sub_a}", "TUAN_TRA", 2024, -5), "Dòng 3: Chỉ tiêu giao không được âm."),
        (("{sub_a}", "KHONG_CO", 2024, 5), "Dòng 3: Kế hoạch không có chỉ tiêu mã “KHONG_CO”."),
        (("QC-KHONG_CO", "TUAN_TRA", 2024, 5), "Dòng 3: Không có thỏa thuận mã “QC-KHONG_CO”."),
        (("{sub_a}", "DVC_TT", 2024, 120), "Dòng 3: DVC_TT là tỷ lệ phần trăm"),
        (("{sub_a}", "TUAN_TRA", 2030, 5), "Dòng 3: Năm 2030 nằm ngoài thời hạn"),
        (("{sub_a}", "TUAN_TRA", 2024, "nhiều"), "Dòng 3: “nhiều” không phải là số."),
        (
            ("{sub_a}", "HOA_GIAI", 2024, 7),
            "Dòng 3: Dòng 2 có cùng «Mã thỏa thuận», «Mã chỉ tiêu», «Năm».",
        ),
    ],
)
def test_a_bad_row_is_named_in_vietnamese_and_nothing_is_written(
    client, world, staff, bad_row, message
):
    client.force_login(staff)
    f.TargetFactory(agreement=world.sub_b, indicator=world.patrol, year=2024, value=10)
    before, events = target_snapshot(), AuditEvent.objects.count()
    good = (world.sub_a.code, "HOA_GIAI", 2024, 7)  # valid on its own: must not be written
    bad = tuple(
        cell.format(sub_a=world.sub_a.code) if isinstance(cell, str) else cell for cell in bad_row
    )
    upload = xlsx_file([good, bad, (world.sub_b.code, "TUAN_TRA", 2024, 99)])

    response = preview(client, upload)

    page = response.content.decode()
    assert "Một số dòng không hợp lệ" in page
    assert message in page, page
    # The row number is the one Excel shows in its margin (the header is row 1).
    assert [row.number for row in response.context["result"].invalid_rows] == [3]
    assert response.context.get("confirm_form") is None, "no way to confirm a file with errors"
    assert target_snapshot() == before
    assert AuditEvent.objects.count() == events


def test_a_row_that_breaks_between_preview_and_confirm_writes_nothing(client, world, staff):
    """The confirm step re-validates; a validation error then rolls back every row."""
    client.force_login(staff)
    rows = [(world.sub_a.code, "TUAN_TRA", 2024, 5), (world.sub_a.code, "DVC_TT", 2024, 90)]
    response = preview(client, xlsx_file(rows))
    # Meanwhile someone turns the second indicator into a percentage… of something else.
    Indicator.objects.filter(pk=world.online.pk).update(plan=f.PlanFactory())
    confirm(client, response)
    assert target_snapshot() == []
    assert not AuditEvent.objects.filter(object_type="agreements.target").exists()


def test_a_file_without_the_target_column_is_refused_in_vietnamese(client, world, staff):
    client.force_login(staff)
    upload = xlsx_file([(world.sub_a.code, "TUAN_TRA", 2024)], headers=HEADERS[:3])
    page = preview(client, upload).content.decode()
    assert "Tệp không có cột «Chỉ tiêu giao»" in page
    assert target_snapshot() == []


def _exported_rows(response) -> list[list]:
    sheet = load_workbook(io.BytesIO(response.content)).active
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


def _export(client, model, resource_class, fmt=XLSX):
    data = {"format": fmt, "resource": "0"}
    for field in resource_class().fields:
        data[f"{resource_class.__name__.lower()}_{field}"] = "on"
    response = client.post(reverse(f"admin:agreements_{model}_export"), data)
    assert response.status_code == 200, response.content[:500]
    return response


def test_target_and_indicator_exports_neutralise_formulas_and_keep_numbers_numeric(
    client, world, staff
):
    client.force_login(staff)
    world.sub_a.org_unit.name = '=HYPERLINK("http://x")'
    world.sub_a.org_unit.save()
    f.TargetFactory(agreement=world.sub_a, indicator=world.patrol, year=2024, value=1800)
    Indicator.objects.filter(pk=world.patrol.pk).update(name="+cmd|' /C calc'!A0")
    Indicator.objects.filter(pk=world.mediation.pk).update(name="@SUM(1+1)")
    Indicator.objects.filter(pk=world.vneid.pk).update(name="\t=1+1", name_en="-2+3+cmd|x")

    targets = _exported_rows(_export(client, "target", TargetResource))
    header, row = targets[0], targets[1]
    assert header[:4] == ["Mã thỏa thuận", "Đơn vị", "Mã chỉ tiêu", "Tên chỉ tiêu"]
    assert row[1] == '\'=HYPERLINK("http://x")'
    assert row[3] == "'+cmd|' /C calc'!A0"
    assert row[header.index("Chỉ tiêu giao")] == 1800  # a number, not text
    assert row[header.index("Năm")] == 2024

    indicators = _exported_rows(_export(client, "indicator", IndicatorResource))
    names = {r[1]: r for r in indicators[1:]}
    assert names["HOA_GIAI"][3] == "'@SUM(1+1)"
    assert names["VNEID"][3] == "'\t=1+1" and names["VNEID"][4] == "'-2+3+cmd|x"
    assert names["VNEID"][indicators[0].index("Thứ tự")] == 3

    # csv too, and the numbers stay plain numbers there.
    text = _export(client, "target", TargetResource, fmt=CSV).content.decode("utf-8-sig")
    cells = list(csv.reader(io.StringIO(text)))[1]
    assert cells[1].startswith("'=") and cells[-1] == "1800"


def test_an_exported_target_file_imports_back_without_changes(client, world, staff):
    client.force_login(staff)
    import_through_admin(client, xlsx_file(good_rows(world)))
    before, events = target_snapshot(), AuditEvent.objects.count()
    exported = _export(client, "target", TargetResource).content
    response = preview(client, SimpleUploadedFile("xuat.xlsx", exported))
    assert response.context["result"].totals["skip"] == len(before)
    confirm(client, response)
    assert target_snapshot() == before and AuditEvent.objects.count() == events


def test_staff_imports_indicators_by_plan_and_code(client, world, staff):
    client.force_login(staff)
    headers = INDICATOR_HEADERS
    rows = [
        (world.plan.code, "TUAN_TRA", 1, "Ca tuần tra ban đêm (sửa)", "", "ca", "sum", "", "", 1),
        # NFD input is stored as NFC.
        (
            world.plan.code,
            "MOI",
            2,
            unicodedata.normalize("NFD", "Chỉ tiêu mới"),
            "",
            "buổi",
            "sum",
            "",
            "",
            9,
        ),
    ]
    import_through_admin(client, xlsx_file(rows, headers=headers), model="indicator")
    assert (
        Indicator.objects.get(plan=world.plan, code="TUAN_TRA").name == "Ca tuần tra ban đêm (sửa)"
    )
    new = Indicator.objects.get(plan=world.plan, code="MOI")
    assert new.task == world.tasks[1]
    assert AuditEvent.objects.filter(object_type="agreements.indicator").count() == 2


def test_approved_figures_export_from_the_read_only_monthly_reports_admin(client, world):
    world.admin.is_staff = world.admin.is_superuser = True
    world.admin.save()
    approved = f.MonthlyReportFactory(
        sub_agreement=world.sub_a, month=world.month, status=MonthlyReport.Status.APPROVED
    )
    f.ActivityValueFactory(report=approved, indicator=world.patrol, value=12, comment="=1+2")
    draft = f.MonthlyReportFactory(sub_agreement=world.sub_b, month=world.month)
    f.ActivityValueFactory(report=draft, indicator=world.patrol, value=99)
    client.force_login(world.admin)

    from activities.resources import ApprovedValueResource

    data = {"format": "0", "resource": "0"}
    for field in ApprovedValueResource().fields:
        data[f"approvedvalueresource_{field}"] = "on"
    response = client.post(reverse("admin:activities_monthlyreport_export"), data)

    rows = _exported_rows(response)
    assert rows[0] == [
        "Mã đơn vị",
        "Đơn vị",
        "Tháng",
        "Mã chỉ tiêu",
        "Chỉ tiêu",
        "Giá trị",
        "Tử số",
        "Mẫu số",
        "Ghi chú",
    ]
    assert rows[1:] == [
        [
            "A",
            "Huyện Anh Sơn",
            "03/2024",
            "TUAN_TRA",
            "Ca tuần tra ban đêm",
            12,
            None,
            None,
            "'=1+2",
        ]
    ]
    # Still read-only: no add, no change.
    assert client.get(reverse("admin:activities_monthlyreport_add")).status_code == 403


def test_a_district_officer_cannot_reach_the_admin_import(client, world):
    client.force_login(world.officer_a)
    url = reverse("admin:agreements_target_import")
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
    upload = xlsx_file([(world.sub_a.code, "TUAN_TRA", 2024, 5)])
    assert client.post(url, {"import_file": upload, "format": XLSX}).status_code == 302
    assert target_snapshot() == []


def test_staff_without_change_rights_cannot_import(client, world):
    from django.contrib.auth.models import Permission

    clerk = f.UserFactory(username="tinhdoan.xem", is_staff=True)
    f.MembershipFactory(user=clerk, org_unit=world.province, role="provincial_staff")
    clerk.user_permissions.add(Permission.objects.get(codename="view_target"))
    client.force_login(clerk)
    assert client.get(reverse("admin:agreements_target_changelist")).status_code == 200
    assert client.get(reverse("admin:agreements_target_import")).status_code == 403


def test_leadership_cannot_reach_the_admin_import_even_with_is_staff(client, world):
    world.leader.is_staff = True
    world.leader.save()
    client.force_login(world.leader)
    response = client.get(reverse("admin:agreements_target_import"))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def _districts_with_targets(world, count: int) -> None:
    for n in range(count):
        unit = f.OrgUnitFactory(code=f"X{n}", parent=world.province)
        sub_agreement = f.SubAgreementFactory(parent=world.plan, org_unit=unit, code=f"QC-X{n}")
        for indicator in world.indicators:
            f.TargetFactory(agreement=sub_agreement, indicator=indicator, year=2024, value=n)


@pytest.mark.parametrize("districts", [1, 6])
def test_target_export_takes_a_fixed_number_of_queries(
    client, world, staff, districts, django_assert_max_num_queries
):
    _districts_with_targets(world, districts)
    client.force_login(staff)
    # Session, user, permissions, count for the form, the targets: not one query per row.
    with django_assert_max_num_queries(12):
        rows = _exported_rows(_export(client, "target", TargetResource))
    assert len(rows) == 1 + districts * len(world.indicators)


def test_import_costs_a_bounded_number_of_queries_per_row(world, django_assert_max_num_queries):
    """django-import-export saves row by row (a savepoint each); our lookups are cached, so a
    row costs the same few queries whatever the size of the file."""
    import tablib

    def import_rows(count):
        agreements = [f.SubAgreementFactory(parent=world.plan) for _ in range(count)]
        dataset = tablib.Dataset(
            *[(a.code, i.code, 2024, 5) for a in agreements for i in world.indicators],
            headers=HEADERS,
        )
        with django_assert_max_num_queries(10 + 8 * len(dataset)):
            result = TargetResource().import_data(dataset, user=world.staff, file_name="x.xlsx")
        assert result.totals["new"] == len(dataset)

    import_rows(1)
    import_rows(5)


def test_baseline_export_neutralises_the_note(client, world):
    import datetime as dt

    from agreements.models import Baseline
    from agreements.resources import BaselineResource

    world.admin.is_staff = world.admin.is_superuser = True
    world.admin.save()
    Baseline.objects.create(
        agreement=world.plan,
        indicator=world.vneid,
        value=Decimal("1250.5"),
        as_of=dt.date(2023, 5, 23),
        note="-1+1 theo báo cáo",
    )
    client.force_login(world.admin)
    rows = _exported_rows(_export(client, "baseline", BaselineResource))
    assert rows[1][:3] == [world.plan.code, "VNEID", 1250.5]
    assert rows[1][4] == "'-1+1 theo báo cáo"


def test_blank_rows_are_skipped_and_headers_in_nfd_still_match(client, world, staff):
    client.force_login(staff)
    headers = [unicodedata.normalize("NFD", header) + " " for header in HEADERS]
    rows = [
        (world.sub_a.code, "TUAN_TRA", 2024, 5),
        (None, None, None, None),
        (world.sub_a.code, "HOA_GIAI", 2024, 6),
    ]
    import_through_admin(client, xlsx_file([*rows, (None, None, None, None)], headers=headers))
    assert target_snapshot() == [
        (world.sub_a.code, "TUAN_TRA", 2024, 5),
        (world.sub_a.code, "HOA_GIAI", 2024, 6),
    ]

    # After a blank row the row numbers are still Excel's.
    response = preview(client, xlsx_file([*rows, (world.sub_a.code, "TUAN_TRA", 2024, -1)]))
    assert [row.number for row in response.context["result"].invalid_rows] == [5]
    assert "Dòng 5: Chỉ tiêu giao không được âm." in response.content.decode()


def test_an_exported_indicator_file_imports_back_without_changes(client, world, staff):
    client.force_login(staff)
    Indicator.objects.filter(pk=world.patrol.pk).update(name="=tên bắt đầu bằng dấu bằng")
    before = list(Indicator.objects.order_by("pk").values())
    exported = _export(client, "indicator", IndicatorResource).content
    response = preview(client, SimpleUploadedFile("chi-tieu.xlsx", exported), model="indicator")
    assert response.context["result"].totals["skip"] == len(before)
    confirm(client, response, model="indicator")
    assert list(Indicator.objects.order_by("pk").values()) == before
    assert not AuditEvent.objects.filter(object_type="agreements.indicator").exists()


def test_the_import_and_export_pages_read_in_vietnamese(client, world, staff):
    client.force_login(staff)
    page = client.get(reverse("admin:agreements_target_import")).content.decode()
    assert "Tệp cần nhập" in page and "Tải lên và xem trước" in page
    page = client.get(reverse("admin:agreements_target_export")).content.decode()
    assert "Định dạng" in page and 'value="Xuất ra tệp"' in page
    assert "Gửi báo cáo" not in page and "style=" not in page.split('id="content"')[1]
    changelist = client.get(reverse("admin:agreements_target_changelist")).content.decode()
    assert "Nhập từ tệp" in changelist and "Xuất ra tệp" in changelist
