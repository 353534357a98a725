"""Time the progress dashboards on the demo data, then on ten times as many districts.

    python manage.py benchmark dashboard [--factor 10] [--runs 5]
    python manage.py benchmark_dashboard [--factor 10] [--runs 5]   (same thing)

Everything happens inside a transaction that is rolled back at the end, so it runs against
any database: when no plan with reports is loaded, the real plan and the demo figures are
loaded first (``load_plan`` + ``load_demo``). The larger data set gives each sub-agreement
``factor - 1`` copies (unit, targets, reports and values), so districts × months ×
indicators grow by the factor. Prints queries and the median time per
page for both, and the ratio of the large to the baseline measured in the same run: query
counts must not move, times should grow at most linearly."""

import secrets
import statistics
import time

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings

from activities.demo import demo_reports, demo_targets, demo_users
from activities.models import ActivityValue, MonthlyReport
from activities.rollups import rollups_rebuild
from agreements.models import Agreement, Membership, OrgUnit, Target
from agreements.selectors import current_plan
from agreements.services import plan_load
from core import calendar


class _Rollback(Exception):
    pass


def dashboard_arguments(parser) -> None:
    parser.add_argument("--factor", type=int, default=10)
    parser.add_argument("--runs", type=int, default=5)


def run_dashboard(command: BaseCommand, options: dict) -> None:
    try:
        with transaction.atomic():
            _DashboardBenchmark(command.stdout).run(options["factor"], options["runs"])
            raise _Rollback
    except _Rollback:
        command.stdout.write("(everything built for the benchmark was rolled back)")


class _DashboardBenchmark:
    def __init__(self, stdout):
        self.stdout = stdout

    def run(self, factor: int, runs: int) -> None:
        plan = current_plan()
        if plan is None or not MonthlyReport.objects.filter(sub_agreement__parent=plan).exists():
            self.stdout.write("No reports loaded: loading the plan and the demo figures.")
            plan_load()
            plan = current_plan()
            demo_users(password=secrets.token_urlsafe(12))
            demo_targets(plan=plan)
            demo_reports(plan=plan, today=calendar.today())
        self._run(plan, factor, runs)

    def _pages(self, plan: Agreement) -> list[tuple[str, str]]:
        district = Agreement.objects.filter(parent=plan).order_by("org_unit__name").first()
        return [
            ("province, whole plan", "/progress/"),
            (
                "province, Q1/2024, task 1, provisional",
                "/progress/?period=2024-Q1&task=1&provisional=1",
            ),
            ("province, sorted by status", "/progress/?sort=-status"),
            ("district, year 2024", f"/progress/district/{district.pk}/?period=2024"),
            ("indicator VNEID (stock)", "/progress/indicator/VNEID/"),
            ("indicator DVC_TT (ratio)", "/progress/indicator/DVC_TT/?period=2024-H1"),
        ]

    def _measure(self, client: Client, pages, runs: int) -> dict[str, tuple[int, float]]:
        result = {}
        for name, url in pages:
            client.get(url)  # warm-up: templates, translations
            times = []
            for _ in range(runs):
                with CaptureQueriesContext(connection) as queries:
                    start = time.perf_counter()
                    response = client.get(url)
                    times.append(time.perf_counter() - start)
                if response.status_code != 200:
                    raise CommandError(f"{url} answered {response.status_code}")
            result[name] = (len(queries), statistics.median(times) * 1000)
        return result

    def _run(self, plan: Agreement, factor: int, runs: int) -> None:
        user = get_user_model().objects.create(username="benchmark.dashboard")
        Membership.objects.create(
            user=user, org_unit=plan.org_unit, role=Membership.Role.LEADERSHIP
        )
        with override_settings(ALLOWED_HOSTS=["testserver"], SECURE_SSL_REDIRECT=False):
            client = Client()
            client.force_login(user)
            pages = self._pages(plan)
            size = self._size(plan)
            self.stdout.write(f"Baseline: {size}")
            baseline = self._measure(client, pages, runs)
            start = time.perf_counter()
            self._grow(plan, factor)
            self.stdout.write(
                f"×{factor}: {self._size(plan)} (built in {time.perf_counter() - start:.1f} s)"
            )
            large = self._measure(client, pages, runs)
        times = f"×{factor}"
        self.stdout.write(
            f"{'page':42} {'queries':>7} {'q ' + times:>7} {'ms':>8} "
            f"{'ms ' + times:>9} {'ratio':>6}"
        )
        for name, _url in pages:
            (q1, t1), (q2, t2) = baseline[name], large[name]
            self.stdout.write(f"{name:42} {q1:7} {q2:7} {t1:8.1f} {t2:9.1f} {t2 / t1:6.2f}")

    def _size(self, plan: Agreement) -> str:
        subs = Agreement.objects.filter(parent=plan).count()
        reports = MonthlyReport.objects.filter(sub_agreement__parent=plan).count()
        values = ActivityValue.objects.filter(report__sub_agreement__parent=plan).count()
        return f"{subs} districts, {reports} monthly reports, {values} values"

    def _grow(self, plan: Agreement, factor: int) -> None:
        subs = list(Agreement.objects.filter(parent=plan).select_related("org_unit"))
        targets = list(Target.objects.filter(agreement__in=subs))
        reports = list(MonthlyReport.objects.filter(sub_agreement__in=subs))
        values = list(ActivityValue.objects.filter(report__in=reports))
        for copy in range(1, factor):
            units = OrgUnit.objects.bulk_create(
                OrgUnit(
                    code=f"{s.org_unit.code}~{copy}",
                    name=f"{s.org_unit.name} ({copy})",
                    kind=s.org_unit.kind,
                    parent_id=s.org_unit.parent_id,
                    valid_to=s.org_unit.valid_to,
                )
                for s in subs
            )
            clones = {}
            for sub, unit in zip(subs, units, strict=True):
                clones[sub.pk] = Agreement.objects.create(
                    code=f"{sub.code}~{copy}",
                    title=sub.title,
                    start_date=sub.start_date,
                    end_date=sub.end_date,
                    status=sub.status,
                    parent=plan,
                    org_unit=unit,
                )
            Target.objects.bulk_create(
                Target(
                    agreement=clones[t.agreement_id],
                    indicator_id=t.indicator_id,
                    year=t.year,
                    value=t.value,
                )
                for t in targets
            )
            new_reports = MonthlyReport.objects.bulk_create(
                [
                    MonthlyReport(
                        sub_agreement=clones[r.sub_agreement_id],
                        month=r.month,
                        status=r.status,
                        submitted_at=r.submitted_at,
                        is_sample=True,
                    )
                    for r in reports
                ],
                batch_size=500,
            )
            by_old = {}
            if new_reports and new_reports[0].pk is None:  # backends without RETURNING
                fresh = {
                    (r.sub_agreement_id, r.month): r
                    for r in MonthlyReport.objects.filter(sub_agreement__in=list(clones.values()))
                }
                new_reports = [fresh[(clones[r.sub_agreement_id].pk, r.month)] for r in reports]
            by_old = {old.pk: new for old, new in zip(reports, new_reports, strict=True)}
            ActivityValue.objects.bulk_create(
                (
                    ActivityValue(
                        report=by_old[v.report_id],
                        indicator_id=v.indicator_id,
                        value=v.value,
                        numerator=v.numerator,
                        denominator=v.denominator,
                    )
                    for v in values
                ),
                batch_size=2000,
            )
        # The copies were written in bulk, past the services: their rollups from the values.
        rollups_rebuild(plan_ids=[plan.pk])
