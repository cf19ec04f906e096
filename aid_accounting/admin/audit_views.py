"""The audit trail (变更记录) in the Wagtail admin: a thin, read-only view
over ``audit.trail``, and the "变更记录" links of the objects' own views.

Wagtail's admin URLs already send anyone without admin access to the log-in
page; this view further admits only the roles ``audit.trail.visible_sources``
names, and shows each only the sources it may read.
"""

from urllib.parse import urlencode

from django import forms
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.admin.menu import MenuItem
from wagtail.admin.widgets import HeaderButton, ListingButton

from aid_accounting.audit import trail as audit_trail
from shop.catalogue.models import ProductVariant

PER_PAGE = 30


class AuditFilterForm(forms.Form):
    model = forms.ChoiceField(label=gettext_lazy("类型"), required=False)
    user = forms.ModelChoiceField(label=gettext_lazy("操作人"), queryset=None, required=False)
    # Set by the "变更记录" links of an object's own views; with ``model``.
    object = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def __init__(self, *args, sources: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["model"].choices = [("", _("全部"))] + [
            (key, audit_trail.SOURCES[key].label) for key in sources
        ]
        self.fields["user"].queryset = audit_trail.users(sources=sources)


def audit_trail_view(request):
    sources = audit_trail.visible_sources(request.user)
    if not sources:
        raise PermissionDenied(_("您没有查看变更记录的权限。"))
    form = AuditFilterForm(request.GET or None, sources=sources)
    chosen, user_id, object_id = sources, None, None
    if form.is_valid():
        if form.cleaned_data["model"]:
            chosen = [form.cleaned_data["model"]]
            object_id = form.cleaned_data["object"]
        if form.cleaned_data["user"]:
            user_id = form.cleaned_data["user"].pk
    page = Paginator(
        audit_trail.entries(sources=chosen, user_id=user_id, object_id=object_id), PER_PAGE
    ).get_page(request.GET.get("p"))
    return TemplateResponse(
        request,
        "aid_accounting/admin/audit_trail.html",
        {
            "title": _("变更记录"),
            "form": form,
            "page": page,
            "rows": audit_trail.describe(page.object_list),
            # The trail of one object (its page's "变更记录" link), and the way back to all.
            "single": (
                {
                    "kind": audit_trail.SOURCES[chosen[0]].label,
                    "number": object_id,
                    "all_url": f"?{urlencode({'model': chosen[0]})}",
                }
                if object_id
                else None
            ),
        },
    )


def object_url(source: str, object_id: int) -> str:
    """The trail of one object."""
    return f"{reverse('aid_audit_trail')}?{urlencode({'model': source, 'object': object_id})}"


class AuditLinkMixin:
    """Adds "变更记录" to the header of an object's edit or inspect view, for
    those who may read its trail."""

    audit_source = ""

    @cached_property
    def header_more_buttons(self):
        buttons = super().header_more_buttons
        if self.audit_source in audit_trail.visible_sources(self.request.user):
            buttons.append(
                HeaderButton(
                    gettext_lazy("变更记录"),
                    url=object_url(self.audit_source, self.object.pk),
                    icon_name="history",
                )
            )
        return buttons


def variant_listing_button(snippet, user, next_url=None):
    """The "变更记录" button beside each variant of the catalogue's listing."""
    if not isinstance(snippet, ProductVariant):
        return
    # Asked once per row of the listing: the answer is kept on the request's user.
    if not hasattr(user, "_audit_sources"):
        user._audit_sources = audit_trail.visible_sources(user)
    if "productvariant" in user._audit_sources:
        yield ListingButton(
            gettext_lazy("变更记录"), object_url("productvariant", snippet.pk), priority=30
        )


class AuditMenuItem(MenuItem):
    def is_shown(self, request) -> bool:
        return bool(audit_trail.visible_sources(request.user))


def menu_item() -> AuditMenuItem:
    return AuditMenuItem(
        gettext_lazy("变更记录"),
        reverse("aid_audit_trail"),
        name="aid-audit-trail",
        icon_name="history",
        order=900,
    )


def urls() -> list:
    return [path("aid/audit/", audit_trail_view, name="aid_audit_trail")]
