"""Registers the aid accounting's admin (``aid_accounting.admin``) with Wagtail:
its viewsets, action views, dashboard, audit trail and public notices."""

from django.urls import path
from wagtail import hooks

from aid_accounting.admin import audit_views, certificates, dashboard_views, staff_mfa_views
from aid_accounting.admin import views as admin_views
from aid_accounting.admin.notices import NoticeGroup
from aid_accounting.admin.notices import admin_urls as notice_urls
from aid_accounting.admin.viewsets import AidAccountingGroup, HouseholdViewSet


@hooks.register("register_admin_urls")
def register_dashboard_urls():
    return dashboard_views.urls()


@hooks.register("register_admin_menu_item")
def register_dashboard_menu_item():
    return dashboard_views.menu_item()


hooks.register("register_snippet_listing_buttons", audit_views.variant_listing_button)


@hooks.register("register_admin_urls")
def register_audit_trail_urls():
    return audit_views.urls()


@hooks.register(AidAccountingGroup.submenu_hook)
def register_audit_trail_menu_item():
    return audit_views.menu_item()


@hooks.register("register_admin_viewset")
def register_certificate_viewset() -> certificates.AidCertificateViewSet:
    return certificates.AidCertificateViewSet("aid_certificates")


@hooks.register("register_admin_urls")
def register_certificate_urls():
    return certificates.urls()


@hooks.register("register_admin_urls")
def register_staff_mfa_urls():
    return staff_mfa_views.urls()


@hooks.register("register_settings_menu_item")
def register_staff_mfa_menu_item():
    return staff_mfa_views.menu_item()


@hooks.register("register_admin_viewset")
def register_household_viewset() -> HouseholdViewSet:
    return HouseholdViewSet("households")


@hooks.register("register_admin_viewset")
def register_aid_accounting_viewsets() -> AidAccountingGroup:
    return AidAccountingGroup()


@hooks.register("register_admin_urls")
def register_aid_accounting_urls():
    return [
        path("aid/rules/set/", admin_views.set_rule, name="aid_set_rule"),
        path(
            "aid/rules/<int:rule_id>/new-version/",
            admin_views.set_rule,
            name="aid_set_rule_version",
        ),
        path("aid/periods/close/", admin_views.close_period, name="aid_close_period"),
        path("aid/households/import/", admin_views.import_households, name="aid_import_households"),
        path(
            "aid/households/<int:household_id>/personal-data/",
            admin_views.household_personal_data,
            name="aid_household_personal_data",
        ),
        path("aid/payouts/draft/", admin_views.draft_batch, name="aid_draft_batch"),
        path(
            "aid/payouts/<int:batch_id>/approve/",
            admin_views.batch_action,
            {"action": "approve"},
            name="aid_approve_batch",
        ),
        path(
            "aid/payouts/<int:batch_id>/cancel/",
            admin_views.batch_action,
            {"action": "cancel"},
            name="aid_cancel_batch",
        ),
        path(
            "aid/payouts/<int:batch_id>/export/", admin_views.export_batch, name="aid_export_batch"
        ),
        path(
            "aid/payouts/rows/<int:row_id>/paid/",
            admin_views.settle_row,
            {"outcome": "paid"},
            name="aid_row_paid",
        ),
        path(
            "aid/payouts/rows/<int:row_id>/failed/",
            admin_views.settle_row,
            {"outcome": "failed"},
            name="aid_row_failed",
        ),
        path(
            "aid/accounts/producer/request/",
            admin_views.request_producer_account_change,
            name="aid_request_producer_account_change",
        ),
        path(
            "aid/accounts/household/<int:household_id>/request/",
            admin_views.request_household_account_change,
            name="aid_request_household_account_change",
        ),
        path(
            "aid/accounts/changes/<int:change_id>/approve/",
            admin_views.account_change_action,
            {"action": "approve"},
            name="aid_approve_account_change",
        ),
        path(
            "aid/accounts/changes/<int:change_id>/reject/",
            admin_views.account_change_action,
            {"action": "reject"},
            name="aid_reject_account_change",
        ),
        path(
            "aid/payouts/households/<int:household_id>/decision/",
            admin_views.decide_removed_household,
            name="aid_removed_household_decision",
        ),
    ]


@hooks.register("register_admin_viewset")
def register_notice_viewsets() -> NoticeGroup:
    return NoticeGroup()


@hooks.register("register_admin_urls")
def register_notice_urls():
    return notice_urls()
