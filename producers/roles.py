"""The roles of DESIGN §8, as Django groups created by a data migration.

Kept in the lowest app so every app can name them without importing upwards.
"""

from django.utils.translation import gettext_lazy as _

BUYER = "buyer"
PRODUCER_MEMBER = "producer_member"
TOWNSHIP_EDITOR = "township_editor"
AID_OFFICER = "aid_officer"
AUDITOR = "auditor"

ROLE_LABELS = {
    BUYER: _("买家"),
    PRODUCER_MEMBER: _("生产者成员"),
    TOWNSHIP_EDITOR: _("镇编辑"),
    AID_OFFICER: _("帮扶专员"),
    AUDITOR: _("审计员"),
}

# Roles that work in the Wagtail admin.
STAFF_ROLES = (TOWNSHIP_EDITOR, AID_OFFICER, AUDITOR)
