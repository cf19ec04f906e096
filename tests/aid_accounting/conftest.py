import pytest

from aid_accounting.ledger.models import Account, Entry, Transaction
from aid_accounting.ledger.posting import EntrySpec, account_for, post_transaction
from core.roles import AUDITOR
from tests.aid_accounting.factories import HouseholdFactory
from tests.township import add_staff


@pytest.fixture
def household(db):
    return HouseholdFactory()


@pytest.fixture
def auditor(db):
    return add_staff(AUDITOR, username="auditor")


@pytest.fixture
def make_draft(db):
    """Write a draft transaction with entries straight through the ORM, as a bug
    or a hand-typed statement would; ``ledger.post_transaction`` never leaves one.

    Drafts still unposted are deleted afterwards: on PostgreSQL the deferred
    trigger would otherwise refuse them when Django checks deferred constraints
    at the end of the test.
    """
    drafts = []

    def make(*legs):
        draft = Transaction.objects.create(
            kind=Transaction.Kind.ACCRUAL, idempotency_key=f"draft-{len(drafts)}"
        )
        for account, amount_fen in legs:
            Entry.objects.create(transaction=draft, account=account, amount_fen=amount_fen)
        drafts.append(draft.pk)
        return draft

    yield make
    unposted = Transaction.objects.filter(pk__in=drafts, posted=False)
    Entry.objects.filter(transaction__in=unposted).delete()
    unposted.delete()


@pytest.fixture
def clearing(db):
    return account_for(owner_type=Account.OwnerType.PROCESSOR_CLEARING)


@pytest.fixture
def producer_payable(db):
    return account_for(owner_type=Account.OwnerType.PRODUCER, owner_id=1, name="姜庄合作社应付款")


@pytest.fixture
def pool(db):
    return account_for(owner_type=Account.OwnerType.POOL, owner_id=1, name="重点村帮扶资金池")


@pytest.fixture
def sale(clearing, producer_payable, pool):
    """A posted accrual: ¥39.80 paid, 25% of it (¥9.95) to the pool."""
    return post_transaction(
        kind=Transaction.Kind.ACCRUAL,
        idempotency_key="accrual:order-line:1",
        entries=[
            EntrySpec(account=clearing, amount_fen=3_980),
            EntrySpec(account=producer_payable, amount_fen=-2_985),
            EntrySpec(account=pool, amount_fen=-995),
        ],
        source="order:1",
    )
