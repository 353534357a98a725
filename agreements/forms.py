"""The reform page's form: the date, the legal basis, and the rows from a mapping file or,
for a small reform, from units picked in the form."""

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from agreements.models import OrgUnit
from core.workbook import size_text


class ReformForm(forms.Form):
    on = forms.DateField(
        label=_("First day of the new units"),
        help_text=_("The old units end the day before. Units report by month: the 1st."),
        # ISO: Chromium drops a type=date value in the localised format (pitfalls.md).
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    basis = forms.CharField(
        label=_("Legal basis"),
        max_length=200,
        help_text=_("The act that made the change, e.g. NQ 1678/NQ-UBTVQH15."),
    )
    file = forms.FileField(
        label=_("Mapping file (.xlsx or .csv)"),
        required=False,
        allow_empty_file=True,
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )
    old_units = forms.ModelMultipleChoiceField(
        label=_("Or, for a small reform: the old units"),
        queryset=OrgUnit.objects.none(),
        to_field_name="code",
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    successors = forms.CharField(
        label=_("Their successors, one per line: code, name, kind"),
        help_text=_(
            "e.g. “17329, Xã Anh Sơn, xa”. Kind: xa, phuong, huyen, thi_xa or thanh_pho. An "
            "existing code is reused as it is (a merger into an existing unit)."
        ),
        required=False,
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Every unit but the province (a reform may be recorded after its date).
        self.fields["old_units"].queryset = OrgUnit.objects.exclude(
            kind=OrgUnit.Kind.PROVINCE
        ).order_by("name")

    def clean_on(self):
        on = self.cleaned_data["on"]
        if on.day != 1:
            raise ValidationError(
                _("The reform date must be the first day of a month: units report by month.")
            )
        return on

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if upload and upload.size > settings.MAX_UPLOAD_BYTES:
            raise ValidationError(
                _("The file is larger than %(limit)s. Split it into smaller files.")
                % {"limit": size_text(settings.MAX_UPLOAD_BYTES)}
            )
        return upload

    def clean(self):
        data = super().clean()
        has_file = bool(data.get("file"))
        has_units = bool(data.get("old_units")) and bool((data.get("successors") or "").strip())
        if not has_file and not has_units:
            raise ValidationError(
                _("Upload a mapping file, or choose the old units and type their successors.")
            )
        if has_file and (data.get("old_units") or (data.get("successors") or "").strip()):
            raise ValidationError(
                _("Use either a mapping file or the units picked in the form, not both.")
            )
        return data
