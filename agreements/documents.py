"""The signed agreement document: checked on upload, stored under a random name, and read
back only through a view that applies the user's scope."""

import secrets

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db.models import Q
from django.http import Http404
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from agreements.models import Agreement
from core.scope import UserScope

PDF_MAGIC = b"%PDF-"
# A PDF may start with a few bytes of junk before the header (the spec allows 1024).
PDF_HEADER_WINDOW = 1024


def document_validate(upload: UploadedFile) -> None:
    """Refuse files that are too large or are not PDFs. The type is sniffed from the content:
    a name ending in .pdf or a browser-sent content type proves nothing."""
    if upload.size is not None and upload.size > settings.MAX_UPLOAD_BYTES:
        raise ValidationError(
            _("The file is too large (%(size)s); the limit is %(limit)s.")
            % {
                "size": filesizeformat(upload.size),
                "limit": filesizeformat(settings.MAX_UPLOAD_BYTES),
            },
            code="too_large",
        )
    upload.seek(0)
    head = upload.read(PDF_HEADER_WINDOW)
    upload.seek(0)
    if PDF_MAGIC not in head:
        raise ValidationError(_("The signed document must be a PDF file."), code="not_pdf")


def document_random_name() -> str:
    """A stored name that says nothing about the agreement and cannot be guessed."""
    return f"{secrets.token_hex(16)}.pdf"


class AgreementForm(forms.ModelForm):
    """Used by the administration: validates the document and renames it before storage."""

    class Meta:
        model = Agreement
        fields = "__all__"  # noqa: DJ007 - the administration edits every field

    def clean_document(self):
        document = self.cleaned_data.get("document")
        if isinstance(document, UploadedFile):
            document_validate(document)
            document.name = document_random_name()
        return document


def agreement_document_get(*, pk: int, scope: UserScope) -> Agreement:
    """An agreement with a document the user may read, or 404: the provincial plan is read
    by every signed-in user, a district sub-agreement only by its district and the province."""
    if not scope.is_authenticated:
        raise Http404
    visible = Q(parent__isnull=True)
    if scope.sees_all:
        visible |= Q(parent__isnull=False)
    else:
        visible |= Q(parent__isnull=False, org_unit_id__in=scope.district_unit_ids)
    agreement = Agreement.objects.filter(visible, pk=pk).exclude(document="").first()
    if agreement is None:
        raise Http404
    return agreement
