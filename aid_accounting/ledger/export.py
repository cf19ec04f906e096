"""The ledger in beancount's plain-text format, for auditors' standard tools
(DESIGN §7): ``bean-check`` verifies that every transaction balances and
that the closing balances asserted at the end follow from the entries.

Signs carry over as they are: our debits are positive, as beancount's are,
so liabilities (payables) show negative, as beancount expects.
"""

import datetime
from collections import defaultdict
from collections.abc import Iterator

from django.db.models import Min, Sum
from django.utils import timezone

from aid_accounting.ledger.models import Account, Entry, Transaction
from core.money import yuan_amount

ROOTS = {
    Account.OwnerType.PROCESSOR_CLEARING: "Assets:ProcessorClearing",
    Account.OwnerType.BANK: "Assets:Bank",
    Account.OwnerType.PRODUCER: "Liabilities:Producers",
    Account.OwnerType.POOL: "Liabilities:AidPools",
    Account.OwnerType.HOUSEHOLD: "Liabilities:Households",
    Account.OwnerType.PLATFORM: "Income:Platform",
}

# A prefix per owner type for per-owner accounts: beancount names must start
# with a capital letter or a digit.
OWNER_PREFIX = {
    Account.OwnerType.PRODUCER: "P",
    Account.OwnerType.POOL: "Pool",
    Account.OwnerType.HOUSEHOLD: "H",
}


def beancount_name(account: Account) -> str:
    root = ROOTS[account.owner_type]
    if account.owner_id is None:
        return root
    return f"{root}:{OWNER_PREFIX[account.owner_type]}{account.owner_id}"


def export_beancount() -> Iterator[str]:
    """The whole ledger as beancount text, line by line."""
    yield 'option "title" "Liugaizi aid ledger"'
    yield 'option "operating_currency" "CNY"'
    yield ""
    accounts = {account.pk: account for account in Account.objects.order_by("code")}
    first_use = dict(
        Entry.objects.values("account_id")
        .annotate(first=Min("transaction__created_at"))
        .values_list("account_id", "first")
    )
    for account in accounts.values():
        opened = min(_day(account.created_at), _day(first_use.get(account.pk, account.created_at)))
        yield f"{opened} open {beancount_name(account)} CNY"
        yield f'  name: "{_quote(account.name)}"'
    yield ""

    last_day = None
    entries = defaultdict(list)
    for transaction_id, account_id, amount, line_id in Entry.objects.filter(
        transaction__posted=True
    ).values_list("transaction_id", "account_id", "amount_fen", "order_line_id"):
        entries[transaction_id].append((account_id, amount, line_id))
    for posting in Transaction.objects.filter(posted=True).order_by("created_at", "pk"):
        day = _day(posting.created_at)
        last_day = day
        yield f'{day} * "{posting.get_kind_display()}" "{_quote(posting.memo)}"'
        yield f'  key: "{_quote(posting.idempotency_key)}"'
        if posting.source:
            yield f'  source: "{_quote(posting.source)}"'
        for account_id, amount, line_id in entries[posting.pk]:
            yield f"  {beancount_name(accounts[account_id])}  {yuan_amount(amount)} CNY"
            if line_id is not None:
                yield f'    order_line: "{line_id}"'
        yield ""

    # Closing balances, asserted the day after the last transaction.
    balances = dict(
        Entry.objects.filter(transaction__posted=True)
        .values("account_id")
        .annotate(total=Sum("amount_fen"))
        .values_list("account_id", "total")
    )
    check_day = (last_day or timezone.localdate()) + datetime.timedelta(days=1)
    for account in accounts.values():
        yield (
            f"{check_day} balance {beancount_name(account)}  "
            f"{yuan_amount(balances.get(account.pk, 0))} CNY"
        )


def _day(moment: datetime.datetime) -> datetime.date:
    return timezone.localtime(moment).date()


def _quote(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")
