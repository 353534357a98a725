"""Forms of the housing register's pages. They parse; the rules are in housing/services.py."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from core.workbook import size_text
from housing.models import House, Household
from housing.services import MAX_AMOUNT, HouseholdInput, HouseInput


class DateInput(forms.DateInput):
    # <input type="date"> needs ISO dates whatever the locale's format (pitfalls.md).
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class HouseForm(forms.Form):
    commune = forms.CharField(label=_("Commune"), max_length=200)
    village = forms.CharField(label=_("Village"), max_length=200, required=False)
    current_unit = forms.TypedChoiceField(
        label=_("Current unit (after the reform)"), coerce=int, required=False, empty_value=None
    )
    funding_source = forms.ChoiceField(label=_("Funding source"), choices=House.Funding.choices)
    funding_name = forms.CharField(
        label=_("Name of the other source"), max_length=200, required=False
    )
    amount = forms.IntegerField(label=_("Amount (VND)"), min_value=0, max_value=MAX_AMOUNT)
    planned_completion = forms.DateField(
        label=_("Planned completion"), required=False, widget=DateInput()
    )
    note = forms.CharField(label=_("Note"), max_length=500, required=False)

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["current_unit"].choices = [(unit.pk, unit.name) for unit in units]

    @classmethod
    def initial_from(cls, house: House) -> dict:
        return {
            "commune": house.commune,
            "village": house.village,
            "current_unit": house.current_unit_id or house.sub_agreement.org_unit_id,
            "funding_source": house.funding_source,
            "funding_name": house.funding_name,
            "amount": house.amount,
            "planned_completion": house.planned_completion,
            "note": house.note,
        }

    def to_input(self) -> HouseInput:
        data = self.cleaned_data
        return HouseInput(
            commune=data["commune"],
            village=data["village"],
            funding_source=data["funding_source"],
            funding_name=data["funding_name"],
            amount=data["amount"],
            planned_completion=data["planned_completion"],
            current_unit_id=data["current_unit"],
            note=data["note"],
        )


class HouseholdForm(forms.Form):
    """Personal data: shown only to the roles with the right, each showing logged."""

    prefix = "household"
    head_name = forms.CharField(label=_("Head of household"), max_length=200, required=False)
    id_number = forms.CharField(
        label=_("Citizen ID number (CCCD, 12 digits)"), max_length=20, required=False
    )
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False)
    basis = forms.ChoiceField(
        label=_("Lawful basis"), choices=Household.Basis.choices, initial="legal_duty"
    )
    consent_on = forms.DateField(label=_("Consent given on"), required=False, widget=DateInput())
    basis_note = forms.CharField(
        label=_("How the household was informed and the basis recorded"),
        max_length=500,
        required=False,
    )

    @classmethod
    def initial_from(cls, household: Household | None) -> dict:
        if household is None:
            return {}
        return {
            key: getattr(household, key)
            for key in ("head_name", "id_number", "phone", "basis", "consent_on", "basis_note")
        }

    def to_input(self) -> HouseholdInput:
        return HouseholdInput(**self.cleaned_data)


class AdvanceForm(forms.Form):
    to_status = forms.ChoiceField(choices=House.Status.choices, widget=forms.HiddenInput)
    on = forms.DateField(label=_("Date of this step"), widget=DateInput())


class PhotoForm(forms.Form):
    photo = forms.FileField(
        label=_("Photo (JPEG or PNG, at most %(size)s)")
        % {"size": size_text(settings.MAX_UPLOAD_BYTES)}
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Request (who asked, and why)"), max_length=300)


class FilterForm(forms.Form):
    q = forms.CharField(label=_("Search (commune, village, note)"), required=False, max_length=100)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All")), *House.Status.choices]
    )
    funding = forms.ChoiceField(
        label=_("Funding source"),
        required=False,
        choices=[("", _("All")), *House.Funding.choices],
    )
    district = forms.TypedChoiceField(
        label=_("Former district"), required=False, coerce=int, empty_value=None
    )
    unit = forms.TypedChoiceField(
        label=_("Current unit"), required=False, coerce=int, empty_value=None
    )
    late = forms.BooleanField(label=_("Late only"), required=False)
    page = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def __init__(self, *args, districts=(), units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["district"].choices = [("", _("All")), *((u.pk, u.name) for u in districts)]
        self.fields["unit"].choices = [("", _("All")), *((u.pk, u.name) for u in units)]
        if not districts:
            del self.fields["district"]
        if not units:
            del self.fields["unit"]


class UploadForm(forms.Form):
    file = forms.FileField(label=_("House list (.xlsx)"))
