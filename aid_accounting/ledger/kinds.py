"""What the ledger's rows can be: account kinds and owners, transaction kinds.

Apart from the models so that the services that post (accrual, the close,
payouts) can name them while importing only ``ledger.posting``, the one
module that writes ledger rows.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class AccountKind(models.TextChoices):
    ASSET = "asset", _("资产")
    LIABILITY = "liability", _("负债")
    INCOME = "income", _("收入")


class AccountOwnerType(models.TextChoices):
    PROCESSOR_CLEARING = "processor_clearing", _("支付渠道待清算")
    BANK = "bank", _("银行存款")
    PRODUCER = "producer", _("应付生产者")
    POOL = "pool", _("帮扶资金池")
    HOUSEHOLD = "household", _("应付帮扶户")
    PLATFORM = "platform", _("平台收入")


# The owner decides what kind of account it is, so the sign of a balance can be
# read off the kind (see ledger.posting.balance).
KIND_BY_OWNER_TYPE = {
    AccountOwnerType.PROCESSOR_CLEARING: AccountKind.ASSET,
    AccountOwnerType.BANK: AccountKind.ASSET,
    AccountOwnerType.PRODUCER: AccountKind.LIABILITY,
    AccountOwnerType.POOL: AccountKind.LIABILITY,
    AccountOwnerType.HOUSEHOLD: AccountKind.LIABILITY,
    AccountOwnerType.PLATFORM: AccountKind.INCOME,
}

# Owners with one account for the whole township, and so no owner_id.
SINGLETON_OWNER_TYPES = (
    AccountOwnerType.PROCESSOR_CLEARING,
    AccountOwnerType.BANK,
    AccountOwnerType.PLATFORM,
)


class TransactionKind(models.TextChoices):
    ACCRUAL = "accrual", _("计提")
    REVERSAL = "reversal", _("冲回")
    DISTRIBUTION = "distribution", _("分配")
    PAYOUT = "payout", _("支付")
