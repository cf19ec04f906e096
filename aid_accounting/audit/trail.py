"""The audit trail (变更记录): who changed what, and when, in the catalogue's
prices and stock and in the aid accounting's register, pools, rules, periods
and payouts, read from their django-simple-history tables; and what happened
to product pages, read from Wagtail's own page log (their content is
versioned by Wagtail revisions, which the page's history view compares).

The listing is one UNION over those tables, newest first, so a page of it
costs one query plus a few per row shown (the record before each, for the
old → new of ``diff_against``), however long the history.

What it never shows: the encrypted personal fields, which the models leave
out of their history tables (``excluded_fields``); and persons' names, which
it masks, as the listings do. The ledger is not here: its rows are never
changed (see ``models``).
"""

import datetime
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.db.models import CharField, F, Value
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from simple_history.models import DeletedObject
from simple_history.utils import get_m2m_reverse_field_name
from wagtail.models import PageLogEntry

from aid_accounting.households import masking
from aid_accounting.households.models import PERSONAL_DATA_ANONYMISED, Household
from aid_accounting.payouts.account_changes import ACCOUNT_CHANGE_APPROVED
from aid_accounting.payouts.batches import BATCH_COMPLETED, PAYEE_ACCOUNT_CHANGED
from aid_accounting.payouts.models import (
    PayoutAccountChange,
    PayoutBatch,
    PayoutRow,
    ProducerPayoutAccount,
)
from aid_accounting.periods.close import CLOSED_AUTOMATICALLY
from aid_accounting.periods.models import AccountingPeriod
from aid_accounting.rules.models import AidPool, AidRule
from aid_accounting.rules.versions import RULE_SUPERSEDED
from core.history_baseline import HISTORY_STARTED
from core.money import format_yuan
from core.roles import AID_OFFICER, AUDITOR, TOWNSHIP_EDITOR
from shop.catalogue.models import ProductPage, ProductVariant
from shop.orders import inventory
from shop.orders.models import ShippingPolicy
from shop.portal import products

# Aid officers and auditors read it all; township editors, who keep the
# catalogue, read its part (prices, stock, product pages, shipping terms).
FULL_ROLES = (AID_OFFICER, AUDITOR)

CATALOGUE_ROLES = (TOWNSHIP_EDITOR,)


@dataclass(frozen=True)
class Source:
    """One kind of object in the trail."""

    key: str
    label: Promise
    model: type[models.Model]
    catalogue: bool = False
    # Fields holding a person's name, shown masked.
    masked: tuple[str, ...] = ()
    # The admin view of the object, reversed with the record's ``url_arg``.
    url_name: str = ""
    url_arg: str = "id"


PRODUCT_PAGES = "productpage"  # Wagtail's page log, not a history table

SOURCES = {
    source.key: source
    for source in (
        Source(
            "productvariant",
            _("商品规格（价格、库存）"),
            ProductVariant,
            catalogue=True,
            url_name="wagtailsnippets_shop_productvariant:edit",
        ),
        Source(
            PRODUCT_PAGES,
            _("商品页面"),
            ProductPage,
            catalogue=True,
            url_name="wagtailadmin_pages:history",
        ),
        Source("shippingpolicy", _("运费规则"), ShippingPolicy, catalogue=True),
        Source(
            "household",
            _("帮扶户"),
            Household,
            masked=("head_name",),
            url_name="households:inspect",
        ),
        Source("aidpool", _("帮扶资金池"), AidPool, url_name="aid_pools:inspect"),
        Source("aidrule", _("帮扶规则"), AidRule, url_name="aid_rules:inspect"),
        Source("accountingperiod", _("会计期间"), AccountingPeriod, url_name="aid_periods:inspect"),
        Source("payoutbatch", _("付款批次"), PayoutBatch, url_name="aid_payout_batches:inspect"),
        Source(
            "payoutrow",
            _("付款明细"),
            PayoutRow,
            masked=("payee_name",),
            url_name="aid_payout_batches:inspect",
            url_arg="batch_id",
        ),
        Source(
            "producerpayoutaccount",
            _("生产者收款账户"),
            ProducerPayoutAccount,
            masked=("holder_name",),
            url_name="aid_producer_payout_accounts:inspect",
        ),
        Source(
            "payoutaccountchange",
            _("收款账户变更申请"),
            PayoutAccountChange,
            masked=("holder_name",),
            url_name="aid_account_changes:inspect",
        ),
    )
}

