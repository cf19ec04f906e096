"""factory-boy factories for every model of the aid_accounting app. Money is in
integer fen.

The ledger's ``Transaction`` and ``Entry`` rows are guarded by database
triggers (a transaction is inserted as a draft and posted only with balanced
entries; a posted one cannot change), so their factories post through
``aid_accounting.ledger.posting`` as the services do, and ``Account`` rows come
from ``account_for``. The other rows are written directly, holding the
constraints but not the ledger behind them: ``aid_reconcile`` would not pass on
them. A test of the accounting sells, closes and pays through the services
(``tests.township``).
"""

import datetime
import itertools

import factory
from django.utils import timezone

from aid_accounting import calendar
from aid_accounting.accrual.models import AidReversal, LineAccrual
from aid_accounting.certificates.models import AidCertificate
from aid_accounting.households import masking
from aid_accounting.households.models import Household, PersonalDataAccess
from aid_accounting.ledger.models import Account, ChainHead, DailyTotal, Entry, Transaction
from aid_accounting.ledger.posting import (
    EntrySpec,
    account_for,
    clearing_account,
    household_owner,
    lock_chain_head,
    post_transaction,
)
from aid_accounting.notices.models import Notice, NoticeObjection, NoticeRow
from aid_accounting.payouts.models import (
    PayoutAccountChange,
    PayoutBatch,
    PayoutHold,
    PayoutRow,
    ProducerPayoutAccount,
    RemovedHouseholdDecision,
)
from aid_accounting.periods import seals
from aid_accounting.periods.models import AccountingPeriod, PeriodSeal, PoolDistribution
from aid_accounting.rules.models import AidPool, AidRule
from aid_accounting.rules.versions import set_rule
from core.roles import SYSTEM
from tests.factories import UserFactory
from tests.producers.factories import ProducerFactory, VillageFactory
from tests.shop.factories import BuyingUnitFactory, OrderLineFactory, RefundFactory


def household_account(household: Household) -> Account:
    """The household's ledger account, as the close credits it (tests read its balance)."""
    owner_type, owner_id, name = household_owner(household)
    return account_for(owner_type=owner_type, owner_id=owner_id, name=name)


class HouseholdFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Household

    registration_number = factory.Sequence(lambda n: f"LGZ-test-{n:04d}")
    head_name = "孔祥轩"
    member_count = 3
    village = factory.SubFactory(VillageFactory)
    kind = Household.Kind.REGISTERED_POOR
    status = Household.Status.LIFTED_OUT
    helper_cadre = "示例干部001"
    id_number = "11010519491231002X"
    phone = "19900001234"
    bank_name = "示例农村商业银行"
    bank_account_number = "6200000000000001234"


class PersonalDataAccessFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PersonalDataAccess

    user = factory.SubFactory(UserFactory)
    household = factory.SubFactory(HouseholdFactory)
    fields = ["id_number"]
    purpose = PersonalDataAccess.Purpose.VIEW


class AidPoolFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AidPool

    name = factory.Sequence(lambda n: f"测试帮扶资金池{n}")


class AidRuleFactory(factory.django.DjangoModelFactory):
    """A rule version set through ``rules.versions.set_rule``, as the admin sets it."""

    class Meta:
        model = AidRule

    producer = factory.SubFactory(ProducerFactory)
    pool = factory.SubFactory(AidPoolFactory)
    share_bp = 2500
    valid_from = datetime.date(2026, 1, 1)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        kwargs.setdefault("actor", SYSTEM)  # as the demo sets them
        return set_rule(**kwargs)


class AccountFactory(factory.django.DjangoModelFactory):
    """A pool's account, made by ``account_for`` as the services make accounts."""

    class Meta:
        model = Account

    owner_type = Account.OwnerType.POOL
    owner_id = factory.LazyFunction(lambda: AidPoolFactory().pk)
    name = factory.LazyAttribute(lambda account: f"资金池{account.owner_id}")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return account_for(**kwargs)


_keys = itertools.count()


def _posted(*, kind: str, account: Account, amount_fen: int, **options) -> Transaction:
    """A posted transaction: ``amount_fen`` on ``account``, the other side on clearing."""
    return post_transaction(
        kind=kind,
        idempotency_key=f"test-factory:{kind}:{next(_keys)}",
        entries=[
            EntrySpec(account=clearing_account(), amount_fen=-amount_fen),
            EntrySpec(account=account, amount_fen=amount_fen),
        ],
        **options,
    )


