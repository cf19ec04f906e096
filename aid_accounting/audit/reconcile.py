"""Reconciliation of the aid ledger (DESIGN §7), for ``manage.py aid_reconcile``.

Each check compares two independent records of the same money: the ledger's
entries against the accrual, reversal, distribution and payout records, and
both against the shop's orders, and the receipts against the payment
gateways' reconciled statements. Every check runs, and each failure says
what and where, so one run shows everything that is wrong.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, F, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from aid_accounting import calendar
from aid_accounting.accrual.models import AidReversal, LineAccrual
from aid_accounting.ledger.chain import verify_chain
from aid_accounting.ledger.models import Account, Entry, Transaction
from aid_accounting.payouts.models import PayoutRow
from aid_accounting.periods.models import AccountingPeriod, PoolDistribution
from aid_accounting.periods.seals import verify_seals
from aid_accounting.rules import allocation
from aid_accounting.rules.models import AidPool
from shop.orders.models import Order, OrderLine
from shop.payments.models import GatewayStatementLine

# At most this many examples per failed check; the count says how many in all.
EXAMPLES = 5


@dataclass
class Check:
    name: str
    failures: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures


@dataclass
class Report:
    checks: list[Check]
    figures: dict[str, int]
    # Payments and refunds dated in a month closed by the time they were
    # recorded, with both dates (the latest few; ``figures["late_booked"]``
    # counts them all). Not failures: they are booked as the rules say.
    late_booked: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(check.ok for check in self.checks)


def reconcile() -> Report:
    checks = [
        _transactions_posted(),
        _transactions_balance(),
        _chain_intact(),
        _paid_lines_accrued_once(),
        _accrual_records_match_ledger(),
        _clearing_matches_orders(),
        _statements_match_clearing(),
        _pools_match_definition(),
        _households_match_definition(),
        _periods_consistent(),
        _payouts_consistent(),
        _lines_under_their_rule(),
        _booked_as_recorded(),
    ]
    figures = {
        "transactions": Transaction.objects.count(),
        "accrued_lines": LineAccrual.objects.count(),
        "pools": AidPool.objects.count(),
        "closed_periods": AccountingPeriod.objects.filter(
            status=AccountingPeriod.Status.CLOSED
        ).count(),
        "aid_accrued_fen": _sum(LineAccrual.objects.all(), "aid_fen"),
        "aid_reversed_fen": _sum(AidReversal.objects.all(), "aid_fen"),
        "aid_distributed_fen": _sum(PoolDistribution.objects.all(), "amount_fen"),
        "paid_out_fen": _sum(PayoutRow.objects.filter(status=PayoutRow.Status.PAID), "amount_fen"),
        "late_booked": LineAccrual.objects.filter(booked_at__gt=F("accrued_at")).count()
        + AidReversal.objects.filter(booked_at__gt=F("created_at")).count(),
    }
    return Report(checks=checks, figures=figures, late_booked=_late_booked())


def _sum(queryset, field_name: str) -> int:
    return queryset.aggregate(total=Sum(field_name))["total"] or 0


def _examples(check: Check, problems: list[str]) -> Check:
    check.failures = problems[:EXAMPLES]
    if len(problems) > EXAMPLES:
        check.failures.append(_("……共 %(count)s 处") % {"count": len(problems)})
    return check


def _balances(**filters) -> dict[int, int]:
    """Account id → credit-positive posted balance, for accounts matching ``filters``."""
    rows = (
        Entry.objects.filter(transaction__posted=True, **filters)
        .values("account_id")
        .annotate(total=Sum("amount_fen"))
    )
    return {row["account_id"]: -row["total"] for row in rows}


def _transactions_posted() -> Check:
    drafts = Transaction.objects.filter(posted=False).values_list("idempotency_key", flat=True)
    return _examples(
        Check(_("没有未过账的凭证")),
        [_("凭证 %(key)s 仍是草稿") % {"key": key} for key in drafts],
    )


def _transactions_balance() -> Check:
    unbalanced = (
        Transaction.objects.annotate(total=Sum("entries__amount_fen"), legs=Count("entries"))
        .filter(~Q(total=0) | Q(legs__lt=2) | Q(total__isnull=True))
        .values_list("idempotency_key", "total", "legs")
    )
    return _examples(
        Check(_("每张凭证借贷平衡")),
        [
            _("凭证 %(key)s：%(legs)s 条分录，合计 %(total)s 分")
            % {"key": key, "legs": legs, "total": total or 0}
            for key, total, legs in unbalanced
        ],
    )


def _chain_intact() -> Check:
    """The hash chain and the period seals, as ``aid_verify_ledger`` recomputes them."""
    return _examples(
        Check(_("凭证哈希链与期间封存完好")),
        [str(problem) for problem in (*verify_chain(), *verify_seals())],
    )


def _paid_lines_accrued_once() -> Check:
    problems = [
        _("订单 %(order)s 的明细 %(line)s 已付款但没有计提") % {"order": number, "line": pk}
        for pk, number in OrderLine.objects.filter(
            order__paid_at__isnull=False, aid_accrual__isnull=True
        ).values_list("pk", "order__number")
    ]
    # The ledger side: one accrual transaction per line, never two.
    twice = (
        Entry.objects.filter(transaction__kind=Transaction.Kind.ACCRUAL, order_line__isnull=False)
        .values("order_line_id")
        .annotate(postings=Count("transaction", distinct=True))
        .filter(postings__gt=1)
    )
    problems += [
        _("明细 %(line)s 有 %(count)s 笔计提凭证")
        % {"line": row["order_line_id"], "count": row["postings"]}
        for row in twice
    ]
    unpaid = LineAccrual.objects.filter(line__order__paid_at__isnull=True).values_list(
        "line_id", flat=True
    )
    problems += [_("明细 %(line)s 未付款却有计提") % {"line": pk} for pk in unpaid]
    return _examples(Check(_("每笔已付款明细恰有一次计提")), problems)


def _accrual_records_match_ledger() -> Check:
    """Each accrual's running totals against its reversals, and its parts
    against the entries that carry its line."""
    problems = []
    totals = {
        row["accrual_id"]: (row["aid"], row["refunded"])
        for row in AidReversal.objects.values("accrual_id").annotate(
            aid=Sum("aid_fen"), refunded=Sum("refunded_fen")
        )
    }
    pool_entries = defaultdict(int)
    for line_id, amount in Entry.objects.filter(
        account__owner_type=Account.OwnerType.POOL,
        transaction__kind__in=[Transaction.Kind.ACCRUAL, Transaction.Kind.REVERSAL],
    ).values_list("order_line_id", "amount_fen"):
        pool_entries[line_id] -= amount
    clearing_entries = defaultdict(int)
    for line_id, amount in Entry.objects.filter(
        account__owner_type=Account.OwnerType.PROCESSOR_CLEARING, order_line__isnull=False
    ).values_list("order_line_id", "amount_fen"):
        clearing_entries[line_id] += amount
    for accrual in LineAccrual.objects.values(
        "pk", "line_id", "aid_fen", "reversed_fen", "refunded_fen", "line_total_fen"
    ):
        reversed_aid, refunded = totals.get(accrual["pk"], (0, 0))
        if (reversed_aid, refunded) != (accrual["reversed_fen"], accrual["refunded_fen"]):
            problems.append(
                _("明细 %(line)s 的冲回合计与冲回记录不符") % {"line": accrual["line_id"]}
            )
        if pool_entries[accrual["line_id"]] != accrual["aid_fen"] - accrual["reversed_fen"]:
            problems.append(
                _("明细 %(line)s 计入资金池 %(ledger)s 分，记录为 %(record)s 分")
                % {
                    "line": accrual["line_id"],
                    "ledger": pool_entries[accrual["line_id"]],
                    "record": accrual["aid_fen"] - accrual["reversed_fen"],
                }
            )
        net = accrual["line_total_fen"] - accrual["refunded_fen"]
        if clearing_entries[accrual["line_id"]] != net:
            problems.append(
                _("明细 %(line)s 的待清算金额 %(ledger)s 分，应为 %(record)s 分")
                % {
                    "line": accrual["line_id"],
                    "ledger": clearing_entries[accrual["line_id"]],
                    "record": net,
                }
            )
    return _examples(Check(_("计提记录与分录一致")), problems)


def _clearing_matches_orders() -> Check:
    ledger = -sum(_balances(account__owner_type=Account.OwnerType.PROCESSOR_CLEARING).values())
    paid = Order.objects.filter(paid_at__isnull=False).aggregate(
        total=Sum("total_fen"), refunded=Sum("refunded_fen")
    )
    expected = (paid["total"] or 0) - (paid["refunded"] or 0)
    problems = []
    if ledger != expected:
        problems.append(
            _("支付渠道待清算 %(ledger)s 分，已付款订单扣除退款为 %(expected)s 分")
            % {"ledger": ledger, "expected": expected}
        )
    return Check(_("待清算与订单收款一致"), problems)


def _statements_match_clearing() -> Check:
    """Per reconciled day and gateway: what the ledger took into clearing for
    the orders paid by the statement's payments, against those payments.

    By order, not by booking day: clearing also takes offline sales and other
    gateways' orders, and an order's receipts are found by their source
    (``order:<number>``, lines and shipping alike). Only accruals count (what
    was received, not refunded since), and only payments that paid their
    order: a surplus payment never reaches the ledger."""
    paid = defaultdict(lambda: defaultdict(int))  # (gateway, day) → order number → fen
    for gateway, day, number, amount in GatewayStatementLine.objects.filter(
        statement__current=True, payment__isnull=False, payment__surplus=False
    ).values_list(
        "statement__gateway", "statement__day", "payment__order__number", "payment__amount_fen"
    ):
        paid[gateway, day][number] += amount
    received = {
        row["transaction__source"]: row["total"]
        for row in Entry.objects.filter(
            account__owner_type=Account.OwnerType.PROCESSOR_CLEARING,
            transaction__kind=Transaction.Kind.ACCRUAL,
            transaction__posted=True,
        )
        .values("transaction__source")
        .annotate(total=Sum("amount_fen"))
    }
    problems = []
    for (gateway, day), orders in sorted(paid.items()):
        ledger = {number: received.get(f"order:{number}", 0) for number in orders}
        if ledger != orders:
            differing = [number for number in orders if ledger[number] != orders[number]]
            problems.append(
                _(
                    "%(gateway)s %(day)s：对账单上付款 %(shop)s 分，总账待清算收款 %(ledger)s 分"
                    "（订单 %(orders)s）"
                )
                % {
                    "gateway": gateway,
                    "day": day.isoformat(),
                    "shop": sum(orders.values()),
                    "ledger": sum(ledger.values()),
                    "orders": "、".join(sorted(differing)[:EXAMPLES]),
                }
            )
    return _examples(Check(_("对账单收款与待清算一致")), problems)


def _pools_match_definition() -> Check:
    """accrued − reversed − distributed = pool balance; and the same figure,
    seen as what the next close would take, from the line records."""
    accrued = _by_pool(LineAccrual.objects.all(), "pool_id", "aid_fen")
    reversed_ = _by_pool(AidReversal.objects.all(), "accrual__pool_id", "aid_fen")
    distributed = _by_pool(PoolDistribution.objects.all(), "pool_id", "amount_fen")
    pending = _by_pool(
        LineAccrual.objects.filter(distributed_in__isnull=True), "pool_id", "aid_fen"
    )
    pending_reversed = _by_pool(
        LineAccrual.objects.filter(distributed_in__isnull=True), "pool_id", "reversed_fen"
    )
    late = _by_pool(
        AidReversal.objects.filter(accrual__distributed_in__isnull=False, netted_in__isnull=True),
        "accrual__pool_id",
        "aid_fen",
    )
    balances = _balances(account__owner_type=Account.OwnerType.POOL)
    accounts = dict(
        Account.objects.filter(owner_type=Account.OwnerType.POOL).values_list("owner_id", "pk")
    )
    problems = []
    for pool in AidPool.objects.order_by("pk"):
        ledger = balances.get(accounts.get(pool.pk), 0)
        defined = accrued[pool.pk] - reversed_[pool.pk] - distributed[pool.pk]
        undistributed = pending[pool.pk] - pending_reversed[pool.pk] - late[pool.pk]
        if not ledger == defined == undistributed:
            problems.append(
                _(
                    "资金池“%(pool)s”余额 %(ledger)s 分；计提−冲回−分配 = %(defined)s 分；"
                    "未分配明细−待冲抵退款 = %(undistributed)s 分"
                )
                % {
                    "pool": pool.name,
                    "ledger": ledger,
                    "defined": defined,
                    "undistributed": undistributed,
                }
            )
    return _examples(Check(_("资金池余额 = 计提 − 冲回 − 分配")), problems)


def _by_pool(queryset, pool_field: str, amount_field: str) -> defaultdict[int, int]:
    totals = defaultdict(int)
    for row in queryset.values(pool_field).annotate(total=Sum(amount_field)):
        totals[row[pool_field]] += row["total"] or 0
    return totals


def _households_match_definition() -> Check:
    accounts = dict(
        Account.objects.filter(owner_type=Account.OwnerType.HOUSEHOLD).values_list("pk", "owner_id")
    )
    balances = _balances(account__owner_type=Account.OwnerType.HOUSEHOLD)
    distributed = _balances(
        account__owner_type=Account.OwnerType.HOUSEHOLD,
        transaction__kind=Transaction.Kind.DISTRIBUTION,
    )
    paid = defaultdict(int)
    for row in (
        PayoutRow.objects.filter(status=PayoutRow.Status.PAID, household__isnull=False)
        .values("account_id")
        .annotate(total=Sum("amount_fen"))
    ):
        paid[row["account_id"]] = row["total"]
    problems = []
    for account_id, household_id in accounts.items():
        ledger = balances.get(account_id, 0)
        expected = distributed.get(account_id, 0) - paid[account_id]
        if ledger != expected or ledger < 0:
            problems.append(
                _("帮扶户 %(household)s 应付 %(ledger)s 分；已分配−已付款 = %(expected)s 分")
                % {"household": household_id, "ledger": ledger, "expected": expected}
            )
    return _examples(Check(_("帮扶户应付 = 已分配 − 已付款")), problems)


def _periods_consistent() -> Check:
    problems = []
    pool_legs = defaultdict(int)
    household_legs = defaultdict(int)
    for transaction_id, owner_type, amount in Entry.objects.filter(
        transaction__kind=Transaction.Kind.DISTRIBUTION
    ).values_list("transaction_id", "account__owner_type", "amount_fen"):
        if owner_type == Account.OwnerType.POOL:
            pool_legs[transaction_id] += amount
        else:
            household_legs[transaction_id] -= amount
    lines = {
        (row["pool_id"], row["distributed_in_id"]): row["total"]
        for row in LineAccrual.objects.filter(distributed_in__isnull=False)
        .values("pool_id", "distributed_in_id")
        .annotate(total=Sum("distributed_fen"))
    }
    late = {
        (row["accrual__pool_id"], row["netted_in_id"]): row["total"]
        for row in AidReversal.objects.filter(netted_in__isnull=False)
        .exclude(accrual__distributed_in=F("netted_in"))
        .values("accrual__pool_id", "netted_in_id")
        .annotate(total=Sum("aid_fen"))
    }
    distributions = PoolDistribution.objects.select_related("pool", "period")
    seen = set()
    for distribution in distributions:
        key = (distribution.pool_id, distribution.period_id)
        seen.add(key)
        figures = (
            pool_legs[distribution.transaction_id],
            household_legs[distribution.transaction_id],
            lines.get(key, 0) - late.get(key, 0),
        )
        if figures != (distribution.amount_fen,) * 3 or (
            lines.get(key, 0),
            late.get(key, 0),
        ) != (distribution.lines_fen, distribution.late_reversals_fen):
            problems.append(
                _("%(period)s “%(pool)s”分配 %(amount)s 分与凭证或明细不符")
                % {
                    "period": distribution.period.code,
                    "pool": distribution.pool.name,
                    "amount": distribution.amount_fen,
                }
            )
        if distribution.period.status != AccountingPeriod.Status.CLOSED:
            problems.append(
                _("期间 %(period)s 有分配但未结算") % {"period": distribution.period.code}
            )
    orphans = [key for key in (*lines, *late) if key not in seen]
    problems += [
        _("资金池 %(pool)s 在期间 %(period)s 有已分配明细却没有分配记录")
        % {"pool": pool_id, "period": period_id}
        for pool_id, period_id in orphans
    ]
    return _examples(Check(_("各期间分配合计一致")), problems)


def _lines_under_their_rule() -> Check:
    """Each accrued line's rule version, found again from the versions and the
    local day the line was paid: a version set after the sale to start on or
    before its day (which ``set_rule`` refuses) shows up here."""
    accruals = list(
        LineAccrual.objects.order_by("pk").values_list(
            "line_id", "rule_id", "accrued_at", "line__producer_id", "line__variant__product_id"
        )
    )
    governing = allocation.rules_governing(
        sales=[
            allocation.Sale(producer_id, product_id, timezone.localtime(paid_at).date())
            for _line, _rule, paid_at, producer_id, product_id in accruals
        ],
        related=("pool",),
    )
    problems = [
        _("明细 %(line)s 按规则 %(used)s 计提，%(day)s 适用的是规则 %(rule)s")
        % {
            "line": line_id,
            "used": rule_id or _("（无）"),
            "day": timezone.localtime(paid_at).date().isoformat(),
            "rule": rule.pk if rule else _("（无）"),
        }
        for (line_id, rule_id, paid_at, _producer, _product), rule in zip(
            accruals, governing, strict=True
        )
        if rule_id != (rule.pk if rule else None)
    ]
    return _examples(Check(_("每笔明细按其付款日适用的规则计提")), problems)


def _booked_as_recorded() -> Check:
    """Accruals and reversals are booked in the ledger when their records say,
    never before the payment or refund itself."""
    problems = [
        _("明细 %(line)s 记账于 %(booked)s，凭证记于 %(ledger)s")
        % {"line": line_id, "booked": booked.isoformat(), "ledger": ledger.isoformat()}
        for line_id, booked, ledger in LineAccrual.objects.filter(transaction__isnull=False)
        .exclude(booked_at=F("transaction__created_at"))
        .values_list("line_id", "booked_at", "transaction__created_at")
    ]
    problems += [
        _("退款 %(refund)s（明细 %(line)s）记账于 %(booked)s，凭证记于 %(ledger)s")
        % {
            "refund": refund_id,
            "line": line_id,
            "booked": booked.isoformat(),
            "ledger": ledger.isoformat(),
        }
        for refund_id, line_id, booked, ledger in AidReversal.objects.exclude(
            booked_at=F("transaction__created_at")
        ).values_list("refund_id", "accrual__line_id", "booked_at", "transaction__created_at")
    ]
    problems += [
        _("明细 %(line)s 记账时间早于付款时间") % {"line": line_id}
        for line_id in LineAccrual.objects.filter(booked_at__lt=F("accrued_at")).values_list(
            "line_id", flat=True
        )
    ]
    return _examples(Check(_("计提与冲回按记录的记账时间入账")), problems)


def _late_booked() -> list[str]:
    """The latest payments and refunds booked after their real time."""
    lines = [
        (booked, _("明细 %(line)s 付款于 %(real)s，记入 %(month)s"), line_id, real)
        for line_id, real, booked in LineAccrual.objects.filter(booked_at__gt=F("accrued_at"))
        .order_by("-booked_at", "-pk")
        .values_list("line_id", "accrued_at", "booked_at")[:EXAMPLES]
    ]
    lines += [
        (booked, _("明细 %(line)s 退款于 %(real)s，记入 %(month)s"), line_id, real)
        for line_id, real, booked in AidReversal.objects.filter(booked_at__gt=F("created_at"))
        .order_by("-booked_at", "-pk")
        .values_list("accrual__line_id", "created_at", "booked_at")[:EXAMPLES]
    ]
    lines.sort(key=lambda row: row[0], reverse=True)
    return [
        text
        % {
            "line": line_id,
            "real": timezone.localtime(real).strftime("%Y-%m-%d %H:%M"),
            "month": calendar.month_of(booked).code,
        }
        for booked, text, line_id, real in lines[:EXAMPLES]
    ]


def _payouts_consistent() -> Check:
    problems = []
    payout_legs = defaultdict(int)
    for transaction_id, owner_type, amount in Entry.objects.filter(
        transaction__kind=Transaction.Kind.PAYOUT
    ).values_list("transaction_id", "account__owner_type", "amount_fen"):
        if owner_type != Account.OwnerType.BANK:
            payout_legs[transaction_id] += amount
    rows = PayoutRow.objects.filter(status=PayoutRow.Status.PAID).values_list(
        "pk", "transaction_id", "amount_fen"
    )
    row_transactions = set()
    for pk, transaction_id, amount in rows:
        row_transactions.add(transaction_id)
        if payout_legs.get(transaction_id) != amount:
            problems.append(_("付款明细 %(row)s 与付款凭证不符") % {"row": pk})
    problems += [
        _("付款凭证 %(transaction)s 没有对应的已付款明细") % {"transaction": transaction_id}
        for transaction_id in payout_legs
        if transaction_id not in row_transactions
    ]
    return _examples(Check(_("付款明细与付款凭证一致")), problems)
