"""Shared arrangements for the activity-record tests."""

import datetime as dt
import importlib

from agreements.selectors import user_scope
from records import services
from records.models import RecordType
from tests.test_uploads import jpeg_with_gps, upload

PATROL = "Ca tuần tra"
MEDIATION = "Hòa giải mâu thuẫn"


def seed_record_types() -> None:
    """The types the data migration seeds. A transactional test (the live server, the worker)
    flushes the tables it used, migration data included, so each test seeds them again."""
    from django.apps import apps

    seed = importlib.import_module("records.migrations.0002_seed_record_types")
    seed.seed(apps, None)


def record_type(name: str) -> RecordType:
    seed_record_types()
    return RecordType.objects.get(name=name)


def add_record(
    user,
    sub_agreement,
    *,
    day=dt.date(2024, 3, 12),
    kind=PATROL,
    amounts=None,
    files=(),
    place="Bản Huồi Tụ",
    description="Tuần tra đêm cùng Công an xã",
    participants=12,
):
    return services.record_create(
        sub_agreement=sub_agreement,
        user=user,
        scope=user_scope(user),
        record_type=record_type(kind),
        date=day,
        place=place,
        description=description,
        participants=participants,
        amounts=amounts,
        files=files,
    )


def photo(name="anh.jpg"):
    return upload(jpeg_with_gps((800, 600)), name)
