"""The aid accounting's screens in the Wagtail admin, for the roles of DESIGN §8
(registered in ``aid_accounting/wagtail_hooks.py``).

Aid officers keep the register and the pools, request and approve changes
to payout accounts, set rules, close periods and run payouts; auditors read
everything here, with personal data masked. Rules, periods, payouts, payout
accounts and the ledger are written only by their services, so their
listings are read-only for everyone (``ReadOnlyPolicy``) and change only
through the action views of
``admin.views``, which call those services. The audit trail (变更记录,
``audit_views``) joins this menu, and the objects' headers link to theirs.
"""

from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.generic import IndexView, InspectView
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup
from wagtail.admin.widgets import HeaderButton
from wagtail.permissions import register_permission_policy

from aid_accounting.admin.audit_views import AuditLinkMixin
from aid_accounting.admin.forms import PersonalDataCopyForm
from aid_accounting.households.models import Household
from aid_accounting.households.personal_data import can_reveal_personal_data
from aid_accounting.ledger.models import Account, Entry, Transaction
from aid_accounting.ledger.posting import balance
from aid_accounting.payouts.models import (
    PayoutAccountChange,
    PayoutBatch,
    PayoutRow,
    ProducerPayoutAccount,
)
from aid_accounting.periods.attribution import household_attribution
from aid_accounting.periods.models import AccountingPeriod
from aid_accounting.rules.models import AidPool, AidRule
from core.admin_columns import YesNoColumn, YuanColumn, YuanInspectMixin
from core.admin_policies import ReadOnlyPolicy

for read_only_model in (
    AidRule,
    AccountingPeriod,
    PayoutBatch,
    ProducerPayoutAccount,
    PayoutAccountChange,
    Transaction,
    Entry,
    Account,
):
    register_permission_policy(read_only_model, ReadOnlyPolicy(read_only_model))


class ReadOnlyViewSet(ModelViewSet):
    """Listing and inspecting a model that only its service writes."""

    # An empty form: ReadOnlyPolicy refuses the add and edit views anyway.
    form_fields = []
    copy_view_enabled = False
    inspect_view_enabled = True


class ActionIndexView(IndexView):
    """A listing with one header button to a service's action view, for those
    who hold ``action_permission``."""

    action_label = ""
    action_url_name = ""
    action_permission = ""

    @cached_property
    def header_buttons(self):
        buttons = super().header_buttons
        if self.request.user.has_perm(self.action_permission):
            buttons.append(
                HeaderButton(self.action_label, url=reverse(self.action_url_name), icon_name="plus")
            )
        return buttons


# Households ---------------------------------------------------------------------


class HouseholdInspectView(AuditLinkMixin, InspectView):
    """A household with masks only, and the sales behind what it received in a period."""

    template_name = "aid_accounting/admin/household_inspect.html"
    audit_source = "household"

    @cached_property
    def header_more_buttons(self):
        buttons = super().header_more_buttons
        if self.request.user.has_perm("aid_accounting.add_payoutaccountchange"):
            buttons.append(
                HeaderButton(
                    _("申请变更收款账户"),
                    url=reverse("aid_request_household_account_change", args=[self.object.pk]),
                )
            )
        return buttons

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        closed = list(
            AccountingPeriod.objects.filter(
                status=AccountingPeriod.Status.CLOSED,
                distributions__transaction__entries__account__owner_type=(
                    Account.OwnerType.HOUSEHOLD
                ),
                distributions__transaction__entries__account__owner_id=self.object.pk,
            )
            .distinct()
            .order_by("-start")
        )
        chosen = next(
            (period for period in closed if period.code == self.request.GET.get("period")),
            closed[0] if closed else None,
        )
        context["periods"] = closed
        if can_reveal_personal_data(self.request.user):
            context["copy_form"] = PersonalDataCopyForm()
        context["attribution"] = (
            household_attribution(household=self.object, period=chosen) if chosen else None
        )
        return context


class HouseholdIndexView(ActionIndexView):
    action_label = _("导入登记表")
    action_url_name = "aid_import_households"
    action_permission = "aid_accounting.add_household"


