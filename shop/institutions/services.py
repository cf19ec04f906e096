"""A unit's manager keeps its members: adding a buyer account, removing one.
A unit always keeps at least one manager."""

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.utils.translation import gettext as _

from shop.institutions.models import BuyingUnit, UnitMembership


class MembershipError(Exception):
    pass


def _managed_unit(*, unit_id: int, actor: AbstractBaseUser) -> BuyingUnit:
    unit = BuyingUnit.objects.select_for_update().filter(pk=unit_id).first()
    if (
        unit is None
        or not UnitMembership.objects.filter(
            unit=unit, user=actor, role=UnitMembership.Role.MANAGER
        ).exists()
    ):
        raise MembershipError(_("只有单位的管理员可以管理成员。"))
    return unit


def add_member(*, unit_id: int, user: AbstractBaseUser | None, actor: AbstractBaseUser) -> None:
    """Make ``user`` (a buyer account found by its mobile number) a member."""
    with transaction.atomic():
        unit = _managed_unit(unit_id=unit_id, actor=actor)
        if user is None:
            raise MembershipError(_("找不到用这个手机号注册并验证过的买家账户，请对方先注册。"))
        if UnitMembership.objects.filter(unit=unit, user=user).exists():
            raise MembershipError(_("此人已经是本单位的成员。"))
        UnitMembership.objects.create(unit=unit, user=user, role=UnitMembership.Role.MEMBER)


def remove_member(*, unit_id: int, membership_id: int, actor: AbstractBaseUser) -> None:
    with transaction.atomic():
        unit = _managed_unit(unit_id=unit_id, actor=actor)
        membership = UnitMembership.objects.filter(unit=unit, pk=membership_id).first()
        if membership is None:
            raise MembershipError(_("本单位没有这位成员。"))
        if (
            membership.role == UnitMembership.Role.MANAGER
            and not unit.memberships.filter(role=UnitMembership.Role.MANAGER)
            .exclude(pk=membership.pk)
            .exists()
        ):
            raise MembershipError(_("单位至少要有一位管理员，不能移除最后一位管理员。"))
        membership.delete()
