from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from activities.services import ValueInput
from agreements.models import Indicator
from core.text import nfc

MAX_FIGURE = 10**12
# Versions count saves of one month; anything beyond a 32-bit integer is a forged form:
# refuse it in the form rather than carry it into database lookups.
MAX_VERSION = 2**31 - 1


class TextField(forms.CharField):
    """Text normalised *before* validation: NFC (so max_length counts what is stored: NFC can
    lengthen a string) and without NUL characters (PostgreSQL refuses them)."""

    def to_python(self, value):
        return nfc(super().to_python(value))


def _version_field() -> forms.IntegerField:
    return forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=MAX_VERSION)


def _number_field(label: str) -> forms.IntegerField:
    # localize=True accepts the Vietnamese thousands separator ("1.800") and renders a text
    # input with a numeric keypad on phones.
    return forms.IntegerField(
        label=label,
        required=False,
        min_value=0,
        max_value=MAX_FIGURE,
        localize=True,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        error_messages={
            "invalid": _("Enter a whole number, e.g. 1.800."),
            "min_value": _("Figures cannot be negative."),
            "max_value": _("This number is too large; check for a typing mistake."),
        },
    )


class MonthlyEntryForm(forms.Form):
    version = _version_field()
    narrative = TextField(
        label=_("Narrative"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args, indicators: list[Indicator], **kwargs):
        super().__init__(*args, **kwargs)
        self.indicators = indicators
        for indicator in indicators:
            if indicator.is_ratio:
                self.fields[f"n_{indicator.pk}"] = _number_field(
                    indicator.numerator_label or _("Numerator")
                )
                self.fields[f"d_{indicator.pk}"] = _number_field(
                    indicator.denominator_label or _("Denominator")
                )
            else:
                self.fields[f"v_{indicator.pk}"] = _number_field(indicator.name)
            self.fields[f"c_{indicator.pk}"] = TextField(
                label=_("Comment"), required=False, max_length=500
            )

    def clean(self):
        cleaned = super().clean()
        for indicator in self.indicators:
            if indicator.is_ratio:
                numerator = cleaned.get(f"n_{indicator.pk}")
                denominator = cleaned.get(f"d_{indicator.pk}")
                if (numerator is None) != (denominator is None):
                    self.add_error(
                        f"d_{indicator.pk}" if denominator is None else f"n_{indicator.pk}",
                        ValidationError(_("Enter both the numerator and the denominator.")),
                    )
                elif numerator is not None and numerator > denominator:
                    self.add_error(
                        f"n_{indicator.pk}",
                        ValidationError(_("The numerator cannot be greater than the denominator.")),
                    )
        return cleaned

    def value_inputs(self) -> dict[int, ValueInput]:
        data = self.cleaned_data
        return {
            indicator.pk: ValueInput(
                value=data.get(f"v_{indicator.pk}"),
                numerator=data.get(f"n_{indicator.pk}"),
                denominator=data.get(f"d_{indicator.pk}"),
                comment=data.get(f"c_{indicator.pk}") or "",
            )
            for indicator in self.indicators
        }

    @staticmethod
    def initial_for(report, rows) -> dict:
        initial = {
            "version": report.version if report else 1,
            "narrative": report.narrative if report else "",
        }
        for group in rows:
            for row in group.rows:
                value = row.value
                if value is None:
                    continue
                pk = row.indicator.pk
                initial.update(
                    {
                        f"v_{pk}": value.value,
                        f"n_{pk}": value.numerator,
                        f"d_{pk}": value.denominator,
                        f"c_{pk}": value.comment,
                    }
                )
        return initial


class ReasonForm(forms.Form):
    version = _version_field()
    reason = TextField(
        label=_("Reason"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
