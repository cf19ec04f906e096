"""Public notices (公示) of distributions (DESIGN §7 Transparency; models in notices.models).

A closed period's distribution is published per village: ``generate_notices``
makes a draft for every village whose households the period credited,
``review_notice`` and ``publish_notice`` take it through review to
publication, by aid officers only (``publish_period_notices``: every reviewed
notice of a month, one by one). Publishing fixes the window, appends the
notice to the single chain of published notices (ordered by ``sequence``)
and stores the sha256 of its canonical serialisation, which includes the
previous notice's hash; ``verify_chain`` recomputes all of it.

Four eyes: the officer who generated a notice cannot publish it. A notice's
window is ``settings.AID_NOTICE_WINDOW_DAYS`` days unless the publishing
officer chooses otherwise; a month's distribution is paid to a village's
households only once the window has ended (``payouts.payable``).

Objections (异议) come in while a notice's window is open, within the limits per
address and per notice (``notices.limits``); the aid officers hear of them in an hourly
digest (``notices.mail``). One names a row (a
household) or the whole notice, and holds the payout of what it names until
an aid officer resolves it (``resolve_objection``).
"""

import datetime
import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from aid_accounting.exceptions import NoticeError
from aid_accounting.households import masking
from aid_accounting.households.models import Household
from aid_accounting.ledger.models import Account, Entry
from aid_accounting.notices import limits
from aid_accounting.notices.models import Notice, NoticeObjection, NoticeRow
from aid_accounting.periods.models import AccountingPeriod, PoolDistribution
from core.roles import Actor, acting_user, require_aid_officer, require_aid_officer_or_system

# The previous hash of the first published notice.
GENESIS_HASH = "0" * 64


@dataclass(frozen=True)
class ChainProblem:
    notice: Notice
    message: str

    def __str__(self) -> str:
        return f"#{self.notice.sequence} {self.notice} (id {self.notice.pk}): {self.message}"


def household_amounts(*, period: AccountingPeriod) -> dict[int, int]:
    """Fen credited to each household (by id) by the period's distributions."""
    credits = (
        Entry.objects.filter(
            transaction__in=PoolDistribution.objects.filter(period=period).values("transaction"),
            account__owner_type=Account.OwnerType.HOUSEHOLD,
        )
        .values("account__owner_id")
        .annotate(total=Sum("amount_fen"))
    )
    # Credits to a payable are negative entries.
    return {row["account__owner_id"]: -row["total"] for row in credits if row["total"]}


def generate_notices(*, period: AccountingPeriod, actor: Actor) -> list[Notice]:
    """Draft notices for the villages of a closed period's distribution;
    villages that already have one for the period are left alone. Returns the
    new drafts. ``actor`` is the aid officer in the admin, or ``SYSTEM`` for the
    demo; the notice records the officer, who may not publish it."""
    require_aid_officer_or_system(actor)
    if period.status != AccountingPeriod.Status.CLOSED:
        raise NoticeError(_("期间 %(code)s 尚未结算，不能生成公示。") % {"code": period.code})
    amounts = household_amounts(period=period)
    by_village: dict[int, list[Household]] = defaultdict(list)
    # Only what a notice needs: the encrypted personal fields are not even loaded.
    heads = Household.objects.filter(pk__in=amounts).only(
        "registration_number", "head_name", "village_id"
    )
    for household in heads.order_by("registration_number"):
        by_village[household.village_id].append(household)
    created = []
    with transaction.atomic():
        existing = set(Notice.objects.filter(period=period).values_list("village_id", flat=True))
        for village_id, households in sorted(by_village.items()):
            if village_id in existing:
                continue
            notice = Notice.objects.create(
                village_id=village_id,
                period=period,
                household_count=len(households),
                total_fen=sum(amounts[household.pk] for household in households),
                window_days=settings.AID_NOTICE_WINDOW_DAYS,
                generated_by=acting_user(actor),
            )
            NoticeRow.objects.bulk_create(
                NoticeRow(
                    notice=notice,
                    position=position,
                    # Only the mask is ever stored: the notice cannot leak the name.
                    masked_name=masking.mask_name(household.head_name),
                    amount_fen=amounts[household.pk],
                    household=household,
                )
                for position, household in enumerate(households, start=1)
            )
            created.append(notice)
    return created


def review_notice(*, notice: Notice, actor: AbstractUser) -> Notice:
    require_aid_officer(actor)
    with transaction.atomic():
        notice = Notice.objects.select_for_update().get(pk=notice.pk)
        if notice.status != Notice.Status.DRAFT:
            raise NoticeError(_("只有草稿可以审核。"))
        notice.status = Notice.Status.REVIEWED
        notice.reviewed_by = actor
        notice.reviewed_at = timezone.now()
        notice.save(update_fields=["status", "reviewed_by", "reviewed_at"])
    return notice


def publish_notice(
    *,
    notice: Notice,
    actor: AbstractUser,
    window_days: int | None = None,
    now: datetime.datetime | None = None,
) -> Notice:
    """Publish a reviewed notice from ``now`` for ``window_days`` (by default
    the notice's own) and chain it."""
    require_aid_officer(actor)
    if window_days is not None and window_days < 1:
        raise NoticeError(_("公示期至少为1天。"))
    now = now or timezone.now()
    with transaction.atomic():
        notice = (
            Notice.objects.select_for_update(of=("self",))
            .select_related("village", "period")
            .get(pk=notice.pk)
        )
        if notice.status != Notice.Status.REVIEWED:
            raise NoticeError(_("只有已审核的公示可以发布。"))
        if notice.generated_by_id is not None and notice.generated_by_id == actor.pk:
            raise NoticeError(_("公示须由生成人以外的另一位帮扶专员发布。"))
        last = Notice.objects.filter(status=Notice.Status.PUBLISHED).order_by("-sequence").first()
        # A concurrent publication computes the same sequence; the unique
        # constraint makes one of them fail instead of forking the chain.
        if window_days is not None:
            notice.window_days = window_days
        notice.sequence = (last.sequence if last else 0) + 1
        notice.previous_hash = last.content_hash if last else GENESIS_HASH
        notice.published_at = now
        notice.window_ends = now + datetime.timedelta(days=notice.window_days)
        notice.published_by = actor
        notice.content_hash = content_hash(notice, rows=list(notice.rows.order_by("position")))
        notice.status = Notice.Status.PUBLISHED
        notice.save()
    return notice


