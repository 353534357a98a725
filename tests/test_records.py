"""Activity records: who writes them, which dates they take, what they count toward, and that
a record behind an approved month stays as it was approved."""

import datetime as dt
import io

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from PIL import Image

from activities.models import MonthlyReport
from activities.prefill import month_prefill
from agreements.selectors import user_scope
from audit.models import AuditEvent
from records import selectors, services
from records.models import ActivityRecord, Attachment, RecordAmount
from tests import factories as f
from tests.records_helpers import MEDIATION, add_record, photo

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_a_patrol_shift_counts_one_toward_the_patrol_indicator_by_default(world):
    record = add_record(world.officer_a, world.sub_a)
    assert dict(record.amounts.values_list("indicator__code", "amount")) == {"TUAN_TRA": 1}
    assert record.month == dt.date(2024, 3, 1)
    event = AuditEvent.objects.get(action="record_add")
    assert event.object_id == str(record.pk)
    assert event.after["amounts"] == {"TUAN_TRA": 1}
    assert event.actor == world.officer_a


def test_one_record_may_count_toward_several_indicators(world):
    record = add_record(
        world.officer_a, world.sub_a, amounts={world.patrol.pk: 2, world.mediation.pk: 1}
    )
    assert dict(record.amounts.values_list("indicator__code", "amount")) == {
        "TUAN_TRA": 2,
        "HOA_GIAI": 1,
    }


def test_a_stock_or_ratio_indicator_takes_no_amount(world):
    with pytest.raises(ValidationError) as error:
        add_record(world.officer_a, world.sub_a, amounts={world.vneid.pk: 5})
    assert "amounts" in error.value.message_dict
    assert not ActivityRecord.objects.exists()


def test_the_date_cannot_be_in_the_future_nor_outside_the_agreement(world):
    with pytest.raises(ValidationError) as error:
        add_record(world.officer_a, world.sub_a, day=dt.date(2025, 1, 20))
    assert error.value.message_dict["date"] == ["Ngày không được ở tương lai."]
    with pytest.raises(ValidationError) as error:
        add_record(world.officer_a, world.sub_a, day=dt.date(2023, 5, 31))
    assert "01/06/2023" in error.value.message_dict["date"][0]
    assert not ActivityRecord.objects.exists()


def test_an_officer_cannot_write_another_units_record_and_a_viewer_none(world):
    with pytest.raises(PermissionDenied):
        add_record(world.officer_a, world.sub_b)
    with pytest.raises(PermissionDenied):
        add_record(world.viewer_a, world.sub_a)
    with pytest.raises(PermissionDenied):
        add_record(world.leader, world.sub_a)
    # Provincial staff may write any unit's.
    assert add_record(world.staff, world.sub_b).sub_agreement == world.sub_b


def test_another_units_record_is_a_404_to_select(world):
    from django.http import Http404

    record = add_record(world.officer_b, world.sub_b)
    with pytest.raises(Http404):
        selectors.record_get(pk=record.pk, scope=user_scope(world.officer_a))
    assert selectors.record_get(pk=record.pk, scope=user_scope(world.leader)) == record


def approve(sub_agreement, month):
    return f.MonthlyReportFactory(
        sub_agreement=sub_agreement, month=month, status=MonthlyReport.Status.APPROVED
    )


def test_deleting_a_record_behind_an_approved_month_is_refused(world):
    record = add_record(world.officer_a, world.sub_a)
    approve(world.sub_a, dt.date(2024, 3, 1))
    with pytest.raises(ValidationError) as error:
        services.record_delete(
            record=record, user=world.officer_a, scope=user_scope(world.officer_a)
        )
    assert "03/2024 đã được duyệt" in error.value.messages[0]
    assert ActivityRecord.objects.filter(pk=record.pk).exists()
    assert not AuditEvent.objects.filter(action="record_delete").exists()


def update(record, user, **changes):
    fields = {
        "record_type": record.record_type,
        "date": record.date,
        "place": record.place,
        "description": record.description,
        "participants": record.participants,
        "amounts": dict(record.amounts.values_list("indicator_id", "amount")),
    }
    fields.update(changes)
    return services.record_update(record=record, user=user, scope=user_scope(user), **fields)


def test_an_approved_months_record_keeps_its_date_and_amounts_but_its_words_may_change(world):
    record = add_record(world.officer_a, world.sub_a)
    approve(world.sub_a, dt.date(2024, 3, 1))
    for change in ({"date": dt.date(2024, 4, 2)}, {"amounts": {world.patrol.pk: 3}}):
        with pytest.raises(ValidationError):
            update(record, world.officer_a, **change)
    update(record, world.officer_a, description="Tuần tra đêm, thu giữ 2 xe không giấy tờ")
    record.refresh_from_db()
    assert record.description == "Tuần tra đêm, thu giữ 2 xe không giấy tờ"
    assert record.date == dt.date(2024, 3, 12)
    event = AuditEvent.objects.get(action="record_change")
    assert set(event.after) == {"description"}


