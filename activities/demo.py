"""Sample data for demonstrations: users for every role, targets and monthly figures.

Everything here is invented (docs/plan.md, "demo"): figures are the article's provincial
pace split across districts by a fixed population-like weight, with seasons and noise.
Reports are flagged ``is_sample`` and the portal labels them as sample data."""

import datetime as dt
import random
import secrets
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Permission
from django.db import transaction
from django.db.models import CharField
from django.db.models.functions import Cast
from django.utils import timezone

from activities import rollups
from activities.models import REPORT_OBJECT_TYPE, ActivityValue, MonthlyReport
from agreements.models import Agreement, Indicator, Membership, OrgUnit, Target, UnitSuccession
from agreements.services_plans import PlanDetails, plan_create_from
from audit.models import AuditEvent
from core.calendar import agreement_months, deadline, months_between, reporting_months
from core.text import ascii_slug

# Population-like weights (thousands of residents, rounded) — demo.
WEIGHTS = {
    "VINH": 340,
    "CUA_LO": 75,
    "HOANG_MAI": 110,
    "THAI_HOA": 70,
    "ANH_SON": 115,
    "CON_CUONG": 75,
    "DIEN_CHAU": 300,
    "DO_LUONG": 210,
    "HUNG_NGUYEN": 120,
    "KY_SON": 80,
    "NAM_DAN": 165,
    "NGHI_LOC": 200,
    "NGHIA_DAN": 140,
    "QUE_PHONG": 70,
    "QUY_CHAU": 57,
    "QUY_HOP": 130,
    "QUYNH_LUU": 280,
    "TAN_KY": 140,
    "THANH_CHUONG": 230,
    "TUONG_DUONG": 80,
    "YEN_THANH": 290,
}


def unit_weights(sub_agreements: list[Agreement]) -> dict[int, Decimal]:
    """Each sub-agreement's share of the province (demo): a district's population-like
    weight over the districts' total; a commune's, its former district's weight split evenly
    among the communes formed from it (Vinh's including the former Cửa Lò). One query."""
    predecessors: dict[int, list[str]] = {}
    for successor_id, code in UnitSuccession.objects.filter(
        successor__in=[a.org_unit_id for a in sub_agreements]
    ).values_list("successor_id", "predecessor__code"):
        predecessors.setdefault(successor_id, []).append(code)
    total = Decimal(sum(WEIGHTS.values()))
    pooled = {"VINH": WEIGHTS["VINH"] + WEIGHTS["CUA_LO"]}
    formed_from: dict[str, int] = {}
    for agreement in sub_agreements:
        for code in predecessors.get(agreement.org_unit_id, []):
            formed_from[code] = formed_from.get(code, 0) + 1
    weights = {}
    for agreement in sub_agreements:
        code = agreement.org_unit.code
        former = [c for c in predecessors.get(agreement.org_unit_id, []) if c in WEIGHTS]
        if code in WEIGHTS:
            weights[agreement.pk] = Decimal(WEIGHTS[code]) / total
        elif former:
            district = former[0]
            weight = pooled.get(district, WEIGHTS[district])
            weights[agreement.pk] = Decimal(weight) / formed_from[district] / total
        else:
            weights[agreement.pk] = Decimal(100) / total
    return weights


