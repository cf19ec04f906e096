"""A product's approval (审核) as the township's moderation workflow has it,
in the words the portal and the admin's product page show."""

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _
from wagtail.models import WorkflowState

if TYPE_CHECKING:  # the models' panels use this module
    from shop.catalogue.models import ProductPage


@dataclass(frozen=True)
class ProductStatus:
    code: str  # draft, review, live, rejected: for styling
    label: str
    comment: str = ""  # the editor's, when rejected


def product_status(page: "ProductPage", state: WorkflowState | None) -> ProductStatus:
    """``state``: the page's active workflow state, if any."""
    if state is not None and state.status == WorkflowState.STATUS_NEEDS_CHANGES:
        task_state = state.current_task_state
        return ProductStatus(
            "rejected",
            _("已上架，修改被退回") if page.live else _("被退回"),
            task_state.comment if task_state else "",
        )
    if state is not None:
        return ProductStatus("review", _("已上架，修改待审核") if page.live else _("待审核"))
    if page.live:
        if page.has_unpublished_changes:
            return ProductStatus("live", _("已上架，有修改未提交审核"))
        return ProductStatus("live", _("已上架"))
    return ProductStatus("draft", _("草稿"))


def approval_of(page: "ProductPage") -> ProductStatus:
    """``page``'s status, reading its active workflow state (one query)."""
    state = (
        WorkflowState.objects.active()
        .for_instance(page)
        .select_related("current_task_state")
        .first()
    )
    return product_status(page, state)