def test_a_record_of_a_month_not_approved_is_deleted_with_its_files(
    world, settings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        record = add_record(world.officer_a, world.sub_a, files=[photo()])
    attachment = record.attachments.get()
    path = settings.MEDIA_ROOT / attachment.file.name
    assert path.exists()
    with pytest.raises(PermissionDenied):
        services.record_delete(
            record=record, user=world.officer_b, scope=user_scope(world.officer_b)
        )
    with django_capture_on_commit_callbacks(execute=True):
        services.record_delete(
            record=record, user=world.officer_a, scope=user_scope(world.officer_a)
        )
    assert not ActivityRecord.objects.exists() and not Attachment.objects.exists()
    assert not path.exists()
    assert AuditEvent.objects.get(action="record_delete").before["attachments"] == ["anh.jpg"]


def test_a_stored_photo_has_no_gps_a_random_name_and_a_thumbnail(
    world, settings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        record = add_record(world.officer_a, world.sub_a, files=[photo("IMG_2024_toa-do.jpg")])
    attachment = record.attachments.get()
    assert attachment.original_name == "IMG_2024_toa-do.jpg"
    assert "toa-do" not in attachment.file.name and attachment.file.name.startswith("records/")
    stored = (settings.MEDIA_ROOT / attachment.file.name).read_bytes()
    assert b"Exif" not in stored
    assert not Image.open(io.BytesIO(stored)).getexif().get_ifd(0x8825)
    # The test settings run tasks at once, on commit: the thumbnail is there.
    assert attachment.thumbnail
    thumb = Image.open(settings.MEDIA_ROOT / attachment.thumbnail.name)
    assert max(thumb.size) == 320


def test_a_polyglot_refuses_the_whole_record(world):
    import zipfile

    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.writestr("x.txt", "x")
    from tests.test_uploads import upload

    bad = upload(b"PK\x03\x04" + archive.getvalue(), "anh.jpg")
    with pytest.raises(ValidationError) as error:
        add_record(world.officer_a, world.sub_a, files=[photo(), bad])
    assert error.value.message_dict["files"][0].startswith("anh.jpg: ")
    assert not ActivityRecord.objects.exists() and not Attachment.objects.exists()


def test_month_suggestions_add_up_the_months_records(world):
    # Two months, two units: each month's suggestion is that month's records only.
    for day in (dt.date(2024, 3, 2), dt.date(2024, 3, 20), dt.date(2024, 3, 31)):
        add_record(world.officer_a, world.sub_a, day=day)
    add_record(world.officer_a, world.sub_a, day=dt.date(2024, 3, 5), kind=MEDIATION)
    add_record(
        world.officer_a,
        world.sub_a,
        day=dt.date(2024, 3, 6),
        amounts={world.patrol.pk: 2, world.mediation.pk: 1},
    )
    add_record(world.officer_a, world.sub_a, day=dt.date(2024, 4, 1))
    add_record(world.officer_b, world.sub_b, day=dt.date(2024, 3, 10))
    march = month_prefill(sub_agreement=world.sub_a, month=dt.date(2024, 3, 1))
    assert march[world.patrol.pk].value == 5 and march[world.patrol.pk].sources == 4
    assert march[world.patrol.pk].labels == ("từ 4 hoạt động",)
    assert march[world.mediation.pk].value == 2 and march[world.mediation.pk].sources == 2
    april = month_prefill(sub_agreement=world.sub_a, month=dt.date(2024, 4, 1))
    assert {pk: p.value for pk, p in april.items()} == {world.patrol.pk: 1}
    other = month_prefill(sub_agreement=world.sub_b, month=dt.date(2024, 3, 1))
    assert {pk: p.value for pk, p in other.items()} == {world.patrol.pk: 1}
    # The sums are the records' amounts, read back independently.
    expected = sum(
        RecordAmount.objects.filter(
            record__sub_agreement=world.sub_a,
            record__month=dt.date(2024, 3, 1),
            indicator=world.patrol,
        ).values_list("amount", flat=True)
    )
    assert expected == 5


def test_under_decree_09_a_record_after_the_14th_belongs_to_the_next_month(world):
    world.plan.period_rule = "decree09"
    world.plan.save()
    world.sub_a.refresh_from_db()
    record = add_record(world.officer_a, world.sub_a, day=dt.date(2024, 3, 20))
    assert record.month == dt.date(2024, 4, 1)


def test_a_closed_plan_takes_no_record(world):
    world.plan.status = "closed"
    world.plan.closed_on = dt.date(2025, 1, 10)
    world.plan.save()
    world.sub_a.refresh_from_db()
    with pytest.raises(ValidationError) as error:
        add_record(world.officer_a, world.sub_a)
    assert error.value.code == "plan_closed"


@time_machine.travel(dt.datetime(2024, 3, 13, 9, 0))
def test_today_is_a_valid_date_tomorrow_is_not(world):
    add_record(world.officer_a, world.sub_a, day=dt.date(2024, 3, 13))
    with pytest.raises(ValidationError):
        add_record(world.officer_a, world.sub_a, day=dt.date(2024, 3, 14))