class TransactionFactory(factory.django.DjangoModelFactory):
    """A posted transaction of two entries, written by ``ledger.posting``:
    ``amount_fen`` on ``account`` (a credit by default), the other side on clearing."""

    class Meta:
        model = Transaction

    kind = Transaction.Kind.ACCRUAL
    account = factory.SubFactory(AccountFactory)
    amount_fen = -995
    source = "test"

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return _posted(**kwargs)


class EntryFactory(factory.django.DjangoModelFactory):
    """The entry on ``account`` of a transaction posted by ``ledger.posting``
    (entries cannot be written outside a draft transaction)."""

    class Meta:
        model = Entry

    account = factory.SubFactory(AccountFactory)
    amount_fen = -995

    @classmethod
    def _create(cls, model_class, *args, account, amount_fen, **kwargs):
        transaction = _posted(
            kind=Transaction.Kind.ACCRUAL, account=account, amount_fen=amount_fen, **kwargs
        )
        return transaction.entries.get(account=account)


class ChainHeadFactory(factory.django.DjangoModelFactory):
    """The one head row, after a posting by ``ledger.posting`` (which writes it)."""

    class Meta:
        model = ChainHead

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        TransactionFactory()
        return lock_chain_head()


class DailyTotalFactory(factory.django.DjangoModelFactory):
    """The day's total of ``account`` after a posting by ``ledger.posting`` (the
    database writes totals as it marks transactions posted, and only then)."""

    class Meta:
        model = DailyTotal

    account = factory.SubFactory(AccountFactory)
    amount_fen = -995

    @classmethod
    def _create(cls, model_class, *args, account, amount_fen, **kwargs):
        _posted(kind=Transaction.Kind.ACCRUAL, account=account, amount_fen=amount_fen, **kwargs)
        return DailyTotal.objects.get(account=account)


