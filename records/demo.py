"""SAMPLE activity records for the demo (scripts/serve runs ``load_demo_records`` after
``load_demo``): a few records behind each unit's latest approved sample months, so the entry
page's suggestions, the review page's evidence and the coverage page show something.

Every record's description starts with ``SAMPLE_MARK`` (the portal shows it as written), and
no month gets more records than its figure: coverage stays a plausible part of 100 %. Written
with ``bulk_create`` (no audit events: nobody did this), replaced on the next run; real
records are never touched."""

import datetime as dt
import random

from django.db import transaction

from activities.models import ActivityValue, MonthlyReport
from agreements.models import Agreement
from core import calendar
from records.models import ActivityRecord, RecordAmount, RecordTypeIndicator
from records.search import fold

SAMPLE_MARK = "[Mẫu]"
# The latest approved months per unit that get records, and at most this many records per
# indicator and month: a few thousand rows for the whole demo.
MONTHS_PER_UNIT = 4
RECORDS_PER_FIGURE = 3
VILLAGES = ["Bản Huồi Tụ", "Bản Cánh", "Xóm 3", "Thôn Đông", "Bản Xiêng", "Xóm Trung"]
# What the sample record of each counted indicator says (demo).
DESCRIPTIONS = {
    "TUAN_TRA": "Tuần tra đêm cùng Công an xã trên các tuyến đường liên thôn.",
    "NOI_CHUYEN": "Nói chuyện tuyên truyền pháp luật về phòng, chống ma túy cho bà con.",
    "TOA_DAM": "Sinh hoạt câu lạc bộ thanh niên với pháp luật.",
    "HOA_GIAI": "Hòa giải thành mâu thuẫn về ranh giới đất giữa hai hộ.",
    "TINH_NGUYEN": "Đoàn viên dọn vệ sinh, sửa đường liên thôn.",
    "DI_CU": "Vận động hộ dân ở lại địa phương, không di cư sang Lào.",
    "TIN_TTXH": "Đoàn viên báo tin vụ gây rối trật tự cho Công an xã.",
}


def _types_by_code() -> dict[str, int]:
    """The record type that counts 1 toward each indicator code (the seeded types)."""
    types: dict[str, int] = {}
    for code, type_id in (
        RecordTypeIndicator.objects.filter(
            indicator_code__in=list(DESCRIPTIONS), from_participants=False, amount=1
        )
        .order_by("record_type__order", "record_type_id")
        .values_list("indicator_code", "record_type_id")
    ):
        types.setdefault(code, type_id)
    return types


@transaction.atomic
def demo_records(*, plan: Agreement, seed: int = 2023) -> int:
    """Sample records of one plan's sub-agreements; returns how many."""
    rng = random.Random(seed)
    ActivityRecord.objects.filter(
        sub_agreement__parent=plan, description__startswith=SAMPLE_MARK
    ).delete()
    types = _types_by_code()
    if not types:
        return 0
    rule = calendar.rule_of(plan)
    today = calendar.today()
    figures: dict[tuple[int, dt.date], list[tuple[int, str, int]]] = {}
    for sub_id, month, indicator_id, code, value in (
        ActivityValue.objects.filter(
            report__sub_agreement__parent=plan,
            report__is_sample=True,
            report__status=MonthlyReport.Status.APPROVED,
            indicator__code__in=list(types),
            value__gt=0,
        )
        .order_by("report__sub_agreement_id", "report__month", "indicator__code")
        .values_list(
            "report__sub_agreement_id", "report__month", "indicator_id", "indicator__code", "value"
        )
    ):
        figures.setdefault((sub_id, month), []).append((indicator_id, code, value))
    latest: dict[int, list[dt.date]] = {}
    for sub_id, month in sorted(figures, reverse=True):
        months = latest.setdefault(sub_id, [])
        if len(months) < MONTHS_PER_UNIT:
            months.append(month)
    places = dict(Agreement.objects.filter(pk__in=list(latest)).values_list("pk", "org_unit__name"))
    records, amounts = [], []
    for sub_id, months in latest.items():
        for month in months:
            first, last = calendar.month_dates(month, rule)
            last = min(last, today)
            for indicator_id, code, value in figures[(sub_id, month)]:
                for _n in range(min(value, rng.randint(1, RECORDS_PER_FIGURE))):
                    day = first + dt.timedelta(days=rng.randrange((last - first).days + 1))
                    place = f"{rng.choice(VILLAGES)}, {places[sub_id]}"
                    description = f"{SAMPLE_MARK} {DESCRIPTIONS[code]}"
                    records.append(
                        ActivityRecord(
                            sub_agreement_id=sub_id,
                            record_type_id=types[code],
                            date=day,
                            month=month,
                            place=place,
                            participants=rng.randint(8, 120),
                            description=description,
                            search_text=fold(f"{place} {description}"),
                        )
                    )
                    amounts.append(indicator_id)
    ActivityRecord.objects.bulk_create(records, batch_size=500)
    # SQLite and PostgreSQL both give the created rows their ids.
    RecordAmount.objects.bulk_create(
        (
            RecordAmount(record=record, indicator_id=indicator_id, amount=1)
            for record, indicator_id in zip(records, amounts, strict=True)
        ),
        batch_size=1000,
    )
    return len(records)
