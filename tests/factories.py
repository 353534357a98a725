import datetime as dt

import factory
from django.contrib.auth import get_user_model

from activities.models import ActivityValue, MonthlyReport
from activities.rollups import rollups_refresh
from agreements.models import Agency, Agreement, Indicator, Membership, OrgUnit, Target, Task

PASSWORD = "Mật-khẩu-thử-2023"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "Nguyễn"
    last_name = factory.Sequence(lambda n: f"Văn {n}")
    password = factory.django.Password(PASSWORD)


class OrgUnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrgUnit

    code = factory.Sequence(lambda n: f"U{n}")
    name = factory.Sequence(lambda n: f"Huyện Thử {n}")
    kind = OrgUnit.Kind.DISTRICT


class AgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agency

    code = factory.Sequence(lambda n: f"A{n}")
    name = factory.Sequence(lambda n: f"Huyện đoàn Thử {n}")
    kind = Agency.Kind.YOUTH_UNION
    org_unit = factory.SubFactory(OrgUnitFactory)


class PlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agreement

    code = factory.Sequence(lambda n: f"KH{n}")
    title = "Kế hoạch phối hợp giai đoạn 2023 – 2025"
    signed_on = dt.date(2023, 5, 23)
    start_date = dt.date(2023, 5, 23)
    end_date = dt.date(2025, 12, 31)
    status = Agreement.Status.ACTIVE
    org_unit = factory.SubFactory(OrgUnitFactory, kind=OrgUnit.Kind.PROVINCE, name="Tỉnh Thử")


class SubAgreementFactory(PlanFactory):
    title = factory.LazyAttribute(lambda o: f"Quy chế phối hợp {o.org_unit.name}")
    parent = factory.SubFactory(PlanFactory)
    org_unit = factory.SubFactory(OrgUnitFactory)
    start_date = dt.date(2023, 6, 1)
    end_date = dt.date(2025, 6, 30)


class TaskFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Task

    agreement = factory.SubFactory(PlanFactory)
    order = factory.Sequence(lambda n: n + 1)
    name = factory.Sequence(lambda n: f"Nhiệm vụ {n}")


class IndicatorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Indicator

    task = factory.SubFactory(TaskFactory)
    plan = factory.LazyAttribute(lambda o: o.task.agreement)
    code = factory.Sequence(lambda n: f"IND{n}")
    name = factory.Sequence(lambda n: f"Chỉ tiêu {n}")
    unit = "buổi"
    aggregation = Indicator.Aggregation.SUM
    order = factory.Sequence(lambda n: n)


class TargetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Target


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    org_unit = factory.SubFactory(OrgUnitFactory)
    role = Membership.Role.DISTRICT_OFFICER


class MonthlyReportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MonthlyReport

    sub_agreement = factory.SubFactory(SubAgreementFactory)
    month = dt.date(2024, 3, 1)


class ActivityValueFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ActivityValue

    report = factory.SubFactory(MonthlyReportFactory)
    indicator = factory.SubFactory(IndicatorFactory)
    value = 1

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        # A value written past the services (arranging a test): keep the rollups of its
        # month in line as every write path does (activities/rollups.py).
        value = super()._create(model_class, *args, **kwargs)
        rollups_refresh(report_ids=[value.report_id])
        return value