ACTIONS = {"+": _("新建"), "~": _("修改"), "-": _("删除")}

# The change reasons the services write (language-neutral codes), labelled.
REASONS = {
    inventory.STOCK_ADJUSTED: _("调整库存"),
    inventory.STOCK_SOLD_OUT: _("标为售罄"),
    products.PORTAL_EDIT: _("生产者门户修改"),
    RULE_SUPERSEDED: _("被新版本接替"),
    CLOSED_AUTOMATICALLY: _("定时任务或命令自动结算"),
    BATCH_COMPLETED: _("明细全部登记，批次完成"),
    PAYEE_ACCOUNT_CHANGED: _("收款账户在起草后已变更，明细作废"),
    ACCOUNT_CHANGE_APPROVED: _("收款账户变更申请审核通过"),
    HISTORY_STARTED: _("开始记录时的状态"),
    PERSONAL_DATA_ANONYMISED: _("保存期满，个人信息已匿名化"),
}


def visible_sources(user) -> list[str]:
    """The keys of the sources ``user`` may read, in menu order; none for
    producers and buyers."""
    if not (user.is_authenticated and user.is_active):
        return []
    if user.is_superuser or user.groups.filter(name__in=FULL_ROLES).exists():
        return list(SOURCES)
    if user.groups.filter(name__in=CATALOGUE_ROLES).exists():
        return [key for key, source in SOURCES.items() if source.catalogue]
    return []


def entries(
    *, sources: Iterable[str], user_id: int | None = None, object_id: int | None = None
) -> models.QuerySet:
    """Every record of ``sources``, newest first, as dicts of ``source``,
    ``record_id``, ``at``, ``actor_id`` and ``object_id``: one UNION, which a
    paginator slices."""
    parts = []
    for key in sources:
        part = _part(key)
        if user_id is not None:
            part = part.filter(actor_id=user_id)
        if object_id is not None:
            part = part.filter(object_id=object_id)
        parts.append(part.values("source", "record_id", "at", "actor_id", "object_id"))
    if not parts:
        return PageLogEntry.objects.none()
    first, *rest = parts
    return first.union(*rest, all=True).order_by("-at", "-record_id")


def users(*, sources: Iterable[str]) -> models.QuerySet:
    """The users who appear in ``sources``, for the filter."""
    ids = set()
    for key in sources:
        ids.update(_part(key).exclude(actor_id=None).values_list("actor_id", flat=True).distinct())
    return get_user_model().objects.filter(pk__in=ids).order_by("username")


def _part(key: str) -> models.QuerySet:
    # Annotated to common names (not clashing with the models' own fields),
    # without the models' ordering, which a UNION part may not have.
    if key == PRODUCT_PAGES:
        queryset = PageLogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(ProductPage)
        ).annotate(
            record_id=F("id"), at=F("timestamp"), actor_id=F("user_id"), object_id=F("page_id")
        )
    else:
        history = SOURCES[key].model.history.model
        queryset = history.objects.annotate(
            record_id=F("history_id"),
            at=F("history_date"),
            actor_id=F("history_user_id"),
            object_id=F("id"),
        )
    return queryset.annotate(source=Value(key, output_field=CharField())).order_by()


# The rows of one page ------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    field: str
    old: str
    new: str


@dataclass
class Row:
    at: datetime.datetime
    user: models.Model | None
    source: str
    object_label: str
    action: str
    url: str = ""
    reason: str = ""
    changes: list[Change] = field(default_factory=list)


