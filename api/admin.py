"""API tokens in the administration: the admin role only creates and revokes them. The
secret is shown once, on the page that follows creation, and stored nowhere."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from agreements.selectors import request_scope
from api.models import ApiToken
from api.services import token_create, token_revoke
from core.admin import SafeAutocompleteMixin
from core.scope import ADMIN


class ApiTokenForm(forms.ModelForm):
    class Meta:
        model = ApiToken
        fields = ("name", "user", "expires_at")


@admin.register(ApiToken)
class ApiTokenAdmin(SafeAutocompleteMixin, admin.ModelAdmin):
    form = ApiTokenForm
    list_display = (
        "name",
        "user",
        "prefix",
        "created_at",
        "expires_at",
        "revoked_at",
        "last_used_at",
    )
    list_filter = ("revoked_at",)
    search_fields = ("name", "prefix", "user__username")
    autocomplete_fields = ("user",)
    readonly_fields = (
        "name",
        "user",
        "prefix",
        "created_at",
        "created_by",
        "expires_at",
        "revoked_at",
        "revoked_by",
        "last_used_at",
    )
    actions = ["revoke"]

    # A token is as strong as the role of its user: only the admin role may hand one out,
    # even to itself (provincial staff could otherwise mint a token for an admin user).
    def _is_admin(self, request) -> bool:
        return ADMIN in request_scope(request).roles

    def has_module_permission(self, request):
        return self._is_admin(request)

    def has_view_permission(self, request, obj=None):
        return self._is_admin(request)

    def has_add_permission(self, request):
        return self._is_admin(request)

    def has_change_permission(self, request, obj=None):
        # The change page only shows the token; revoking is the action on the list.
        return self._is_admin(request)

    def has_delete_permission(self, request, obj=None):
        return False  # kept, so the audit trail's reasons keep naming it

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else self.readonly_fields

    def get_fields(self, request, obj=None):
        return ("name", "user", "expires_at") if obj is None else self.readonly_fields

    def save_model(self, request, obj, form, change):
        if change:
            raise PermissionDenied  # a token's fields never change; revoke it instead
        token, secret = token_create(
            name=obj.name,
            user=obj.user,
            created_by=request.user,
            expires_at=obj.expires_at,
        )
        obj.pk, obj.prefix, obj.key_hash = token.pk, token.prefix, token.key_hash
        obj.created_at, obj.created_by = token.created_at, token.created_by
        obj._state.adding = False
        request._api_token_secret = secret

    def response_add(self, request, obj, post_url_continue=None):
        response = TemplateResponse(
            request,
            "api/token_created.html",
            {
                **self.admin_site.each_context(request),
                "title": _("API token created"),
                "token": obj,
                "secret": request._api_token_secret,
                "opts": self.opts,
            },
        )
        # The one page that carries the secret: never kept by a browser or a proxy.
        response["Cache-Control"] = "no-store"
        return response

    @admin.action(description=gettext_lazy("Revoke the selected tokens"))
    def revoke(self, request, queryset):
        for token in queryset:
            token_revoke(token=token, user=request.user)
        self.message_user(
            request, _("%(count)d token(s) revoked.") % {"count": len(queryset)}, messages.SUCCESS
        )