# Whole-plan provincial targets (demo) and the province's monthly pace in the demo data.
TARGETS = {
    "TUAN_TRA": (6000, 230),
    "PHAT_DONG": (600, 22),
    "PHAT_DONG_TN": (18000, 650),
    "HOA_GIAI": (480, 14),
    "DI_CU": (360, 11),
    "TIN_TTXH": (900, 36),
    "TIN_MA_TUY": (950, 32),
    "TOA_DAM": (3600, 150),
    "NOI_CHUYEN": (4500, 190),
    "NHA": (1020, 30),
    "TINH_NGUYEN": (700, 26),
    "VNEID": (2600000, 36000),
    "DVC_TT": (70, 0),
}
SEASON = {"TINH_NGUYEN": {1: 2.0, 2: 2.0, 6: 2.5, 7: 3.0, 8: 2.0}, "NHA": {12: 1.6, 1: 1.8}}
RETURN_REASONS = [
    "Số ca tuần tra chưa khớp với sổ theo dõi của Công an huyện, đề nghị kiểm tra lại.",
    "Thiếu số liệu hồ sơ trực tuyến; đề nghị bổ sung tổng số hồ sơ.",
    "Số hộ được vận động cao bất thường so với các tháng trước, đề nghị giải trình.",
]
# The sample next plan (demo): 2026–2030 with the units in force on its first day (the 130
# communes). Its title says it is sample data; the 2023–2025 plan stays active, since the
# demo issues no final review (an official document) and so cannot close it.
SAMPLE_PLAN = PlanDetails(
    code="KH-2026-2030-MAU",
    title="[Mẫu] Kế hoạch phối hợp giai đoạn 2026 – 2030 (dữ liệu mẫu)",
    start_date=dt.date(2026, 1, 1),
    end_date=dt.date(2030, 12, 31),
)
# The demo targets below are sized for a plan of this many months (2023–2025).
TARGET_MONTHS = 31

STAFF_USERS = [
    ("admin", "Quản trị", "hệ thống", Membership.Role.ADMIN),
    ("tinhdoan.canbo", "Nguyễn Thị", "Hoa", Membership.Role.PROVINCIAL_STAFF),
    ("lanhdao", "Trần Văn", "Minh", Membership.Role.LEADERSHIP),
]


def _user(
    username: str,
    first: str,
    last: str,
    password_hash: str,
    *,
    staff: bool = False,
    superuser: bool = False,
):
    user_model = get_user_model()
    user, _ = user_model.objects.get_or_create(username=username)
    user.first_name, user.last_name = first, last
    user.is_staff, user.is_superuser = staff, superuser
    # One hash for every demo account: hashing 45 times would take seconds for nothing.
    user.password = password_hash
    user.save()
    return user


@transaction.atomic
def demo_users(*, password: str | None = None) -> tuple[str, list[tuple[str, str, str]]]:
    """Create (or reset) demo accounts; one password for all, generated unless given."""
    password = password or secrets.token_urlsafe(9)
    password_hash = make_password(password)
    province = OrgUnit.objects.get(code="NA")
    logins = []
    manage_perms = Permission.objects.filter(
        content_type__app_label__in=["agreements", "activities", "records", "audit", "auth"]
    )
    for username, first, last, role in STAFF_USERS:
        user = _user(
            username,
            first,
            last,
            password_hash,
            staff=role in (Membership.Role.ADMIN, Membership.Role.PROVINCIAL_STAFF),
            superuser=role == Membership.Role.ADMIN,
        )
        if role == Membership.Role.PROVINCIAL_STAFF:
            user.user_permissions.set(manage_perms)
        Membership.objects.get_or_create(user=user, org_unit=province, role=role)
        logins.append((username, str(Membership.Role(role).label), province.name))
    units = OrgUnit.objects.filter(agreements__parent__isnull=False).distinct()
    for unit in units.order_by("code"):
        slug = ascii_slug(unit.name)
        if unit.kind in OrgUnit.DISTRICT_LEVEL:
            slug = slug.split("-", 1)[-1]  # doan.anhson, doan.vinh as before the reform
        for prefix, role, first in (
            ("doan", Membership.Role.DISTRICT_OFFICER, "Cán bộ Đoàn"),
            ("congan", Membership.Role.DISTRICT_VIEWER, "Cán bộ Công an"),
        ):
            user = _user(f"{prefix}.{slug}", first, unit.name, password_hash)
            Membership.objects.get_or_create(user=user, org_unit=unit, role=role)
            if unit.code in ("ANH_SON", "VINH", "17329"):
                logins.append((user.username, str(Membership.Role(role).label), unit.name))
    return password, logins


