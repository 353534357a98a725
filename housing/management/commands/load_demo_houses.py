"""SAMPLE houses for the demo (scripts/serve): a few dozen per district sub-agreement of the
loaded plan, at every status, from the three kinds of funding source, some late. Every house's
note and every household's name say it is sample data; the ID numbers are not real (they start
with 000). Run again, it replaces the sample houses and keeps any real ones."""

import datetime as dt
import random

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from agreements.models import Agreement
from core import calendar
from housing import rules
from housing.models import House, Household

SAMPLE_NOTE = "[Mẫu] Dữ liệu mẫu"
VILLAGES = ["Bản Huồi Tụ", "Bản Cánh", "Xóm 3", "Thôn Đông", "Bản Xiêng", "Xóm Trung"]


class Command(BaseCommand):
    help = "Create SAMPLE houses and households for the demo (run load_plan first)."

    def add_arguments(self, parser):
        parser.add_argument("--per-unit", type=int, default=40)
        parser.add_argument("--seed", type=int, default=2023)

    @transaction.atomic
    def handle(self, *args, **options):
        plan = (
            Agreement.objects.filter(parent__isnull=True, status=Agreement.Status.ACTIVE)
            .order_by("start_date")
            .first()
        )
        if plan is None:
            raise CommandError("No active plan: run `python manage.py load_plan` first.")
        rng = random.Random(options["seed"])
        today = calendar.today()
        House.objects.filter(sub_agreement__parent=plan, note=SAMPLE_NOTE).delete()
        subs = list(plan.sub_agreements.select_related("org_unit", "parent").order_by("pk"))
        houses, people = [], []
        number = 0
        for sub in subs:
            last = min(today, sub.end_date)
            span = (last - sub.start_date).days
            if span < 60:
                continue
            for _n in range(options["per_unit"]):
                number += 1
                start = sub.start_date + dt.timedelta(days=rng.randrange(span - 45))
                roll = rng.random()
                status = (
                    House.Status.HANDED_OVER
                    if roll < 0.6
                    else House.Status.COMPLETED
                    if roll < 0.72
                    else House.Status.BUILDING
                    if roll < 0.9
                    else House.Status.PLANNED
                )
                completed = min(start + dt.timedelta(days=rng.randrange(30, 120)), last)
                handed = min(completed + dt.timedelta(days=rng.randrange(0, 20)), last)
                funding = rng.choices(
                    [House.Funding.MINISTRY, House.Funding.PROVINCE, House.Funding.OTHER],
                    [55, 35, 10],
                )[0]
                houses.append(
                    House(
                        sub_agreement=sub,
                        commune=sub.org_unit.name,
                        village=rng.choice(VILLAGES),
                        funding_source=funding,
                        funding_name="Doanh nghiệp tài trợ (mẫu)"
                        if funding == House.Funding.OTHER
                        else "",
                        amount=rng.randrange(40, 81) * 1_000_000,
                        status=status,
                        planned_completion=start + dt.timedelta(days=90),
                        started_on=start if status != House.Status.PLANNED else None,
                        completed_on=completed if status in House.BUILT else None,
                        handed_over_on=handed if status == House.Status.HANDED_OVER else None,
                        note=SAMPLE_NOTE,
                    )
                )
                people.append((number, rules.retention_default(sub)))
        created = House.objects.bulk_create(houses)
        Household.objects.bulk_create(
            Household(
                house=house,
                head_name=f"Hộ mẫu số {n}",
                id_number=f"{n:012d}",
                basis=Household.Basis.LEGAL_DUTY,
                basis_note="Dữ liệu mẫu",
                retention_until=retention,
            )
            for house, (n, retention) in zip(created, people, strict=True)
        )
        self.stdout.write(
            self.style.SUCCESS(f"Sample data: {len(created)} houses (marked as sample data).")
        )
