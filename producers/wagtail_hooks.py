from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from core.admin_columns import YesNoColumn
from core.admin_policies import ListersOnlyChooserViewSet, ReadOnlyPolicy
from producers.access import provision_producer
from producers.models import MemberProfile, PortalActivity, Producer, Village


class VillageViewSet(SnippetViewSet):
    model = Village
    icon = "home"
    menu_label = _("村")
    list_display = [
        "name",
        YesNoColumn(
            "is_poor_village",
            label=Village._meta.get_field("is_poor_village").verbose_name,
            sort_key="is_poor_village",
        ),
        YesNoColumn(
            "is_key_village",
            label=Village._meta.get_field("is_key_village").verbose_name,
            sort_key="is_key_village",
        ),
    ]
    list_filter = ["is_poor_village", "is_key_village"]
    search_fields = ["name"]


class ProducerViewSet(SnippetViewSet):
    model = Producer
    icon = "group"
    menu_label = _("生产者")
    list_display = [
        "name",
        "kind",
        "village",
        YesNoColumn(
            "is_active",
            label=Producer._meta.get_field("is_active").verbose_name,
            sort_key="is_active",
        ),
    ]
    list_filter = ["kind", "is_active"]
    search_fields = ["name"]


class MemberProfileViewSet(SnippetViewSet):
    model = MemberProfile
    icon = "mobile-alt"
    chooser_viewset_class = ListersOnlyChooserViewSet  # members' mobile numbers
    menu_label = _("成员手机号")
    list_display = ["user", "mobile"]
    search_fields = ["mobile"]


class PortalActivityViewSet(SnippetViewSet):
    """The portal's record of who did what on whose behalf: read-only here."""

    model = PortalActivity
    icon = "history"
    chooser_viewset_class = ListersOnlyChooserViewSet  # every producer's record
    menu_label = _("门户操作记录")
    list_display = ["created_at", "user", "producer", "summary"]
    list_filter = ["producer", "action"]
    inspect_view_enabled = True


register_permission_policy(PortalActivity, ReadOnlyPolicy(PortalActivity))


class ProducersGroup(SnippetViewSetGroup):
    items = (ProducerViewSet, VillageViewSet, MemberProfileViewSet, PortalActivityViewSet)
    menu_icon = "group"
    menu_label = _("生产者与村")
    menu_name = "producers"


register_snippet(ProducersGroup)


@hooks.register("after_create_snippet")
@hooks.register("after_edit_snippet")
def provision_producer_after_save(request, instance):
    # Page, group, permissions and members follow the producer's data.
    if isinstance(instance, Producer):
        provision_producer(instance)