@transaction.atomic
def demo_targets(*, plan: Agreement) -> None:
    """Whole-plan and yearly targets for the province and each district (demo)."""
    indicators = {i.code: i for i in Indicator.objects.filter(plan=plan)}
    sub_agreements = list(Agreement.objects.filter(parent=plan).select_related("org_unit"))
    weights = unit_weights(sub_agreements)
    plan_months = len(months_between(*agreement_months(plan)))
    scale = Decimal(plan_months) / TARGET_MONTHS
    # Share of the plan's reporting months falling in each year.
    per_year: dict[int, int] = {}
    for month in months_between(*agreement_months(plan)):
        per_year[month.year] = per_year.get(month.year, 0) + 1
    year_shares = {year: Decimal(count) / plan_months for year, count in per_year.items()}
    rows = []
    for code, (target, _pace) in TARGETS.items():
        indicator = indicators[code]
        if indicator.aggregation == Indicator.Aggregation.SUM:
            target = (target * scale).quantize(Decimal(1))
        rows.append(Target(agreement=plan, indicator=indicator, year=None, value=target))
        if indicator.aggregation == Indicator.Aggregation.SUM:
            for year, share in year_shares.items():
                rows.append(
                    Target(
                        agreement=plan,
                        indicator=indicator,
                        year=year,
                        value=(target * share).quantize(Decimal(1)),
                    )
                )
        for agreement in sub_agreements:
            # A unit's share of the province for the months it reports.
            months = Decimal(len(months_between(*agreement_months(agreement)))) / plan_months
            weight = weights[agreement.pk] * (Decimal(1) if indicator.is_ratio else months)
            value = (
                Decimal(target) if indicator.is_ratio else (target * weight).quantize(Decimal(1))
            )
            rows.append(Target(agreement=agreement, indicator=indicator, year=None, value=value))
    Target.objects.filter(agreement__in=[plan, *sub_agreements]).delete()
    Target.objects.bulk_create(rows)


@transaction.atomic
@transaction.atomic
def demo_next_plan(*, previous: Agreement) -> Agreement:
    """The sample next plan (``SAMPLE_PLAN``), created once from ``previous`` by the same
    service staff use (tasks and indicators copied, sub-agreements for the units in force)."""
    existing = Agreement.objects.filter(code=SAMPLE_PLAN.code).first()
    if existing is not None:
        return existing
    return plan_create_from(previous=previous, details=SAMPLE_PLAN, user=None)


