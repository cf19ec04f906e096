"""Which staff accounts have set up two-factor log-in (issue #21, finding 4): a
read-only list for superusers and aid officers, who answer for the accounts."""

from allauth.mfa.models import Authenticator
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.admin.menu import MenuItem

from core.roles import STAFF_ROLES, is_aid_officer


def may_see(user) -> bool:
    return user.is_superuser or is_aid_officer(user)


def staff_mfa_view(request):
    if not may_see(request.user):
        raise PermissionDenied(_("您没有查看员工两步验证情况的权限。"))
    staff = (
        get_user_model()
        .objects.filter(Q(is_superuser=True) | Q(groups__name__in=STAFF_ROLES), is_active=True)
        .distinct()
        .annotate(
            has_totp=Exists(
                Authenticator.objects.filter(user=OuterRef("pk"), type=Authenticator.Type.TOTP)
            ),
            has_recovery_codes=Exists(
                Authenticator.objects.filter(
                    user=OuterRef("pk"), type=Authenticator.Type.RECOVERY_CODES
                )
            ),
        )
        .prefetch_related("groups")
        .order_by("has_totp", "username")
    )
    return TemplateResponse(
        request,
        "aid_accounting/admin/staff_mfa.html",
        {"title": _("员工两步验证"), "staff": staff},
    )


class StaffMFAMenuItem(MenuItem):
    def is_shown(self, request) -> bool:
        return may_see(request.user)


def menu_item() -> StaffMFAMenuItem:
    return StaffMFAMenuItem(
        gettext_lazy("员工两步验证"),
        reverse("staff_mfa"),
        name="staff-mfa",
        icon_name="lock",
        order=910,
    )


def urls() -> list:
    return [path("staff/mfa/", staff_mfa_view, name="staff_mfa")]
