from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.ui.tables import Column
from wagtail.admin.viewsets.model import ModelViewSet

from .models import Household


class HouseholdViewSet(ModelViewSet):
    """The household register, as aid officers (edit) and auditors (list) see it.

    Lists show masks only. The encrypted personal fields are left out of the
    forms, because an edit form would show them in full without an audit
    entry; they get write-only, audited views with the fuller register admin.
    """

    model = Household
    icon = "group"
    menu_label = _("帮扶户")
    add_to_admin_menu = True
    menu_order = 300
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


@hooks.register("register_admin_viewset")
def register_household_viewset() -> HouseholdViewSet:
    return HouseholdViewSet("households")
