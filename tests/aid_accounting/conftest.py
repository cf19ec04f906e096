import datetime

import pytest
from django.contrib.auth.models import Group

from aid_accounting.ledger.models import Account, Entry, Transaction
from aid_accounting.ledger.posting import EntrySpec, account_for, post_transaction
from aid_accounting.rules.models import AidPool
from aid_accounting.rules.versions import set_rule
from core.roles import AID_OFFICER, AUDITOR
from tests.aid_accounting.factories import HouseholdFactory
from tests.aid_accounting.township import clock, township  # noqa: F401 (fixtures)
from tests.factories import (
    ProducerPageFactory,
    ProductPageFactory,
    ProductVariantFactory,
    UserFactory,
    VillageFactory,
)


@pytest.fixture
def household(db):
    return HouseholdFactory()


@pytest.fixture
def aid_officer(db):
    user = UserFactory(username="officer")
    user.groups.add(Group.objects.get(name=AID_OFFICER))
    return user


@pytest.fixture
def auditor(db):
    user = UserFactory(username="auditor")
    user.groups.add(Group.objects.get(name=AUDITOR))
    return user


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


# Sales and aid ------------------------------------------------------------------

AID_FROM = datetime.date(2026, 1, 1)


@pytest.fixture
def staff(db):
    return UserFactory(username="staff")


@pytest.fixture
def second_officer(db):
    user = UserFactory(username="officer2")
    user.groups.add(Group.objects.get(name=AID_OFFICER))
    return user


@pytest.fixture
def key_village(db):
    return VillageFactory(name="姜庄村", code="jiangzhuang")


@pytest.fixture
def beneficiaries(key_village):
    """Three eligible households of the key village, 1, 2 and 4 members."""
    return [
        HouseholdFactory(registration_number=f"LGZ-J-{n}", village=key_village, member_count=m)
        for n, m in ((1, 1), (2, 2), (3, 4))
    ]


@pytest.fixture
def aid_pool(key_village, beneficiaries):
    pool = AidPool.objects.create(name="重点村帮扶资金池")
    pool.villages.add(key_village)
    return pool


@pytest.fixture
def tomato(db):
    """¥39.80 a box, shipped for ¥10 (free from ¥99)."""
    return ProductVariantFactory(
        product=ProductPageFactory(title="大棚番茄", parent=ProducerPageFactory()),
        name="5斤装",
        price_fen=3980,
        stock=1000,
    )


@pytest.fixture
def bag(db):
    """¥9.90 a bag, from another producer."""
    return ProductVariantFactory(
        product=ProductPageFactory(title="购物袋", parent=ProducerPageFactory()),
        name="单个",
        price_fen=990,
        stock=1000,
    )


@pytest.fixture
def tomato_rule(tomato, aid_pool):
    """25% of the tomato producer's sales to the pool."""
    return set_rule(
        producer=tomato.product.producer, pool=aid_pool, share_bp=2500, valid_from=AID_FROM
    )
