from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from activities.models import ActivityValue
from activities.services import MAX_FIGURE, ValueInput, figure_errors
from agreements.models import Indicator
from core.text import nfc

COMMENT_MAX_LENGTH = ActivityValue._meta.get_field("comment").max_length
# Versions count saves of one month; anything beyond a 32-bit integer is a forged form:
# refuse it in the form rather than carry it into database lookups.
MAX_VERSION = 2**31 - 1


class TextField(forms.CharField):
    """Text normalised *before* validation: NFC (so max_length counts what is stored: NFC can
    lengthen a string) and without NUL characters (PostgreSQL refuses them)."""

    def to_python(self, value):
        return nfc(super().to_python(value))


def _version_field(min_value: int = 1) -> forms.IntegerField:
    return forms.IntegerField(widget=forms.HiddenInput, min_value=min_value, max_value=MAX_VERSION)


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
    # 0 for a month that has no report yet: the report is created by the first save.
    version = _version_field(min_value=0)
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
                label=_("Comment"), required=False, max_length=COMMENT_MAX_LENGTH
            )

    FIELD_PREFIX = {"value": "v", "numerator": "n", "denominator": "d", "comment": "c"}

    def clean(self):
        cleaned = super().clean()
        # The service's rules, shown beside the field at fault (the service checks them
        # again when writing, for every path); an indicator whose fields are already in
        # error (not a number, negative) is left to those messages.
        for indicator_id, entry in self.value_inputs().items():
            indicator = next(i for i in self.indicators if i.pk == indicator_id)
            names = [f"{prefix}_{indicator.pk}" for prefix in self.FIELD_PREFIX.values()]
            if any(name in self.errors for name in names):
                continue
            for field, messages in figure_errors(indicator=indicator, entry=entry).items():
                name = f"{self.FIELD_PREFIX[field]}_{indicator.pk}"
                if name not in self.fields:
                    name = None
                for message in messages:
                    self.add_error(name, ValidationError(message))
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
            "version": report.version if report else 0,
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