@dataclass(frozen=True)
class BulkPublication:
    """What ``publish_period_notices`` did: the notices published, and those
    it could not publish with the reason."""

    published: list[Notice]
    refused: list[tuple[Notice, str]]


def publish_period_notices(
    *, period: AccountingPeriod, actor: AbstractUser, window_days: int | None = None
) -> BulkPublication:
    """Publish every reviewed notice of ``period``, one by one by
    ``publish_notice`` (each in its own transaction, with its checks: a
    notice the actor generated is refused, four eyes, and the others are
    published all the same)."""
    require_aid_officer(actor)
    published, refused = [], []
    reviewed = Notice.objects.filter(period=period, status=Notice.Status.REVIEWED)
    for notice in reviewed.select_related("village").order_by("village__code", "pk"):
        try:
            published.append(publish_notice(notice=notice, actor=actor, window_days=window_days))
        except NoticeError as error:
            refused.append((notice, str(error)))
    return BulkPublication(published=published, refused=refused)


def canonical_content(notice: Notice, *, rows: list[NoticeRow]) -> bytes:
    """The published content as bytes that do not depend on the database:
    sorted keys, no whitespace, UTF-8, times in UTC."""
    content = {
        "sequence": notice.sequence,
        "previous_hash": notice.previous_hash,
        "village": notice.village.code,
        "period": notice.period.code,
        "published_at": _utc(notice.published_at),
        "window_ends": _utc(notice.window_ends),
        "household_count": notice.household_count,
        "total_fen": notice.total_fen,
        "rows": [[row.position, row.masked_name, row.amount_fen] for row in rows],
    }
    return json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def content_hash(notice: Notice, *, rows: list[NoticeRow]) -> str:
    return hashlib.sha256(canonical_content(notice, rows=rows)).hexdigest()


def _utc(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).isoformat()


def verify_chain() -> list[ChainProblem]:
    """Every problem of the published chain, in chain order; empty if intact."""
    problems = []
    previous_hash = GENESIS_HASH
    published = (
        Notice.objects.filter(status=Notice.Status.PUBLISHED)
        .select_related("village", "period")
        .prefetch_related("rows")
        .order_by("sequence")
    )
    for expected_sequence, notice in enumerate(published, start=1):
        rows = sorted(notice.rows.all(), key=lambda row: row.position)
        if notice.sequence != expected_sequence:
            problems.append(
                ChainProblem(notice, f"sequence {notice.sequence}, expected {expected_sequence}")
            )
        if notice.previous_hash != previous_hash:
            problems.append(ChainProblem(notice, "previous hash does not match the chain"))
        if content_hash(notice, rows=rows) != notice.content_hash:
            problems.append(ChainProblem(notice, "content does not match its hash"))
        if sum(row.amount_fen for row in rows) != notice.total_fen or (
            len(rows) != notice.household_count
        ):
            problems.append(ChainProblem(notice, "rows do not add up to the totals"))
        previous_hash = notice.content_hash
    return problems


def submit_objection(
    *,
    notice: Notice,
    name: str,
    contact: str,
    message: str,
    position: int | None = None,
    client_address: str = "",
    now: datetime.datetime | None = None,
) -> NoticeObjection:
    """Store an objection to a notice whose window is open, to the row at
    ``position`` or (None) to the whole notice, unless one more from
    ``client_address`` or to ``notice`` would pass a limit (ObjectionLimitReached).
    The aid officers' next digest lists it."""
    now = now or timezone.now()
    if not notice.window_is_open(now=now):
        raise NoticeError(_("该公示不在公示期内，不能提出异议。"))
    row = None
    if position is not None:
        row = notice.rows.filter(position=position).first()
        if row is None:
            raise NoticeError(_("公示中没有序号 %(position)s。") % {"position": position})
    limits.check(notice=notice, client_address=client_address, now=now)
    objection = NoticeObjection.objects.create(
        notice=notice, row=row, name=name, contact=contact, message=message, created_at=now
    )
    limits.count_address(client_address, now=now)
    return objection


def resolve_objection(
    *,
    objection: NoticeObjection,
    status: NoticeObjection.Status | str,
    note: str,
    actor: AbstractUser,
) -> NoticeObjection:
    """Close an open objection: resolved (unfounded: what it named is paid)
    or upheld (what it named stays held), with the officer's note."""
    require_aid_officer(actor)
    status = NoticeObjection.Status(status)
    note = note.strip()
    if status == NoticeObjection.Status.OPEN:
        raise NoticeError(_("请选择“已处理（不成立）”或“成立”。"))
    if not note:
        raise NoticeError(_("请填写处理说明。"))
    with transaction.atomic():
        objection = NoticeObjection.objects.select_for_update().get(pk=objection.pk)
        if objection.status != NoticeObjection.Status.OPEN:
            raise NoticeError(_("该异议已处理。"))
        objection.status = status
        objection.resolution_note = note
        objection.resolved_by = actor
        objection.resolved_at = timezone.now()
        objection.save(update_fields=["status", "resolution_note", "resolved_by", "resolved_at"])
    return objection
