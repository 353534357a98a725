from django import forms

from notifications.models import Delivery, Kind


class PreferencesForm(forms.Form):
    """One choice per kind: portal only, email at once, or the daily digest."""

    def __init__(self, *args, kinds: list[str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        for kind in kinds or Kind.values:
            self.fields[kind] = forms.ChoiceField(
                label=Kind(kind).label,
                choices=Delivery.choices,
                widget=forms.RadioSelect,
            )

    def deliveries(self) -> dict[str, str]:
        return dict(self.cleaned_data)