class HouseholdViewSet(ModelViewSet):
    """The household register, as aid officers (edit) and auditors (list) see it.

    Lists and the inspect page show masks only. The encrypted personal fields
    are left out of the forms, because an edit form would show them in full
    without an audit entry; they get write-only, audited views with the
    fuller register admin.
    """

    model = Household
    icon = "group"
    menu_label = _("帮扶户")
    add_to_admin_menu = True
    menu_order = 300
    inspect_view_enabled = True
    inspect_view_class = HouseholdInspectView
    index_view_class = HouseholdIndexView
    # The template shows masks only; listing just this keeps the generic view
    # from decrypting the personal fields it would not show anyway.
    inspect_view_fields = ["registration_number"]
    list_display = [
        "registration_number",
        Column("masked_head_name", label=_("户主")),
        "village",
        "kind",
        "status",
        "member_count",
        Column("masked_phone", label=_("联系电话")),
        "helper_cadre",
    ]
    list_filter = ["village", "kind", "status"]
    # Not the head's name: a search would let a masked-only user confirm a full name.
    search_fields = ["registration_number", "helper_cadre"]
    form_fields = [
        "registration_number",
        "head_name",
        "member_count",
        "village",
        "kind",
        "status",
        "helper_cadre",
    ]


# Rules, pools, periods, payouts -----------------------------------------------------


class RuleIndexView(ActionIndexView):
    action_label = _("设置规则")
    action_url_name = "aid_set_rule"
    action_permission = "aid_accounting.add_aidrule"


class RuleInspectView(AuditLinkMixin, YuanInspectMixin, InspectView):
    audit_source = "aidrule"
    yuan_fields = {"fixed_fen_per_unit": _("每件固定金额")}

    def get_field_display_value(self, field_name, field):
        value = super().get_field_display_value(field_name, field)
        # No product (all the producer's) or no end date, not Python's "None".
        return "—" if value is None else value

    @cached_property
    def header_more_buttons(self):
        buttons = super().header_more_buttons
        if self.request.user.has_perm("aid_accounting.add_aidrule"):
            buttons.append(
                HeaderButton(
                    _("新版本"), url=reverse("aid_set_rule_version", args=[self.object.pk])
                )
            )
        return buttons


class AidRuleViewSet(ReadOnlyViewSet):
    model = AidRule
    icon = "cog"
    menu_label = _("帮扶规则")
    index_view_class = RuleIndexView
    inspect_view_class = RuleInspectView
    list_display = [
        "producer",
        "product",
        "pool",
        Column("share_percent", label=_("比例")),
        YuanColumn("fixed_fen_per_unit", label=_("每件固定金额")),
        "valid_from",
        "valid_to",
        "version",
    ]
    list_filter = ["pool", "producer"]


class PoolInspectView(AuditLinkMixin, InspectView):
    audit_source = "aidpool"


class AidPoolViewSet(ModelViewSet):
    model = AidPool
    icon = "group"
    menu_label = _("帮扶资金池")
    inspect_view_enabled = True
    inspect_view_class = PoolInspectView
    copy_view_enabled = False
    list_display = ["name", "weighting", "created_at"]
    form_fields = ["name", "villages", "households", "weighting"]


class PeriodIndexView(ActionIndexView):
    action_label = _("结算期间")
    action_url_name = "aid_close_period"
    action_permission = "aid_accounting.close_accountingperiod"


class PeriodInspectView(AuditLinkMixin, InspectView):
    audit_source = "accountingperiod"


class AccountingPeriodViewSet(ReadOnlyViewSet):
    model = AccountingPeriod
    icon = "date"
    menu_label = _("会计期间")
    index_view_class = PeriodIndexView
    inspect_view_class = PeriodInspectView
    inspect_template_name = "aid_accounting/admin/period_inspect.html"
    list_display = ["code", "status", "closed_at", "closed_by"]


class PayoutAccountIndexView(ActionIndexView):
    action_label = _("申请设置收款账户")
    action_url_name = "aid_request_producer_account_change"
    action_permission = "aid_accounting.add_payoutaccountchange"


class PayoutAccountInspectView(AuditLinkMixin, InspectView):
    audit_source = "producerpayoutaccount"

    @cached_property
    def header_more_buttons(self):
        buttons = super().header_more_buttons
        if self.request.user.has_perm("aid_accounting.add_payoutaccountchange"):
            url = reverse("aid_request_producer_account_change")
            buttons.append(
                HeaderButton(_("申请变更"), url=f"{url}?producer={self.object.producer_id}")
            )
        return buttons


class ProducerPayoutAccountViewSet(ReadOnlyViewSet):
    """Where producers are paid, masks only, as for households. Set and
    changed only by an approved request (``PayoutAccountChangeViewSet``)."""

    model = ProducerPayoutAccount
    icon = "password"
    menu_label = _("生产者收款账户")
    index_view_class = PayoutAccountIndexView
    inspect_view_class = PayoutAccountInspectView
    inspect_template_name = "aid_accounting/admin/payout_account_inspect.html"
    # The template shows masks only; listing just this keeps the generic view
    # from decrypting the number it would not show anyway.
    inspect_view_fields = ["producer"]
    list_display = [
        "producer",
        Column("masked_holder_name", label=_("户名")),
        "bank_name",
        Column("masked_bank_account", label=_("银行账号")),
        "updated_at",
    ]


