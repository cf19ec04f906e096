"""The outbox in the Wagtail admin: staff list the messages (filtered by status
and channel), find failed ones from the menu, which counts them, read a message's
attempts and last error, and send a failed one again (``outbox.retry``).

Rows are written only by the outbox and its relay (``ReadOnlyPolicy``). Who sees
what is in the permissions the messaging migration grants: every staff role reads
the outbox; editors and aid officers, who contact buyers and villagers, see
recipients in full and may retry; auditors see recipients masked."""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.admin.views.generic.models import InspectView
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permissions import register_permission_policy

from core.admin_policies import ReadOnlyPolicy
from messaging import outbox
from messaging.masking import mask_recipient
from messaging.models import OutboundMessage

register_permission_policy(OutboundMessage, ReadOnlyPolicy(OutboundMessage))

FULL_RECIPIENT_PERMISSION = "messaging.view_full_recipient"
HIDDEN = gettext_lazy("（无权查看）")


def may_see_in_full(user) -> bool:
    return user.has_perm(FULL_RECIPIENT_PERMISSION)


def shown_recipient(message: OutboundMessage, user) -> str:
    return message.recipient if may_see_in_full(user) else mask_recipient(message.recipient)


def shown_key(message: OutboundMessage, user) -> str:
    """Keys name their recipient (``order:42:paid:sms:13800138000``): masked alike."""
    if may_see_in_full(user):
        return message.key
    return message.key.replace(message.recipient, mask_recipient(message.recipient))


class MaskedColumn(Column):
    """A column whose value depends on who looks: ``shown(message, user)``."""

    def __init__(self, name, *, shown, **kwargs):
        super().__init__(name, **kwargs)
        self.shown = shown

    def get_cell_context_data(self, instance, parent_context):
        context = super().get_cell_context_data(instance, parent_context)
        context["value"] = self.shown(instance, parent_context["request"].user)
        return context


class RecipientColumn(MaskedColumn, TitleColumn):
    """The recipient, linking to the message."""


class MessageInspectView(InspectView):
    def get_page_subtitle(self):
        return shown_key(self.object, self.request.user)

    def get_recipient_display_value(self):
        return shown_recipient(self.object, self.request.user)

    def get_key_display_value(self):
        return shown_key(self.object, self.request.user)

    # What a message says may name people too (an objection's contact, an order's
    # address): only for those who see recipients in full.
    def get_body_display_value(self):
        return self.object.body if may_see_in_full(self.request.user) else HIDDEN

    def get_sms_params_display_value(self):
        return self.object.sms_params if may_see_in_full(self.request.user) else HIDDEN

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["may_retry"] = self.object.status == OutboundMessage.Status.FAILED and (
            self.request.user.has_perm(outbox.RETRY_PERMISSION)
        )
        return context


class OutboundMessageViewSet(ModelViewSet):
    model = OutboundMessage
    icon = "mail"
    menu_label = gettext_lazy("消息发送")
    menu_order = 900
    add_to_admin_menu = True
    form_fields = []  # ReadOnlyPolicy refuses the add and edit views anyway
    copy_view_enabled = False
    inspect_view_enabled = True
    inspect_view_class = MessageInspectView
    inspect_template_name = "messaging/admin/message_inspect.html"
    inspect_view_fields = [
        "key",
        "channel",
        "recipient",
        "status",
        "attempts",
        "last_error",
        "next_attempt_at",
        "created_at",
        "sent_at",
        "provider_id",
        "subject",
        "body",
        "sms_template",
        "sms_params",
    ]
    list_display = [
        RecipientColumn(
            "recipient",
            shown=shown_recipient,
            label=gettext_lazy("收件人"),
            url_name="messaging:inspect",
        ),
        MaskedColumn("key", shown=shown_key, label=gettext_lazy("键")),
        "channel",
        "status",
        "attempts",
        Column("last_error", label=gettext_lazy("最近错误")),
        "created_at",
    ]
    list_filter = ["status", "channel"]

    @cached_property
    def menu_item_class(self):
        viewset = self

        class OutboxMenuItem(super().menu_item_class):
            """Says how many messages failed, and leads to them."""

            def render_component(self, request):
                component = super().render_component(request)
                failed = OutboundMessage.objects.filter(
                    status=OutboundMessage.Status.FAILED
                ).count()
                if failed:
                    component.label = _("%(label)s（%(count)s 条失败）") % {
                        "label": viewset.menu_label,
                        "count": failed,
                    }
                    component.url = f"{viewset.menu_url}?status={OutboundMessage.Status.FAILED}"
                return component

        return OutboxMenuItem


@require_POST
@permission_required(outbox.RETRY_PERMISSION, raise_exception=True)
def retry(request, message_id: int):
    message = get_object_or_404(OutboundMessage, pk=message_id)
    message = outbox.retry(message_id=message.pk, actor=request.user)
    if message.status == OutboundMessage.Status.PENDING:
        messages.success(request, _("已安排重发。"))
    else:
        messages.error(request, _("只有发送失败的消息可以重发。"))
    return redirect(reverse("messaging:inspect", args=[message.pk]))


def urls() -> list:
    return [path("messaging/<int:message_id>/retry/", retry, name="messaging_retry")]
