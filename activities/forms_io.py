"""Forms of the Excel/CSV pages: a period (and district) to download, and a file to upload."""

import datetime as dt

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from activities.exports import MAX_MONTHS
from core.calendar import months_between, parse_month_key
from core.workbook import size_text


class MonthField(forms.CharField):
    """A month typed as YYYY-MM (what <input type="month"> sends) or MM/YYYY."""

    widget = forms.TextInput(attrs={"type": "month", "placeholder": "2024-03"})

    def to_python(self, value) -> dt.date | None:
        value = super().to_python(value)
        if not value:
            return None
        if "/" in value:
            month, _sep, year = value.partition("/")
            value = f"{year}-{month.zfill(2)}"
        parsed = parse_month_key(value)
        if parsed is None:
            raise ValidationError(_("Enter a month as MM/YYYY, e.g. 03/2024."))
        return parsed


class PeriodForm(forms.Form):
    start = MonthField(label=_("From month"), required=False)
    end = MonthField(label=_("To month"), required=False)
    unit = forms.TypedChoiceField(label=_("District"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args, sub_agreements=(), all_label=None, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(a.pk, a.org_unit.name) for a in sub_agreements]
        if all_label:
            choices.insert(0, ("", all_label))
        self.fields["unit"].choices = choices

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end:
            if start > end:
                raise ValidationError(_("The first month must not be after the last month."))
            if len(months_between(start, end)) > MAX_MONTHS:
                raise ValidationError(
                    _("Choose at most %(count)s months at a time.") % {"count": MAX_MONTHS}
                )
        return cleaned


class ExportForm(PeriodForm):
    task = forms.TypedChoiceField(label=_("Task"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args, tasks=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["task"].choices = [("", _("All tasks"))] + [
            (task.pk, f"{task.order}. {task.name}") for task in tasks
        ]


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("File of figures (.xlsx or .csv)"),
        # An empty file gets the import's own message, like every other unreadable file.
        allow_empty_file=True,
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > settings.MAX_UPLOAD_BYTES:
            raise ValidationError(
                _("The file is larger than %(limit)s. Split it into smaller files.")
                % {"limit": size_text(settings.MAX_UPLOAD_BYTES)}
            )
        return upload
