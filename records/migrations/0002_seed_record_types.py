"""The activity types the plan's work falls into, mapped to the indicators they count toward
(by code, so they hold for every plan that has the indicator). Provincial staff extend and
change them in the administration."""

from django.db import migrations

# (name, order, [(indicator code, default amount, counts the participants)])
TYPES = [
    ("Ca tuần tra", 1, [("TUAN_TRA", 1, False)]),
    ("Buổi nói chuyện, họp dân", 2, [("NOI_CHUYEN", 1, False)]),
    ("Tọa đàm, sinh hoạt câu lạc bộ", 3, [("TOA_DAM", 1, False)]),
    ("Hòa giải mâu thuẫn", 4, [("HOA_GIAI", 1, False)]),
    ("Phát động phong trào", 5, [("PHAT_DONG", 1, False), ("PHAT_DONG_TN", 0, True)]),
    ("Hoạt động tình nguyện", 6, [("TINH_NGUYEN", 1, False)]),
    ("Tin báo chuyển cơ quan Công an", 7, [("TIN_TTXH", 1, False)]),
    ("Vận động hộ dân không di cư", 8, [("DI_CU", 1, False)]),
]


def seed(apps, schema_editor):
    RecordType = apps.get_model("records", "RecordType")
    RecordTypeIndicator = apps.get_model("records", "RecordTypeIndicator")
    for name, order, defaults in TYPES:
        record_type, _created = RecordType.objects.get_or_create(
            name=name, defaults={"order": order}
        )
        for code, amount, from_participants in defaults:
            RecordTypeIndicator.objects.get_or_create(
                record_type=record_type,
                indicator_code=code,
                defaults={"amount": amount, "from_participants": from_participants},
            )


def unseed(apps, schema_editor):
    RecordType = apps.get_model("records", "RecordType")
    ActivityRecord = apps.get_model("records", "ActivityRecord")
    used = set(ActivityRecord.objects.values_list("record_type_id", flat=True))
    RecordType.objects.filter(name__in=[name for name, *_ in TYPES]).exclude(
        pk__in=used
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("records", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
