"""Django loads the app's models from here; each model lives in its domain package.

Code imports a model from its own package (``aid_accounting.ledger.models``, ...),
never from this module, so the import-linter contracts see the real arrows.
"""

from aid_accounting.accrual.models import AidReversal, LineAccrual
from aid_accounting.certificates.models import AidCertificate
from aid_accounting.households.models import Household, PersonalDataAccess
from aid_accounting.ledger.models import Account, ChainHead, Entry, Transaction
from aid_accounting.notices.models import Notice, NoticeObjection, NoticeRow
from aid_accounting.payouts.models import (
    PayoutAccountChange,
    PayoutBatch,
    PayoutHold,
    PayoutRow,
    ProducerPayoutAccount,
    RemovedHouseholdDecision,
)
from aid_accounting.periods.models import AccountingPeriod, PeriodSeal, PoolDistribution
from aid_accounting.rules.models import AidPool, AidRule

__all__ = [
    "Account",
    "AccountingPeriod",
    "AidCertificate",
    "AidPool",
    "AidReversal",
    "AidRule",
    "ChainHead",
    "Entry",
    "Household",
    "LineAccrual",
    "Notice",
    "NoticeObjection",
    "NoticeRow",
    "PayoutAccountChange",
    "PayoutBatch",
    "PayoutHold",
    "PayoutRow",
    "PeriodSeal",
    "PersonalDataAccess",
    "PoolDistribution",
    "ProducerPayoutAccount",
    "RemovedHouseholdDecision",
    "Transaction",
]
