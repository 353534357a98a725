from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core.text import nfc
from records.models import MAX_AMOUNT, MAX_PARTICIPANTS, RecordType
from records.services import MAX_FILES


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several photos or scans in one field; each is checked by the service
    (core.uploads), which refuses the whole save if one is bad."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".jpg,.jpeg,.png,.pdf"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if not data:
            return []
        files = data if isinstance(data, (list, tuple)) else [data]
        if len(files) > MAX_FILES:
            raise ValidationError(_("At most %(count)s files at a time.") % {"count": MAX_FILES})
        return [super(MultipleFileField, self).clean(item, initial) for item in files]


class NfcCharField(forms.CharField):
    def to_python(self, value):
        return nfc(super().to_python(value))


def _count_field(label, *, max_value=MAX_AMOUNT, help_text=""):
    return forms.IntegerField(
        label=label,
        required=False,
        min_value=0,
        max_value=max_value,
        localize=True,
        help_text=help_text,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        error_messages={
            "invalid": _("Enter a whole number, e.g. 1.800."),
            "min_value": _("Figures cannot be negative."),
            "max_value": _("This number is too large; check for a typing mistake."),
        },
    )


class RecordForm(forms.Form):
    record_type = forms.ModelChoiceField(
        label=_("Activity type"),
        queryset=RecordType.objects.filter(active=True).order_by("order", "name"),
        empty_label=None,
        error_messages={"invalid_choice": _("Choose an activity type from the list.")},
    )
    date = forms.DateField(
        label=_("Activity date"),
        # An ISO value, or Chromium shows an empty date field (pitfalls.md).
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        error_messages={"invalid": _("Enter a date, e.g. 12/09/2024.")},
    )
    place = NfcCharField(label=_("Commune / place"), max_length=200)
    participants = _count_field(_("Participants"), max_value=MAX_PARTICIPANTS)
    description = NfcCharField(
        label=_("Short description"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "What happened, in a sentence or two. For a tip passed to the Police, no names "
            "or details: the record only counts it."
        ),
    )
    files = MultipleFileField(
        label=_("Photos and minutes (JPEG, PNG, PDF)"),
        required=False,
        help_text=_("Photos are stored without their location data."),
    )

    def __init__(self, *args, indicators, attachments=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.indicators = indicators
        for indicator in indicators:
            self.fields[f"a_{indicator.pk}"] = _count_field(f"{indicator.name} ({indicator.unit})")
        self.attachments = list(attachments)
        if self.attachments:
            self.fields["remove"] = forms.TypedMultipleChoiceField(
                label=_("Remove attachments"),
                required=False,
                coerce=int,
                choices=[(a.pk, a.original_name or a.kind) for a in self.attachments],
                widget=forms.CheckboxSelectMultiple,
            )

    def amount_fields(self):
        return [self[f"a_{indicator.pk}"] for indicator in self.indicators]

    def amounts(self) -> dict[int, int] | None:
        """The amounts typed, or None when every box is empty (the type's defaults)."""
        typed = {
            indicator.pk: self.cleaned_data.get(f"a_{indicator.pk}")
            for indicator in self.indicators
        }
        if all(value is None for value in typed.values()):
            return None
        return {pk: value for pk, value in typed.items() if value}

    @staticmethod
    def initial_for(record) -> dict:
        initial = {
            "record_type": record.record_type_id,
            "date": record.date,
            "place": record.place,
            "participants": record.participants,
            "description": record.description,
        }
        for indicator_id, amount in record.amounts.values_list("indicator_id", "amount"):
            initial[f"a_{indicator_id}"] = amount
        return initial
