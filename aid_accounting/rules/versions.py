"""Setting aid rules (带贫益贫机制): the only writer of ``AidRule``.

A rule has a scope, a producer or one of its products, and a chain of
versions. Setting a rule adds a version: it closes the current one the day
before the new one starts, and refuses what would make two versions cover the
same day, or rewrite a day that sales have already been accrued under (by
this rule, by the producer's rule its product's rule would override, or by
none).
"""

import datetime

from django.contrib.auth.models import AbstractUser
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from aid_accounting.calendar import start_of_day
from aid_accounting.exceptions import RuleError
from aid_accounting.rules.models import AidPool, AidRule
from core.money import BASIS_POINTS
from core.roles import Actor, acting_user, require_permission
from producers.models import Producer
from shop.catalogue.models import ProductPage
from shop.orders.models import OrderLine

# The change reason of a version's history record when a newer version closes it.
RULE_SUPERSEDED = "rule_superseded"


def set_rule(
    *,
    producer: Producer,
    pool: AidPool,
    share_bp: int,
    valid_from: datetime.date,
    product: ProductPage | None = None,
    fixed_fen_per_unit: int = 0,
    valid_to: datetime.date | None = None,
    actor: Actor,
    note: str = "",
) -> AidRule:
    """Add a version of the rule for ``producer`` (or its ``product``) and return it.
    ``actor``: a user allowed to add rules (the admin's aid officer), or ``SYSTEM``
    (the demo)."""
    require_permission(actor, "aid_accounting.add_aidrule", message=_("你没有设置帮扶规则的权限。"))
    _check_terms(
        producer=producer,
        product=product,
        share_bp=share_bp,
        fixed_fen_per_unit=fixed_fen_per_unit,
        valid_from=valid_from,
        valid_to=valid_to,
    )
    with transaction.atomic():
        scope = AidRule.objects.filter(producer=producer, product=product)
        current = scope.select_for_update().order_by("-version").first()
        if current is not None:
            _close_for(current, valid_from=valid_from, actor=acting_user(actor))
        _refuse_sales_under_another_rule(
            producer=producer, product=product, valid_from=valid_from, valid_to=valid_to
        )
        rule = AidRule(
            producer=producer,
            product=product,
            pool=pool,
            share_bp=share_bp,
            fixed_fen_per_unit=fixed_fen_per_unit,
            valid_from=valid_from,
            valid_to=valid_to,
            version=1 if current is None else current.version + 1,
            supersedes=current,
            created_by=acting_user(actor),
            created_at=timezone.now(),
            note=note[:255],
        )
        rule._history_user = acting_user(
            actor
        )  # simple-history's "who", for tasks and commands too
        rule.save()
        return rule


def _check_terms(
    *,
    producer: Producer,
    product: ProductPage | None,
    share_bp: int,
    fixed_fen_per_unit: int,
    valid_from: datetime.date,
    valid_to: datetime.date | None,
) -> None:
    for name, value in (("share_bp", share_bp), ("fixed_fen_per_unit", fixed_fen_per_unit)):
        if not isinstance(value, int) or isinstance(value, bool):
            raise TypeError(f"{name} must be an int, got {value!r}")
    if not 0 <= share_bp <= BASIS_POINTS:
        raise RuleError(
            _("帮扶比例应在 0 到 100%% 之间（0 到 10000 个基点），收到的是 %(bp)s 个基点。")
            % {"bp": share_bp}
        )
    if fixed_fen_per_unit < 0:
        raise RuleError(_("每件固定金额不能为负数。"))
    if valid_to is not None and valid_to < valid_from:
        raise RuleError(_("失效日期不能早于生效日期。"))
    if product is not None and product.producer_id != producer.pk:
        raise RuleError(
            _("商品“%(product)s”不属于生产者“%(producer)s”。")
            % {"product": product.title, "producer": producer.name}
        )


def _refuse_sales_under_another_rule(
    *,
    producer: Producer,
    product: ProductPage | None,
    valid_from: datetime.date,
    valid_to: datetime.date | None,
) -> None:
    """Refuse a version that would govern sales already accrued under another
    rule (or none): a product's rule starting on a day its product already
    sold under the producer's rule, say. Those lines keep what they accrued,
    so the new version could only start the day after."""
    governed = OrderLine.objects.filter(aid_accrual__accrued_at__gte=start_of_day(valid_from))
    # The last date there is has no day after it: such a version is open-ended.
    if valid_to is not None and valid_to < datetime.date.max:
        governed = governed.filter(
            aid_accrual__accrued_at__lt=start_of_day(valid_to + datetime.timedelta(days=1))
        )
    if product is not None:
        governed = governed.filter(variant__product=product)
    else:
        # A producer's rule governs its lines that no product's rule does.
        governed = governed.filter(producer=producer).filter(
            Q(aid_accrual__rule__isnull=True) | Q(aid_accrual__rule__product__isnull=True)
        )
    last_sale = (
        governed.order_by("-aid_accrual__accrued_at")
        .values_list("aid_accrual__accrued_at", flat=True)
        .first()
    )
    if last_sale is not None:
        sold_on = timezone.localtime(last_sale).date()
        raise RuleError(
            _("%(day)s 已有销售按另一条规则（或无规则）计提，新规则最早从 %(earliest)s 起生效。")
            % {
                "day": sold_on.isoformat(),
                "earliest": (sold_on + datetime.timedelta(days=1)).isoformat(),
            }
        )


def _close_for(current: AidRule, *, valid_from: datetime.date, actor: AbstractUser | None) -> None:
    """Make room for a version starting ``valid_from`` after ``current``."""
    if valid_from <= current.valid_from:
        raise RuleError(
            _(
                "新版本与第 %(version)s 版重叠：新版本的生效日期必须晚于 %(start)s"
                "（第 %(version)s 版的生效日期）。"
            )
            % {"version": current.version, "start": current.valid_from.isoformat()}
        )
    if current.valid_to is not None and current.valid_to < valid_from:
        return  # a gap between the versions: nothing to close
    # Sales already accrued under the current version on or after the new start
    # would then lie outside their version's dates: refuse instead.
    last_use = (
        current.accruals.filter(accrued_at__gte=start_of_day(valid_from))
        .order_by("-accrued_at")
        .values_list("accrued_at", flat=True)
        .first()
    )
    if last_use is not None:
        used_on = timezone.localtime(last_use).date()
        raise RuleError(
            _("第 %(version)s 版已用于 %(day)s 的销售，新版本最早从 %(earliest)s 起生效。")
            % {
                "version": current.version,
                "day": used_on.isoformat(),
                "earliest": (used_on + datetime.timedelta(days=1)).isoformat(),
            }
        )
    current.valid_to = valid_from - datetime.timedelta(days=1)
    current._history_user = actor
    current._change_reason = RULE_SUPERSEDED
    current.save(update_fields=["valid_to"])
