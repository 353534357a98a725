from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from agreements.selectors import user_scope
from audit.admin import AuditedAdminMixin
from core.scope import ADMIN
from reports.models import IssuedReport, RenderJob, SignatureImage
from reports.services_signatures import signature_image_prepare, signature_image_save


class WithdrawnFilter(admin.SimpleListFilter):
    title = _("withdrawn")
    parameter_name = "withdrawn"

    def lookups(self, request, model_admin):
        return [("no", _("In force")), ("yes", _("Withdrawn"))]

    def queryset(self, request, queryset):
        if self.value() == "no":
            return queryset.filter(withdrawn_at__isnull=True)
        if self.value() == "yes":
            return queryset.filter(withdrawn_at__isnull=False)
        return queryset


@admin.register(IssuedReport)
class IssuedReportAdmin(admin.ModelAdmin):
    """Read-only: an issued document is a record; it is never edited or deleted after issue.
    One issued by mistake is withdrawn, with a reason, from the issued reports page."""

    list_display = [
        "number_line",
        "kind",
        "period_label",
        "sub_agreement",
        "issued_by",
        "issued_at",
        "withdrawn_at",
    ]
    list_filter = ["kind", "period", WithdrawnFilter]
    readonly_fields = [field.name for field in IssuedReport._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        # Also removes the bulk "delete selected" action.
        return False


@admin.register(RenderJob)
class RenderJobAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "kind", "period", "issue", "status", "seconds", "requested_by"]
    list_filter = ["status", "kind"]
    readonly_fields = [field.name for field in RenderJob._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class SignatureImageForm(forms.ModelForm):
    upload = forms.FileField(
        label=_("Image (PNG or JPEG)"),
        help_text=_(
            "At most 2 MB. A seal or a signature on white paper: the white becomes "
            "transparent. The image is re-encoded; only its picture is kept."
        ),
    )

    class Meta:
        model = SignatureImage
        fields = ["agency", "kind", "signer_name"]

    def clean_upload(self):
        upload = self.cleaned_data["upload"]
        signature_image_prepare(upload)  # judged here for the form's message, again on save
        upload.seek(0)
        return upload

    def validate_unique(self):
        # Uploading again for the same agency, kind and signer replaces the image (the
        # service updates the row), so an existing one is not an error here.
        pass


@admin.register(SignatureImage)
class SignatureImageAdmin(admin.ModelAdmin):
    """Signatures and seals for electronic originals, for administrators only. Saving goes
    through the service (content check, re-encoding, audit); an image is replaced by
    uploading again, never edited or deleted."""

    form = SignatureImageForm
    list_display = [
        "agency",
        "kind",
        "signer_name",
        "width",
        "height",
        "uploaded_by",
        "uploaded_at",
    ]
    list_filter = ["kind"]

    def _is_admin(self, request) -> bool:
        return ADMIN in user_scope(request.user).roles

    def has_module_permission(self, request):
        return self._is_admin(request)

    def has_view_permission(self, request, obj=None):
        return self._is_admin(request)

    def has_add_permission(self, request):
        return self._is_admin(request)

    def has_change_permission(self, request, obj=None):
        return self._is_admin(request)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        saved = signature_image_save(
            user=request.user,
            agency=form.cleaned_data["agency"],
            kind=form.cleaned_data["kind"],
            signer_name=form.cleaned_data.get("signer_name") or "",
            upload=form.cleaned_data["upload"],
        )
        form.instance = saved
        obj.pk = saved.pk

    def save_related(self, request, form, formsets, change):
        pass  # no related objects; the service wrote and audited everything
