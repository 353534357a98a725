"""Who may hand out rights. Only the admin role (an ``admin`` Membership, or superuser) may
grant or remove superuser, staff, groups, permissions or the admin role; everyone else who
manages accounts (provincial staff) may only manage accounts whose rights do not exceed
their own — never their own roles, never an admin's account."""

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import Permission
from django.db.models import Q

from agreements.models import Membership

Role = Membership.Role

# Fields of the user model that carry rights: only the admin role may change them.
PRIVILEGED_USER_FIELDS = ("is_superuser", "is_staff", "groups", "user_permissions")


def grants_rights(user: AbstractBaseUser) -> bool:
    """The admin role: superuser, or an active account with an ``admin`` membership."""
    if not (user.is_authenticated and user.is_active):
        return False
    return user.is_superuser or Membership.objects.filter(user=user, role=Role.ADMIN).exists()


def _permissions(user: AbstractBaseUser) -> set[str]:
    # Read from the tables, not ``get_all_permissions()``: that is empty for an inactive
    # account, which would let its rights be "below" anyone's until it is reactivated.
    return {
        f"{app}.{codename}"
        for app, codename in Permission.objects.filter(Q(user=user) | Q(group__user=user))
        .values_list("content_type__app_label", "codename")
        .distinct()
    }


def rights_exceed(target: AbstractBaseUser, actor: AbstractBaseUser) -> bool:
    """Whether ``target`` holds any right ``actor`` lacks (so ``actor`` may not edit,
    delete or set the password of ``target``: that would be a way to those rights)."""
    if grants_rights(actor):
        return False
    if target.is_superuser or (target.is_staff and not actor.is_staff):
        return True
    if Membership.objects.filter(user=target, role=Role.ADMIN).exists():
        return True
    return not _permissions(target) <= _permissions(actor)
