"""Forms of the plan pages: start the next plan, close a plan."""

import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _

from agreements.models import Agreement
from agreements.services_plans import PlanDetails


def _date_field(label, *, required: bool = True) -> forms.DateField:
    # An <input type="date"> reads and writes ISO dates only (pitfalls.md).
    return forms.DateField(
        label=label,
        required=required,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
    )


class PlanNextForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=300)
    code = forms.SlugField(
        label=_("Code"),
        max_length=20,
        help_text=_("Short and unique, letters, digits and hyphens; it appears in addresses."),
    )
    number = forms.CharField(label=_("Number"), max_length=64, required=False)
    signed_on = _date_field(_("Signed on"), required=False)
    start_date = _date_field(_("Start date"))
    end_date = _date_field(_("End date"))
    period_rule = forms.ChoiceField(
        label=_("Reporting period"), choices=Agreement.PeriodRule.choices
    )
    submission_deadline_day = forms.IntegerField(
        label=_("Submission deadline (day of the following month)"), min_value=1, max_value=28
    )
    status = forms.ChoiceField(
        label=_("Create it as"),
        choices=[
            (Agreement.Status.ACTIVE, _("Active: units can report from the start date")),
            (Agreement.Status.DRAFT, _("Draft: check it first, then activate it")),
        ],
        initial=Agreement.Status.ACTIVE,
        widget=forms.RadioSelect,
    )

    @staticmethod
    def initial_for(previous: Agreement) -> dict:
        """The day after the previous plan, for as long as it ran; its rule and deadline."""
        start = previous.end_date + dt.timedelta(days=1)
        length = previous.end_date - previous.start_date
        return {
            "start_date": start,
            "end_date": start + length,
            "period_rule": previous.period_rule,
            "submission_deadline_day": previous.submission_deadline_day,
            "status": Agreement.Status.ACTIVE,
        }

    def clean(self):
        data = super().clean()
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", _("The end date cannot be before the start date."))
        return data

    def details(self) -> PlanDetails:
        data = self.cleaned_data
        return PlanDetails(
            code=data["code"],
            title=data["title"],
            number=data["number"],
            signed_on=data["signed_on"],
            start_date=data["start_date"],
            end_date=data["end_date"],
            period_rule=data["period_rule"],
            submission_deadline_day=data["submission_deadline_day"],
        )


class PlanCloseForm(forms.Form):
    reason = forms.CharField(
        label=_("Note (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
