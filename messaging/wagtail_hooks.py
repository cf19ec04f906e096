"""Registers the outbox's admin screens (``messaging.admin``) with Wagtail."""

from wagtail import hooks

from messaging import admin


@hooks.register("register_admin_viewset")
def register_outbox_viewset() -> admin.OutboundMessageViewSet:
    return admin.OutboundMessageViewSet("messaging")


@hooks.register("register_admin_urls")
def register_outbox_urls():
    return admin.urls()
