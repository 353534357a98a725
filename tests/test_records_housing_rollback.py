"""A file written by a service whose transaction then fails does not stay on disk, for the
activity records' attachments and the housing register's photos alike (core.stored_files).

The failure here is a real one, raised by the database at commit: the row the new one points
to (an activity type, a house) was deleted by someone else after the form was opened, so the
deferred foreign key fails when the transaction commits — after the file was written."""

import datetime as dt

import pytest
from django.db import IntegrityError

from agreements.selectors import user_scope
from housing import services as housing_services
from housing.models import HousePhoto
from records import services as record_services
from records.models import ActivityRecord, Attachment, RecordType
from tests.housing_helpers import add_house
from tests.records_helpers import add_record, photo, seed_record_types

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def stored_files(settings) -> list[str]:
    root = settings.MEDIA_ROOT
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def test_a_record_whose_save_fails_after_its_files_were_written_leaves_no_file(world, settings):
    seed_record_types()
    gone = RecordType.objects.create(name="Loại vừa bị xóa")
    RecordType.objects.filter(pk=gone.pk).delete()
    with pytest.raises(IntegrityError):
        record_services.record_create(
            sub_agreement=world.sub_a,
            user=world.officer_a,
            scope=user_scope(world.officer_a),
            record_type=gone,
            date=dt.date(2024, 3, 12),
            place="Bản Huồi Tụ",
            description="Tuần tra đêm",
            files=[photo(), photo("b.jpg")],
        )
    assert ActivityRecord.objects.count() == Attachment.objects.count() == 0
    assert stored_files(settings) == []


def test_a_record_that_saves_keeps_its_files(world, settings):
    record = add_record(world.officer_a, world.sub_a, files=[photo()])
    attachment = record.attachments.get()
    # The original, and the thumbnail the task (run at once in the tests) made after commit.
    assert stored_files(settings) == sorted([attachment.file.name, attachment.thumbnail.name])


def test_a_house_photo_whose_save_fails_after_the_write_leaves_no_file(housing, settings):
    house = add_house(housing)
    # Another user deletes the house while the officer's upload is on its way.
    type(house).objects.filter(pk=house.pk).delete()
    with pytest.raises(IntegrityError):
        housing_services.house_photo_add(
            user=housing.officer_a,
            scope=user_scope(housing.officer_a),
            house=house,
            upload=photo(),
        )
    assert HousePhoto.objects.count() == 0
    assert stored_files(settings) == []