def _month_code(n: int) -> str:
    # Far from the months the tests trade in, so a factory period never meets a close.
    return calendar.Month(2090 + n // 12, n % 12 + 1).code


class AccountingPeriodFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AccountingPeriod
        django_get_or_create = ("code",)

    code = factory.Sequence(_month_code)
    start = factory.LazyAttribute(lambda period: calendar.parse(period.code).start)
    end = factory.LazyAttribute(lambda period: calendar.parse(period.code).end)


class PeriodSealFactory(factory.django.DjangoModelFactory):
    """A period's seal over the ledger as it is, written by ``periods.seals``
    (the close calls it; the period here is not closed)."""

    class Meta:
        model = PeriodSeal

    period = factory.SubFactory(AccountingPeriodFactory)

    @classmethod
    def _create(cls, model_class, *args, period, **kwargs):
        return seals.seal_period(period=period, now=timezone.now())


class PoolDistributionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PoolDistribution

    pool = factory.SubFactory(AidPoolFactory)
    period = factory.SubFactory(AccountingPeriodFactory)
    transaction = factory.SubFactory(
        TransactionFactory, kind=Transaction.Kind.DISTRIBUTION, amount_fen=995
    )
    lines_fen = 995
    late_reversals_fen = 0
    amount_fen = factory.LazyAttribute(lambda row: row.lines_fen - row.late_reversals_fen)
    household_count = 1
    weighting = AidPool.Weighting.EQUAL


class LineAccrualFactory(factory.django.DjangoModelFactory):
    """An order line's accrual under a rule of its producer (25% by default)."""

    class Meta:
        model = LineAccrual

    line = factory.SubFactory(OrderLineFactory)
    rule = factory.SubFactory(AidRuleFactory, producer=factory.SelfAttribute("..line.producer"))
    pool = factory.SelfAttribute("rule.pool")
    line_total_fen = factory.SelfAttribute("line.total_fen")
    aid_fen = factory.LazyAttribute(lambda row: row.line_total_fen * row.rule.share_bp // 10_000)
    producer_fen = factory.LazyAttribute(lambda row: row.line_total_fen - row.aid_fen)
    accrued_at = factory.LazyFunction(timezone.now)
    booked_at = factory.SelfAttribute("accrued_at")


class AidReversalFactory(factory.django.DjangoModelFactory):
    """The aid part of a refund of the accrual's whole line."""

    class Meta:
        model = AidReversal

    accrual = factory.SubFactory(LineAccrualFactory)
    refund = factory.SubFactory(
        RefundFactory,
        payment__order=factory.SelfAttribute("...accrual.line.order"),
        line=factory.SelfAttribute("..accrual.line"),
        quantity=factory.SelfAttribute("..accrual.line.quantity"),
        amount_fen=factory.SelfAttribute("..accrual.line_total_fen"),
    )
    refunded_fen = factory.SelfAttribute("refund.amount_fen")
    aid_fen = factory.SelfAttribute("accrual.aid_fen")
    created_at = factory.LazyFunction(timezone.now)
    booked_at = factory.SelfAttribute("created_at")
    transaction = factory.SubFactory(
        TransactionFactory,
        kind=Transaction.Kind.REVERSAL,
        amount_fen=factory.SelfAttribute("..aid_fen"),
    )


class ProducerPayoutAccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProducerPayoutAccount

    producer = factory.SubFactory(ProducerFactory)
    holder_name = factory.LazyAttribute(lambda account: account.producer.name)
    bank_name = "示例农村商业银行"
    bank_account_number = "62000000000990001"


class PayoutBatchFactory(factory.django.DjangoModelFactory):
    """A draft batch (rows are added with PayoutRowFactory)."""

    class Meta:
        model = PayoutBatch

    kind = PayoutBatch.Kind.HOUSEHOLD
    total_fen = 995
    created_by = factory.SubFactory(UserFactory)


class PayoutRowFactory(factory.django.DjangoModelFactory):
    """A pending row paying a household from its payable account."""

    class Meta:
        model = PayoutRow

    batch = factory.SubFactory(PayoutBatchFactory)
    household = factory.SubFactory(HouseholdFactory)
    account = factory.LazyAttribute(lambda row: household_account(row.household))
    amount_fen = factory.SelfAttribute("batch.total_fen")
    payee_name = factory.SelfAttribute("household.head_name")
    payee_bank_name = factory.SelfAttribute("household.bank_name")
    payee_account_number = factory.SelfAttribute("household.bank_account_number")


class PayoutAccountChangeFactory(factory.django.DjangoModelFactory):
    """A pending request for a household's new bank account (the services
    in ``payouts.account_changes`` fill in the masks themselves)."""

    class Meta:
        model = PayoutAccountChange

    household = factory.SubFactory(HouseholdFactory)
    bank_name = "示例信用社"
    bank_account_number = "6200000000000005678"
    masked_before = factory.LazyAttribute(
        lambda change: masking.mask_bank_account(change.household.bank_account_number)
    )
    masked_after = factory.LazyAttribute(
        lambda change: masking.mask_bank_account(change.bank_account_number)
    )
    requested_by = factory.SubFactory(UserFactory)


class PayoutHoldFactory(factory.django.DjangoModelFactory):
    """What a draft held back from a household: its notice's window not over."""

    class Meta:
        model = PayoutHold

    batch = factory.SubFactory(PayoutBatchFactory)
    household = factory.SubFactory(HouseholdFactory)
    account = factory.LazyAttribute(lambda hold: household_account(hold.household))
    reason = PayoutHold.Reason.NOTICE_PENDING
    amount_fen = 995


class RemovedHouseholdDecisionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RemovedHouseholdDecision

    household = factory.SubFactory(HouseholdFactory, status=Household.Status.REMOVED)
    decision = RemovedHouseholdDecision.Decision.PAY
    reason = "本月仍在村，照付"
    decided_by = factory.SubFactory(UserFactory)


class NoticeFactory(factory.django.DjangoModelFactory):
    """A draft notice (publishing goes through ``notices.publication``)."""

    class Meta:
        model = Notice

    village = factory.SubFactory(VillageFactory)
    period = factory.SubFactory(AccountingPeriodFactory)
    household_count = 1
    total_fen = 995


class NoticeRowFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = NoticeRow

    notice = factory.SubFactory(NoticeFactory)
    position = factory.Sequence(lambda n: n + 1)
    masked_name = masking.mask_name("孔祥轩")
    amount_fen = 995


class NoticeObjectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = NoticeObjection

    notice = factory.SubFactory(NoticeFactory)
    name = "张三"
    contact = "13800000000"
    message = "有误"


class AidCertificateFactory(factory.django.DjangoModelFactory):
    """A certificate row as stored (``certificates.issue`` computes real figures)."""

    class Meta:
        model = AidCertificate

    unit = factory.SubFactory(BuyingUnitFactory)
    year = 2026
    code = factory.Sequence(lambda n: f"certificate-code-{n}")
    issued_at = factory.LazyFunction(timezone.now)
    figures = factory.LazyAttribute(lambda _: {"unit": "", "year": 2026, "aid_fen": 0})
    digest = "0" * 64
