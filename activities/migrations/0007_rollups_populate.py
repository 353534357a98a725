"""Fill the rollups from the approved values already in the database (activities/rollups.py
keeps them from now on). Reversible: going back empties them."""

from django.db import migrations


def populate(apps, schema_editor):
    from activities.rollups import SPAN_FIELDS, TOTAL_FIELDS, _expected, _figure

    ActivityValue = apps.get_model("activities", "ActivityValue")
    ApprovedFigure = apps.get_model("activities", "ApprovedFigure")
    PlanMonthTotal = apps.get_model("activities", "PlanMonthTotal")
    PlanStockSpan = apps.get_model("activities", "PlanStockSpan")
    figures = {}
    for plan_id, sub_id, indicator_id, month, value, numerator, denominator in (
        ActivityValue.objects.filter(
            report__status="approved", report__sub_agreement__parent__isnull=False
        )
        .values_list(
            "report__sub_agreement__parent_id",
            "report__sub_agreement_id",
            "indicator_id",
            "report__month",
            "value",
            "numerator",
            "denominator",
        )
        .iterator(chunk_size=5000)
    ):
        figure = _figure(value, numerator, denominator)
        if figure != (None, None, None):
            figures[(plan_id, sub_id, indicator_id, month)] = figure
    totals, spans = _expected(figures)
    ApprovedFigure.objects.bulk_create(
        (
            ApprovedFigure(
                plan_id=p, sub_agreement_id=s, indicator_id=i, month=m,
                value=f[0], numerator=f[1], denominator=f[2],
            )
            for (p, s, i, m), f in figures.items()
        ),
        batch_size=2000,
    )
    PlanMonthTotal.objects.bulk_create(
        (
            PlanMonthTotal(
                plan_id=p, indicator_id=i, month=m, **dict(zip(TOTAL_FIELDS, a, strict=True))
            )
            for (p, i, m), a in totals.items()
        ),
        batch_size=2000,
    )
    PlanStockSpan.objects.bulk_create(
        (
            PlanStockSpan(
                plan_id=p, indicator_id=i, since=s, until=u,
                **dict(zip(SPAN_FIELDS, a, strict=True)),
            )
            for (p, i, s, u), a in spans.items()
        ),
        batch_size=2000,
    )


def empty(apps, schema_editor):
    for name in ("ApprovedFigure", "PlanMonthTotal", "PlanStockSpan"):
        apps.get_model("activities", name).objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("activities", "0006_rollups")]

    operations = [migrations.RunPython(populate, empty)]
