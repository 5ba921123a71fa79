from django import forms
from django.apps import apps
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from .actions import record_role_change
from .models import ApiToken, Role, User
from .password_reset import send_password_reset

# What an administrator may not change on their own account: nobody raises their own role
# or scope, brings themselves back once disabled, or links their account to a colleague's
# staff record (they would then see, and answer, that colleague's alerts).
_FIXED_FOR_ONESELF = ["role", "scope_all", "scope_departments", "is_active", "staff"]


class AccountCreationForm(forms.ModelForm):
    """A new account has no password: its owner sets one from the link an administrator
    sends to their address (nobody else ever knows it)."""

    class Meta:
        model = User
        fields = ["username", "email"]

    def clean_email(self):
        email = self.cleaned_data["email"].strip()
        if not email:
            raise ValidationError(_("The person's work e-mail address: the link goes there."))
        return email

    def save(self, commit=True):
        user = super().save(commit=False)
        user.set_unusable_password()
        if commit:
            user.save()
        return user


@admin.register(User)
class RenrakuUserAdmin(UserAdmin):
    """Accounts. Separation of duties: the auditor role is granted only from the command
    line (`renraku account role`), and an auditor's account cannot be changed, given a
    password or deleted here, so an administrator cannot take over the account that reads
    what administrators do."""

    list_display = ["username", "email", "last_name", "first_name", "role", "is_active"]
    list_filter = ["role", "is_active"]
    raw_id_fields = ["staff"]
    filter_horizontal = ["scope_departments"]
    # No password here, for anyone: an administrator who set a colleague's password could
    # sign in as them. They send a reset link to the person's own address instead.
    fieldsets = [
        (None, {"fields": ["username"]}),
        (_("Personal info"), {"fields": ["first_name", "last_name", "email"]}),
        (_("Role and scope"), {"fields": ["role", "staff", "scope_all", "scope_departments"]}),
        (_("Status"), {"fields": ["is_active", "last_login", "date_joined"]}),
    ]
    add_form = AccountCreationForm
    add_fieldsets = [(None, {"fields": ["username", "email"]})]
    actions = ["send_reset_link"]

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        # Read-only fields are left out of the form, so a forged POST cannot set them.
        if obj is not None and obj.pk == request.user.pk:
            fields += _FIXED_FOR_ONESELF
        # The address a reset link goes to is not the administrator's to point elsewhere.
        if obj is not None:
            fields.append("email")
        return fields

    def user_change_password(self, request, id, form_url=""):
        """Django's page for setting an account's password: nobody's, here (one's own is
        changed with the old one, on the admin's own password page)."""
        raise PermissionDenied

    @admin.action(description=_("Send a link to set their password, to their own address"))
    def send_reset_link(self, request, queryset):
        for user in queryset:
            try:
                address = send_password_reset(user, by=request.user, request=request)
            except ValidationError as exc:
                self.message_user(
                    request, f"{user.username}: {' '.join(exc.messages)}", messages.ERROR
                )
            else:
                self.message_user(
                    request,
                    _("%(user)s: a link to set their password was sent to %(address)s.")
                    % {"user": user.username, "address": address},
                )

    def formfield_for_choice_field(self, db_field, request, **kwargs):
        if db_field.name == "role":
            kwargs["choices"] = [(v, label) for v, label in Role.choices if v != Role.AUDITOR]
        return super().formfield_for_choice_field(db_field, request, **kwargs)

    def has_change_permission(self, request, obj=None):
        # Also guards UserAdmin's password view, which asks this for the account.
        if obj is not None and obj.role == Role.AUDITOR:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        # Bulk deletion asks this for every selected account too.
        if obj is not None and obj.role == Role.AUDITOR:
            return False
        return super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        old_role = form.initial.get("role")
        super().save_model(request, obj, form, change)
        if change and "role" in form.changed_data:
            record_role_change(obj, old_role, request=request)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "hint",
        "user",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
    ]
    # `user` too: pointing a token one holds at someone else's account would act as them.
    # Validity only ever shrinks here: a token can be revoked, never revived or extended
    # (a leaked token once revoked stays dead).
    readonly_fields = ["user", "digest", "hint", "created_at", "last_used_at", "expires_at"]
    actions = ["revoke"]

    def get_queryset(self, request):
        # An auditor's tokens are out of administrators' reach, like their account.
        return super().get_queryset(request).exclude(user__role=Role.AUDITOR)

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and obj.revoked_at is not None:
            fields.append("revoked_at")
        return fields

    def has_add_permission(self, request):
        return False  # made with `renraku token create`, which shows the token once

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request, queryset):
        from django.utils import timezone

        for token in queryset.filter(revoked_at__isnull=True):
            token.revoked_at = timezone.now()
            token.save(update_fields=["revoked_at"])
            self.log_change(request, token, "revoked")


# django_otp's own admin shows each device's secret and its QR code: whoever sees them can
# make that person's codes for ever. Ours shows an administrator their own devices only,
# with no secret, and deletes one (a lost phone: they enrol again at their next sign-in).
# Another person's second factor is not theirs to remove: with it gone, whoever knew the
# password could enrol a device of their own.
if admin.site.is_registered(TOTPDevice):
    admin.site.unregister(TOTPDevice)


@admin.register(TOTPDevice)
class AuthenticatorAdmin(admin.ModelAdmin):
    list_display = ["user", "name", "confirmed"]
    list_select_related = ["user"]
    search_fields = ["user__username", "user__email"]
    fields = readonly_fields = ["user", "name", "confirmed"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(user=request.user)

    def has_add_permission(self, request):
        return False  # enrolment is the person's own, on the two-factor page

    def has_change_permission(self, request, obj=None):
        return False


# The admin's index names apps and models by these; django_otp's are English only. Set on
# the running objects rather than in a Meta, so no migration of a third-party app follows.
apps.get_app_config("otp_totp").verbose_name = _("Two-factor sign-in")
TOTPDevice._meta.verbose_name = _("authenticator app")
TOTPDevice._meta.verbose_name_plural = _("authenticator apps")
