"""Listing columns and inspect fields of the Wagtail admin shared by every app.

Amounts are shown in yuan (DESIGN §4: fen are for the database, people read
"¥1,234.56"), so no screen shows fen (forms type yuan with
``core.money.YuanField``); yes/no fields say 是/否, not Python's True/False."""

from django.utils.translation import gettext_lazy as _
from wagtail.admin.ui.tables import Column

from core.money import format_yuan


class YuanColumn(Column):
    """A listing column of integer fen, shown as "¥1,234.56" (empty for none)."""

    def get_cell_context_data(self, instance, parent_context):
        context = super().get_cell_context_data(instance, parent_context)
        fen = context["raw_value"]
        context["value"] = format_yuan(fen) if fen is not None else self.empty_value_display
        return context


class YuanInspectMixin:
    """For an InspectView: the fields named in ``yuan_fields`` (field name →
    label) are shown in yuan under that label, instead of as fen under the
    model's "（分）" label."""

    yuan_fields: dict = {}

    def get_field_label(self, field_name, field):
        if field_name in self.yuan_fields:
            return self.yuan_fields[field_name]
        return super().get_field_label(field_name, field)

    def get_field_display_value(self, field_name, field):
        if field_name in self.yuan_fields:
            fen = getattr(self.object, field_name)
            return format_yuan(fen) if fen is not None else "-"
        return super().get_field_display_value(field_name, field)


class YesNoColumn(Column):
    """A listing column of a boolean field, shown as 是/否 (empty for none)."""

    def get_cell_context_data(self, instance, parent_context):
        context = super().get_cell_context_data(instance, parent_context)
        value = context["raw_value"]
        context["value"] = (
            self.empty_value_display if value is None else _("是") if value else _("否")
        )
        return context