def demo_reports(
    *,
    plan: Agreement,
    today: dt.date,
    seed: int = 2023,
    stock_since: dt.date | None = None,
) -> int:
    """Monthly reports of one plan from its sub-agreements' first months to their end (or
    this month). Replaces the plan's earlier sample reports; never touches real ones.
    ``stock_since``: the month the stock indicators grew from (a next plan's continue)."""
    rng = random.Random(seed)
    user_model = get_user_model()
    staff = user_model.objects.filter(username="tinhdoan.canbo").first()
    officers = {
        m.org_unit_id: m.user
        for m in Membership.objects.filter(role=Membership.Role.DISTRICT_OFFICER).select_related(
            "user"
        )
    }
    sample = MonthlyReport.objects.filter(is_sample=True, sub_agreement__parent=plan)
    AuditEvent.objects.filter(
        object_type=REPORT_OBJECT_TYPE,
        # A subquery, not a list of ids: no limit on query parameters.
        object_id__in=sample.annotate(key=Cast("pk", CharField())).values("key"),
    ).delete()
    ActivityValue.objects.filter(report__in=sample).delete()
    sample.delete()
    indicators = list(Indicator.objects.filter(plan=plan))
    sub_agreements = list(Agreement.objects.filter(parent=plan).select_related("org_unit"))
    weights = unit_weights(sub_agreements)
    plan_start = stock_since or agreement_months(plan)[0]
    reports, plans = [], []
    for agreement in sub_agreements:
        weight = float(weights[agreement.pk])
        months = reporting_months(agreement, on=today)
        officer = officers.get(agreement.org_unit_id)
        # A commune starts from its share of the accounts activated before it existed.
        already = len(months_between(plan_start, months[0])) - 1 if months else 0
        stock = (1_500_000 + 36000 * already) * weight
        online_share = rng.uniform(0.40, 0.50)
        for index, month in enumerate(months):
            from_end = len(months) - 1 - index
            roll = rng.random()
            if from_end == 0:
                status = "submitted" if roll < 0.55 else "draft" if roll < 0.75 else None
            elif from_end == 1:
                status = "approved" if roll < 0.8 else "submitted" if roll < 0.9 else "returned"
            else:
                status = "returned" if roll < 0.015 else None if roll < 0.025 else "approved"
            due = deadline(agreement, month)
            late_days = rng.choice([0, 0, 0, 0, 0, 0, 0, 3, 8, 15])
            submitted_on = due - dt.timedelta(days=rng.randint(0, 4)) + dt.timedelta(days=late_days)
            stock += 36000 * weight * rng.uniform(0.7, 1.3)
            online_share = min(0.85, online_share + rng.uniform(0.0, 0.02))
            if status is None:
                continue
            submitted_at = timezone.make_aware(
                dt.datetime.combine(submitted_on, dt.time(rng.randint(8, 16), rng.randint(0, 59)))
            )
            report = MonthlyReport(
                sub_agreement=agreement,
                month=month,
                status=status,
                is_sample=True,
                version=1 if status == "draft" else 3,
                narrative="Số liệu mẫu (demo) — không phải số liệu thật.",
                updated_by=officer,
                submitted_at=None if status == "draft" else submitted_at,
                submitted_by=None if status == "draft" else officer,
                reviewed_at=(
                    submitted_at + dt.timedelta(days=2)
                    if status in ("approved", "returned")
                    else None
                ),
                reviewed_by=staff if status in ("approved", "returned") else None,
                return_reason=rng.choice(RETURN_REASONS) if status == "returned" else "",
            )
            reports.append(report)
            values = {}
            for indicator in indicators:
                _target, pace = TARGETS[indicator.code]
                if indicator.aggregation == Indicator.Aggregation.LATEST:
                    values[indicator.pk] = {"value": round(stock)}
                elif indicator.is_ratio:
                    dossiers = max(20, round(14000 * weight * rng.uniform(0.8, 1.2)))
                    values[indicator.pk] = {
                        "numerator": round(dossiers * online_share),
                        "denominator": dossiers,
                    }
                else:
                    season = SEASON.get(indicator.code, {}).get(month.month, 1.0)
                    mean = pace * weight * season
                    values[indicator.pk] = {"value": max(0, round(rng.gauss(mean, mean * 0.35)))}
            plans.append(values)
    MonthlyReport.objects.bulk_create(reports, batch_size=500)
    saved = {
        (r.sub_agreement_id, r.month): r
        for r in MonthlyReport.objects.filter(is_sample=True, sub_agreement__parent=plan)
    }
    value_rows, events = [], []
    for report, values in zip(reports, plans, strict=True):
        report = saved[(report.sub_agreement_id, report.month)]
        for indicator_id, fields in values.items():
            value_rows.append(ActivityValue(report=report, indicator_id=indicator_id, **fields))
        if report.status != "draft":
            events.append(
                AuditEvent(
                    actor=report.submitted_by,
                    action="submit",
                    object_type=REPORT_OBJECT_TYPE,
                    object_id=str(report.pk),
                    version=2,
                    status_before="draft",
                    status_after="submitted",
                )
            )
        if report.status in ("approved", "returned"):
            events.append(
                AuditEvent(
                    actor=staff,
                    action="approve" if report.status == "approved" else "return",
                    object_type=REPORT_OBJECT_TYPE,
                    object_id=str(report.pk),
                    version=3,
                    status_before="submitted",
                    status_after=report.status,
                    reason=report.return_reason,
                )
            )
    ActivityValue.objects.bulk_create(value_rows, batch_size=1000)
    AuditEvent.objects.bulk_create(events, batch_size=1000)
    # The demo writes its approved months in bulk, past the services: rebuild their rollups.
    rollups.rollups_rebuild(plan_ids=[plan.pk])
    return len(reports)