def describe(page: Iterable[dict]) -> list[Row]:
    """The rows of a page of ``entries``: who, which object, what changed."""
    page = list(page)
    found = {}
    for key in {entry["source"] for entry in page}:
        ids = [entry["record_id"] for entry in page if entry["source"] == key]
        if key == PRODUCT_PAGES:
            records = PageLogEntry.objects.filter(pk__in=ids).select_related("user")
        else:
            records = SOURCES[key].model.history.filter(history_id__in=ids)
            records = records.select_related("history_user")
        found.update({(key, record.pk): record for record in records})
    return [
        _describe(entry["source"], found[entry["source"], entry["record_id"]])
        for entry in page
        if (entry["source"], entry["record_id"]) in found
    ]


def _describe(key: str, record) -> Row:
    source = SOURCES[key]
    if key == PRODUCT_PAGES:
        return Row(
            at=record.timestamp,
            user=record.user,
            source=source.label,
            object_label=record.label,
            action=record.message,
            url=_url(source, record.page_id),
        )
    reason = record.history_change_reason or ""
    return Row(
        at=record.history_date,
        user=record.history_user,
        source=source.label,
        object_label=_object_label(record),
        action=ACTIONS.get(record.history_type, record.history_type),
        url=_url(source, getattr(record, source.url_arg)),
        reason=REASONS.get(reason, reason),
        changes=[] if record.history_type == "-" else _changes(source, record),
    )


def _changes(source: Source, record) -> list[Change]:
    previous = record.prev_record
    if previous is not None:
        delta = record.diff_against(previous, foreign_keys_are_objs=True)
        return [
            Change(
                _label(source, change.field),
                _show(source, change.field, change.old),
                _show(source, change.field, change.new),
            )
            for change in delta.changes
        ]
    # The first record of the object: what it started with.
    changes = []
    for model_field in record.tracked_fields:
        if model_field.primary_key or not model_field.editable:
            continue
        value = _related_or_value(record, model_field)
        if value not in (None, "", [], {}):
            changes.append(
                Change(_label(source, model_field.name), "", _show(source, model_field.name, value))
            )
    for m2m_field in record._history_m2m_fields:
        target = get_m2m_reverse_field_name(m2m_field)
        links = [
            {target: getattr(link, target)}
            for link in getattr(record, m2m_field.name).select_related(target)
        ]
        if links:
            changes.append(
                Change(_label(source, m2m_field.name), "", _show(source, m2m_field.name, links))
            )
    return changes


def _related_or_value(record, model_field: models.Field):
    if not model_field.is_relation:
        return getattr(record, model_field.attname)
    try:
        return getattr(record, model_field.name)
    except ObjectDoesNotExist:
        return getattr(record, model_field.attname)


# What a fen field's label says of its unit, dropped where it is shown in yuan.
FEN_UNIT = re.compile(r"\s*[（(](?:分|fen)[）)]$")


def _label(source: Source, name: str) -> str:
    label = str(source.model._meta.get_field(name).verbose_name)
    return FEN_UNIT.sub("", label) if name.endswith("_fen") else label


def _show(source: Source, name: str, value) -> str:
    """A value as staff read it: labels for choices, 是/否, yuan, local times, masks."""
    model_field = source.model._meta.get_field(name)
    if isinstance(value, DeletedObject):  # what diff_against gives for a missing relation
        value = None if value.pk is None else f"{value.model._meta.verbose_name} #{value.pk}"
    if value is None or value == "":
        return "—"
    if name in source.masked:
        return masking.mask_name(str(value))
    if model_field.many_to_many:
        target = get_m2m_reverse_field_name(model_field)
        return "、".join(str(link[target]) for link in value) or "—"
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return str(_("是") if value else _("否"))
    if name.endswith("_fen") and isinstance(value, int):
        return format_yuan(value)
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, list):
        return "、".join(str(item) for item in value) or "—"
    return str(value)


def _object_label(record) -> str:
    try:
        return str(record.instance)
    except ObjectDoesNotExist:  # something it names is gone
        return f"{record.instance_type._meta.verbose_name} #{record.id}"


def _url(source: Source, object_id) -> str:
    if not source.url_name or object_id is None:
        return ""
    try:
        return reverse(source.url_name, args=[object_id])
    except NoReverseMatch:
        return ""