class AccountChangeIndexView(IndexView):
    def get_base_queryset(self):
        return (
            super()
            .get_base_queryset()
            .select_related("household", "producer", "requested_by", "decided_by")
        )


class AccountChangeInspectView(AuditLinkMixin, InspectView):
    audit_source = "payoutaccountchange"

    def get_object(self, queryset=None):
        return PayoutAccountChange.objects.select_related(
            "household", "producer", "requested_by", "decided_by"
        ).get(pk=self.pk)


class PayoutAccountChangeViewSet(ReadOnlyViewSet):
    """Requested changes to payees' accounts, masked; an aid officer other
    than the requester approves or rejects one on its page."""

    model = PayoutAccountChange
    icon = "tasks"
    menu_label = _("收款账户变更申请")
    index_view_class = AccountChangeIndexView
    inspect_view_class = AccountChangeInspectView
    inspect_template_name = "aid_accounting/admin/account_change_inspect.html"
    inspect_view_fields = ["status"]
    list_display = [
        "__str__",
        Column("masked_holder_name", label=_("户名")),
        "status",
        "requested_by",
        "requested_at",
        "decided_by",
        "decided_at",
    ]
    list_filter = ["status"]


class BatchIndexView(ActionIndexView):
    action_label = _("起草付款批次")
    action_url_name = "aid_draft_batch"
    action_permission = "aid_accounting.add_payoutbatch"


class BatchInspectView(AuditLinkMixin, InspectView):
    audit_source = "payoutbatch"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["rows"] = PayoutRow.objects.filter(batch=self.object).select_related(
            "household", "producer", "settled_by"
        )
        # The payees the draft did not pay, and why (payouts.payable).
        context["holds"] = self.object.holds.select_related("household", "producer")
        return context


class PayoutBatchViewSet(ReadOnlyViewSet):
    model = PayoutBatch
    icon = "doc-full"
    menu_label = _("付款批次")
    index_view_class = BatchIndexView
    inspect_view_class = BatchInspectView
    inspect_template_name = "aid_accounting/admin/batch_inspect.html"
    list_display = [
        "__str__",
        "status",
        YuanColumn("total_fen", label=_("合计"), sort_key="total_fen"),
        "created_by",
        "created_at",
        "approved_by",
    ]
    list_filter = ["kind", "status"]


# The ledger, read-only ---------------------------------------------------------------


class TransactionViewSet(ReadOnlyViewSet):
    model = Transaction
    icon = "list-ul"
    menu_label = _("记账凭证")
    inspect_template_name = "aid_accounting/admin/transaction_inspect.html"
    list_display = [
        "idempotency_key",
        "kind",
        "source",
        "memo",
        "created_at",
        YesNoColumn(
            "posted", label=Transaction._meta.get_field("posted").verbose_name, sort_key="posted"
        ),
    ]
    list_filter = ["kind"]
    search_fields = ["idempotency_key", "source"]


class EntryInspectView(YuanInspectMixin, InspectView):
    yuan_fields = {"amount_fen": _("金额")}


class EntryViewSet(ReadOnlyViewSet):
    model = Entry
    icon = "list-ol"
    menu_label = _("分录")
    inspect_view_class = EntryInspectView
    list_display = [
        "transaction",
        "account",
        YuanColumn("amount_fen", label=_("金额"), sort_key="amount_fen"),
        "order_line",
    ]


class BalanceColumn(YuanColumn):
    """The account's balance in its natural direction (see ledger.posting.balance)."""

    def get_value(self, instance):
        return balance(instance)


class AccountViewSet(ReadOnlyViewSet):
    model = Account
    icon = "table"
    menu_label = _("账户")
    list_display = ["code", "name", "kind", BalanceColumn("balance", label=_("余额"))]
    list_filter = ["owner_type"]
    search_fields = ["code", "name"]


class AidAccountingGroup(ModelViewSetGroup):
    menu_label = _("帮扶核算")
    menu_icon = "table"
    menu_order = 310
    # Menu items registered with this hook join the group's menu (the audit trail).
    submenu_hook = "register_aid_accounting_menu_item"
    items = (
        AidRuleViewSet("aid_rules"),
        AidPoolViewSet("aid_pools"),
        AccountingPeriodViewSet("aid_periods"),
        ProducerPayoutAccountViewSet("aid_producer_payout_accounts"),
        PayoutAccountChangeViewSet("aid_account_changes"),
        PayoutBatchViewSet("aid_payout_batches"),
        TransactionViewSet("aid_transactions"),
        EntryViewSet("aid_entries"),
        AccountViewSet("aid_accounts"),
    )
