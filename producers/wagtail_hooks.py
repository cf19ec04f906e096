from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from .access import provision_producer
from .models import Producer, Village


class VillageViewSet(SnippetViewSet):
    model = Village
    icon = "home"
    menu_label = _("村")
    list_display = ["name", "is_poor_village", "is_key_village"]
    list_filter = ["is_poor_village", "is_key_village"]
    search_fields = ["name"]


class ProducerViewSet(SnippetViewSet):
    model = Producer
    icon = "group"
    menu_label = _("生产者")
    list_display = ["name", "kind", "village", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name"]


class ProducersGroup(SnippetViewSetGroup):
    items = (ProducerViewSet, VillageViewSet)
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
