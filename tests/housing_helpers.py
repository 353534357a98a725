"""Shared arrangements of the housing register's tests."""

import datetime as dt
import io

import pytest
from PIL import Image

from agreements.models import Baseline, Target
from agreements.selectors import user_scope
from housing import services
from housing.services import HouseholdInput, HouseInput
from tests import factories as f

# A household whose name and CCCD must never appear where the role has no right to them.
HEAD_NAME = "Lô Văn Thảnh"
ID_NUMBER = "040123456789"
PHONE = "0912345678"


@pytest.fixture
def housing(world):
    """`world` plus the NHA indicator (baseline 1.800, target 1.020: the goal is 2.820)."""
    world.nha = f.IndicatorFactory(
        task=world.tasks[1], code="NHA", unit="căn", order=5, name="Nhà cho hộ nghèo hoàn thành"
    )
    Baseline.objects.create(
        agreement=world.plan, indicator=world.nha, value=1800, as_of=dt.date(2023, 5, 23)
    )
    Target.objects.create(agreement=world.plan, indicator=world.nha, year=None, value=1020)
    return world


def add_house(world, *, sub=None, user=None, household=True, **fields) -> object:
    sub = sub or world.sub_a
    user = user or world.officer_a
    data = {"commune": "Xã Tường Sơn", "village": "Bản Huồi Tụ", "amount": 60_000_000, **fields}
    return services.house_create(
        user=user,
        scope=user_scope(user),
        sub_agreement=sub,
        data=HouseInput(**data),
        household=HouseholdInput(
            head_name=HEAD_NAME, id_number=ID_NUMBER, phone=PHONE, basis="legal_duty"
        )
        if household
        else None,
    )


def advance(world, house, *steps, user=None):
    """Move a house through (status, date) steps."""
    user = user or world.officer_a
    for status, on in steps:
        house = services.house_advance(
            user=user, scope=user_scope(user), house=house, to_status=status, on=on
        )
    return house


def hand_over(world, house, *, started, completed, handed, user=None):
    return advance(
        world,
        house,
        ("building", started),
        ("completed", completed),
        ("handed_over", handed),
        user=user,
    )


def jpeg_with_gps() -> bytes:
    """A small JPEG carrying EXIF with a GPS position."""
    image = Image.new("RGB", (64, 48), (200, 120, 40))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    gps = {1: "N", 2: (19.0, 2.0, 30.0), 3: "E", 4: (104.0, 50.0, 10.0)}
    exif[0x8825] = gps
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif.tobytes())
    return buffer.getvalue()
