"""The authorisation matrix (issue #8): every URL of the shop, the portal, the
admin and the payment pages, requested by every role, with the answer DESIGN §8
and the code intend. A URL pattern with no row fails the suite, so a new view
cannot ship without someone deciding who may reach it.

Cells read: ``ok`` 200; ``login`` a redirect to a log-in page (the portal's,
the shop's or the admin's); ``deny`` Wagtail's answer to PermissionDenied, a
redirect to /admin/ with an error message; ``portal`` a producer member sent from
any admin address to the portal, where their work is (members do not use the
admin); ``404``; ``405`` (GET on a POST-only action: its POST rows below say who
may post); ``302`` any other redirect.

The world (tests/security/matrix_world.py) gives ``buyer`` and ``member``
(producer A) the objects the URLs name; ``buyer2`` and ``member2`` are the
other buyer and the other producer's member, who must get 404 for them.
"""

import re
from dataclasses import dataclass

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.urls import path

from shop.orders.fulfilment import CARRIER_CHOICES
from shop.views import catalogue
from tests.security.matrix_support import (
    ARGUMENT,
    DENIED,
    FORBIDDEN,
    LOGIN,
    NOT_ALLOWED,
    NOT_FOUND,
    OK,
    PORTAL,
    REDIRECT,
    REFUSALS,
    WriteLog,
    fill,
    is_project_owned,
    outcome,
    project_viewset_namespaces,
    walk,
)
from tests.security.matrix_world import ROLES, World, client_for

pytestmark = pytest.mark.django_db

CELLS = {
    "ok": OK,
    "login": LOGIN,
    "deny": DENIED,
    "portal": PORTAL,
    "403": FORBIDDEN,
    "404": NOT_FOUND,
    "405": NOT_ALLOWED,
    "302": REDIRECT,
    "400": "400",
    "-": None,  # POST tables: a role allowed to post, not posted as
}

# What each route argument names in the world, unless a section says otherwise.
ARGUMENTS = {
    "number": "order_a.number",
    "address_id": "address_a",
    "notice_id": "notice",
    "slug": "category.slug",
    "code": "village.code",
    "payment_id": "pending_payment_a",
    "page_id": "product_a",
    "variant_id": "variant_a",
    "shipment_id": "pending_shipment_a",
    "order_id": "order_a",
    "rule_id": "rule",
    "batch_id": "batch",
    "row_id": "payout_row",
    "objection_id": "objection",
    "household_id": "household",
    "statement_id": "statement",
    "difference_id": "difference",
    "change_id": "account_change",
    "token": "order_a_link.token",
}

# The project's own URLs: every pattern of shop, producers, aid_accounting and
# config, and every admin view of a viewset registered for their models.
# A section "[prefix name=spec ...]" prefixes the routes below it ("." is the
# prefix itself) and names what their arguments take from the world.
PROJECT_TABLE = """
#                                    anon          buyer2        member2       officer
#                                           buyer         member        editor        auditor
[/]
healthz                              ok     ok     ok     ok     ok     ok     ok     ok
favicon.ico                          302    302    302    302    302    302    302    302
i18n/setlang/                        302    302    302    302    302    302    302    302
open-data/                           ok     ok     ok     ok     ok     ok     ok     ok
impact/                              ok     ok     ok     ok     ok     ok     ok     ok
impact/open-data/                    ok     ok     ok     ok     ok     ok     ok     ok
search/                              ok     ok     ok     ok     ok     ok     ok     ok
categories/                          ok     ok     ok     ok     ok     ok     ok     ok
categories/<slug:slug>/              ok     ok     ok     ok     ok     ok     ok     ok
villages/                            ok     ok     ok     ok     ok     ok     ok     ok
villages/<slug:code>/                ok     ok     ok     ok     ok     ok     ok     ok
cart/                                ok     ok     ok     ok     ok     ok     ok     ok
cart/add/                            405    405    405    405    405    405    405    405
cart/update/                         405    405    405    405    405    405    405    405
# An empty cart sends everyone back to the cart.
checkout/                            302    302    302    302    302    302    302    302
# The checkout summary for a province: of the visitor's own cart only (none: nothing in it).
checkout/shipping/                   ok     ok     ok     ok     ok     ok     ok     ok
# A guest's order is theirs only in the session that placed it. A paid order has nothing to pay.
orders/<slug:number>/                 404    ok     404    404    404    404    404    404
orders/<slug:number>/pay/             404    302    404    404    404    404    404    404
# A message's link to an account's order: its buyer logs in, then the order page decides.
o/<str:token>/                       login  302    302    302    302    302    302    302
# 查订单 is open to anyone; its code page sends a browser that asked for no code to the form.
find-order/                          ok     ok     ok     ok     ok     ok     ok     ok
find-order/code/                     302    302    302    302    302    302    302    302
account/orders/                      login  ok     ok     ok     ok     ok     ok     ok
account/profile/                     login  ok     ok     ok     ok     ok     ok     ok
notices/                             ok     ok     ok     ok     ok     ok     ok     ok
notices/<int:notice_id>/             ok     ok     ok     ok     ok     ok     ok     ok

# Documents are staff's files: those who may choose or change them in their collection
# (Wagtail gave every admin role "choose" on the root collection), nobody else, not even
# a 403 to say that the key exists. Wagtail's own /documents/<id>/ address serves nothing.
[documents/ key=document.key filename=document.filename]
<uuid:key>/<str:filename>            404    404    404    404    404    ok     ok     ok

# A buying unit's certificates: its members only, nobody else learns the unit exists.
# The verification page is public: its code is the secret, printed on the certificate.
[account/units/ unit_id=buying_unit year=aid_certificate.year code=aid_certificate.code]
<int:unit_id>/certificates/<int:year>/ login ok   404    404    404    404    404    404
<int:unit_id>/certificates/<int:year>/<slug:code>.pdf login ok 404 404   404    404    404    404

[certificates/ code=aid_certificate.code]
<slug:code>/                         ok     ok     ok     ok     ok     ok     ok     ok

# After-sales (售后): a claim is its order's buyer's; the claim's photos are also the line's
# producer's members' and the staff's who read claims. Everyone else: 404, as for the order.
# The claim window of the world's delivered line is over, so its form sends the buyer back.
[orders/ line_id=line_a]
<slug:number>/lines/<int:line_id>/aftersales/ 404 302 404    404    404    404    404    404

[aftersales/ request_id=aftersales_a photo_id=aftersales_photo_a]
<int:request_id>/                    404    ok     404    404    404    404    404    404
<int:request_id>/act/                405    405    405    405    405    405    405    405
<int:request_id>/photos/<int:photo_id>/ 404 ok    404    ok     404    ok     ok     ok

# A buyer's units and 发票: their own. The invoice's PDF: its requester, the unit's members,
# its issuer (producer A issues its own) and staff who read invoices; nobody else learns of it.
[account/units/ unit_id=buying_unit]
.                                    login  ok     ok     ok     ok     ok     ok     ok
<int:unit_id>/                       login  ok     404    404    404    404    404    404

[account/invoices/ key=invoice_a.key]
.                                    login  ok     ok     ok     ok     ok     ok     ok
new/                                 login  ok     ok     ok     ok     ok     ok     ok
<uuid:key>/invoice.pdf               404    ok     404    ok     404    ok     404    ok

[account/addresses/]
.                                    login  ok     ok     ok     ok     ok     ok     ok
new/                                 login  ok     ok     ok     ok     ok     ok     ok
<int:address_id>/                    login  ok     404    404    404    404    404    404
<int:address_id>/delete/             login  405    405    405    405    405    405    405

[payments/dummy/]
<int:payment_id>/                    404    ok     404    404    404    404    404    404

# Settled, so the buyer is sent on to the order without a call to Stripe.
[payments/stripe/ payment_id=stripe_payment_a]
<int:payment_id>/                    404    302    404    404    404    404    404    404
<int:payment_id>/return/             404    302    404    404    404    404    404    404
webhook/                             405    405    405    405    405    405    405    405

# Settled too: no call to Alipay.
[payments/alipay/ payment_id=alipay_payment_a]
<int:payment_id>/return/             404    302    404    404    404    404    404    404
notify/                              405    405    405    405    405    405    405    405

# Settled, so the buyer is sent on to the order without a call to WeChat Pay. The OAuth
# callback answers only the session that started the round trip (none here).
[payments/wechatpay/ payment_id=wechatpay_payment_a]
<int:payment_id>/                    404    302    404    404    404    404    404    404
<int:payment_id>/status/             404    ok     404    404    404    404    404    404
<int:payment_id>/return/             404    302    404    404    404    404    404    404
<int:payment_id>/jsapi/              404    302    404    404    404    404    404    404
oauth/                               404    404    404    404    404    404    404    404
notify/                              405    405    405    405    405    405    405    405
refund-notify/                       405    405    405    405    405    405    405    405

# Only producer members get in; staff are not members, so they too get the portal's log-in.
[portal/]
.                                    login  login  login  ok     ok     login  login  login
login/                               ok     ok     ok     302    302    ok     ok     ok
logout/                              405    405    405    405    405    405    405    405
switch/                              login  login  login  405    405    login  login  login
products/                            login  login  login  ok     ok     login  login  login
products/new/                        login  login  login  ok     ok     login  login  login
products/<int:page_id>/edit/         login  login  login  ok     404    login  login  login
products/<int:page_id>/submit/       login  login  login  405    405    login  login  login
variants/<int:variant_id>/stock/     login  login  login  405    405    login  login  login
# GET asks "售罄?" first; the POST rows below say who may do it.
variants/<int:variant_id>/sold-out/  login  login  login  ok     404    login  login  login
shipments/                           login  login  login  ok     ok     login  login  login
# Each member chooses for themself: one message per order or a morning digest.
notices/                             login  login  login  ok     ok     login  login  login
shipments/<int:shipment_id>/ship/    login  login  login  405    405    login  login  login
shipments/<int:shipment_id>/deliver/ login  login  login  405    405    login  login  login
earnings/                            login  login  login  ok     ok     login  login  login
earnings/statement.csv               login  login  login  ok     ok     login  login  login

# A producer's claims and 发票 (for producers that issue their own): another producer's are 404.
[portal/ request_id=aftersales_a]
aftersales/                          login  login  login  ok     ok     login  login  login
aftersales/<int:request_id>/         login  login  login  ok     404    login  login  login
aftersales/<int:request_id>/received/ login login  login  405    405    login  login  login

[portal/ request_id=invoice_a]
invoices/                            login  login  login  ok     ok     login  login  login
invoices/<int:request_id>/issue/     login  login  login  405    405    login  login  login
invoices/<int:request_id>/reject/    login  login  login  405    405    login  login  login
invoices/<int:request_id>/red-letter/ login login  login  405    405    login  login  login

# Stock and orders: the editors' desk (they take offline sales and refunds).
[admin/]
stock/<int:variant_id>/              login  login  login  portal portal ok     deny   deny
orders/<int:order_id>/refund/        login  login  login  portal portal ok     deny   deny
payments/<int:payment_id>/refund/    login  login  login  portal portal ok     deny   deny
orders/<int:order_id>/payment/       login  login  login  portal portal ok     deny   deny
orders/offline-sale/                 login  login  login  portal portal ok     deny   deny

# Gateway statements: the roles that handle money read them; editors explain differences.
[admin/statements/]
.                                    login  login  login  portal portal ok     ok     ok
<int:statement_id>/                  login  login  login  portal portal ok     ok     ok
differences/<int:difference_id>/explain/ login login login portal portal 405    405    405

# After-sales: editors, aid officers and auditors read the claims rate; editors decide
# escalated claims (the world's is not escalated: back to the claim's page).
[admin/aftersales/ request_id=aftersales_a]
overview/                            login  login  login  portal portal ok     ok     ok
<int:request_id>/decide/             login  login  login  portal portal 302    deny   deny

# 发票: editors record those the township issues; editors and auditors export them.
[admin/invoices/ request_id=invoice_a action='issue']
export/                              login  login  login  portal portal ok     deny   ok
<int:request_id>/<str:action>/       login  login  login  portal portal ok     deny   deny

# The document chooser (a viewset of shop.PrivateDocument): those who may choose documents;
# only editors may upload one from it.
[admin/documents/chooser/ pk=document]
.                                    login  login  login  portal portal ok     ok     ok
results/                             login  login  login  portal portal ok     ok     ok
chosen/<str:pk>/                     login  login  login  portal portal ok     ok     ok
chosen-multiple/                     login  login  login  portal portal ok     ok     ok
create/                              login  login  login  portal portal ok     deny   deny

# The admin API's image and document endpoints: what the user may choose (shop/admin/api.py).
# Editors choose images and documents on the root collection; aid officers and auditors
# documents only (Wagtail's migration that made choosing a permission gave it to the admin
# groups): they list no image. find/ without an id finds nothing.
[admin/api/main/ pk=image]
^images/                             login  login  login  portal portal ok     ok     ok
^images/<int:pk>/                    login  login  login  portal portal ok     404    404
^images/find/                        login  login  login  portal portal 404    404    404

[admin/api/main/ pk=document]
^documents/                          login  login  login  portal portal ok     ok     ok
^documents/<int:pk>/                 login  login  login  portal portal ok     ok     ok
^documents/find/                     login  login  login  portal portal 404    404    404

# Which staff have two-factor log-in: aid officers (and superusers) answer for staff accounts.
[admin/staff/]
mfa/                                 login  login  login  portal portal deny   ok     deny

# Aid officers act; auditors read the reports; editors see aggregates only.
[admin/aid/]
dashboard/                           login  login  login  portal portal ok     ok     ok
audit/                               login  login  login  portal portal ok     ok     ok
rules/set/                           login  login  login  portal portal deny   ok     deny
rules/<int:rule_id>/new-version/     login  login  login  portal portal deny   ok     deny
periods/close/                       login  login  login  portal portal deny   ok     deny
households/import/                   login  login  login  portal portal deny   ok     deny
households/<int:household_id>/personal-data/ login login login portal portal 405    405    405
payouts/draft/                       login  login  login  portal portal deny   ok     deny
payouts/<int:batch_id>/approve/      login  login  login  portal portal 405    405    405
payouts/<int:batch_id>/cancel/       login  login  login  portal portal 405    405    405
payouts/<int:batch_id>/export/       login  login  login  portal portal 405    405    405
payouts/rows/<int:row_id>/paid/      login  login  login  portal portal 405    405    405
payouts/rows/<int:row_id>/failed/    login  login  login  portal portal 405    405    405
accounts/producer/request/           login  login  login  portal portal deny   ok     deny
accounts/household/<int:household_id>/request/ login login login portal portal deny ok   deny
accounts/changes/<int:change_id>/approve/ login login login portal portal 405    405    405
accounts/changes/<int:change_id>/reject/ login login login portal portal 405    405    405
notices/generate/                    login  login  login  portal portal deny   ok     deny
notices/publish-month/               login  login  login  portal portal deny   ok     deny
notices/<int:notice_id>/review/      login  login  login  portal portal 405    405    405
notices/<int:notice_id>/publish/     login  login  login  portal portal 405    405    405
notices/objections/<int:objection_id>/resolve/ login login login portal portal 405    405    405
payouts/households/<int:household_id>/decision/ login login login portal portal 405   405    405

[admin/aid/reports/ slug='households-by-village']
<slug:slug>/                         login  login  login  portal portal deny   ok     ok
<slug:slug>/download/                login  login  login  portal portal 405    405    405

# The generic views of the viewsets the apps register. Editors keep the
# catalogue and producers; aid officers the register, pools and payout
# accounts; auditors read. Nobody deletes, and the ledger's models, rules,
# periods, batches and notices are read-only for everyone (ReadOnlyPolicy).
[admin/snippets/producers/producer/ pk=producer_a]
.                                    login  login  login  portal portal ok     deny   ok
results/                             login  login  login  portal portal ok     deny   ok
add/                                 login  login  login  portal portal ok     deny   deny
edit/<int:pk>/                       login  login  login  portal portal ok     deny   deny
delete/<int:pk>/                     login  login  login  portal portal deny   deny   deny
usage/<int:pk>/                      login  login  login  portal portal ok     deny   deny
history/<int:pk>/                    login  login  login  portal portal ok     deny   deny
history-results/<int:pk>/            login  login  login  portal portal ok     deny   deny
copy/<int:pk>/                       login  login  login  portal portal ok     deny   deny

# Any admin user may choose from the catalogue.
[admin/snippets/choose/producers/producer/ pk=producer_a]
.                                    login  login  login  portal portal ok     ok     ok
results/                             login  login  login  portal portal ok     ok     ok
chosen/<str:pk>/                     login  login  login  portal portal ok     ok     ok
chosen-multiple/                     login  login  login  portal portal ok     ok     ok
create/                              login  login  login  portal portal ok     deny   deny

[admin/snippets/producers/village/ pk=village]
.                                    login  login  login  portal portal ok     deny   ok
results/                             login  login  login  portal portal ok     deny   ok
add/                                 login  login  login  portal portal ok     deny   deny
edit/<int:pk>/                       login  login  login  portal portal ok     deny   deny
delete/<int:pk>/                     login  login  login  portal portal deny   deny   deny
usage/<int:pk>/                      login  login  login  portal portal ok     deny   deny
history/<int:pk>/                    login  login  login  portal portal ok     deny   deny
history-results/<int:pk>/            login  login  login  portal portal ok     deny   deny
copy/<int:pk>/                       login  login  login  portal portal ok     deny   deny

# Any admin user may choose from the catalogue.
[admin/snippets/choose/producers/village/ pk=village]
.                                    login  login  login  portal portal ok     ok     ok
results/                             login  login  login  portal portal ok     ok     ok
chosen/<str:pk>/                     login  login  login  portal portal ok     ok     ok
chosen-multiple/                     login  login  login  portal portal ok     ok     ok
create/                              login  login  login  portal portal ok     deny   deny

[admin/snippets/producers/memberprofile/ pk=member_profile]
.                                    login  login  login  portal portal ok     deny   deny
results/                             login  login  login  portal portal ok     deny   deny
add/                                 login  login  login  portal portal ok     deny   deny
edit/<int:pk>/                       login  login  login  portal portal ok     deny   deny
delete/<int:pk>/                     login  login  login  portal portal deny   deny   deny
usage/<int:pk>/                      login  login  login  portal portal ok     deny   deny
history/<int:pk>/                    login  login  login  portal portal ok     deny   deny
history-results/<int:pk>/            login  login  login  portal portal ok     deny   deny
copy/<int:pk>/                       login  login  login  portal portal ok     deny   deny

# Only those who may list it choose from it (ListersOnlyChooserViewSet): no member.
[admin/snippets/choose/producers/memberprofile/ pk=member_profile]
.                                    login  login  login  portal portal ok     deny   deny
results/                             login  login  login  portal portal ok     deny   deny
chosen/<str:pk>/                     login  login  login  portal portal ok     deny   deny
chosen-multiple/                     login  login  login  portal portal ok     deny   deny
create/                              login  login  login  portal portal ok     deny   deny

[admin/snippets/producers/portalactivity/ pk=activity]
.                                    login  login  login  portal portal ok     ok     ok
results/                             login  login  login  portal portal ok     ok     ok
add/                                 login  login  login  portal portal deny   deny   deny
edit/<int:pk>/                       login  login  login  portal portal deny   deny   deny
delete/<int:pk>/                     login  login  login  portal portal deny   deny   deny
usage/<int:pk>/                      login  login  login  portal portal deny   deny   deny
history/<int:pk>/                    login  login  login  portal portal deny   deny   deny
history-results/<int:pk>/            login  login  login  portal portal deny   deny   deny
copy/<int:pk>/                       login  login  login  portal portal deny   deny   deny
inspect/<int:pk>/                    login  login  login  portal portal ok     ok     ok

# Only those who may list it choose from it (ListersOnlyChooserViewSet): no member.
[admin/snippets/choose/producers/portalactivity/ pk=activity]
.                                    login  login  login  portal portal ok     ok     ok
results/                             login  login  login  portal portal ok     ok     ok
chosen/<str:pk>/                     login  login  login  portal portal ok     ok     ok
chosen-multiple/                     login  login  login  portal portal ok     ok     ok
create/                              login  login  login  portal portal deny   deny   deny

[admin/snippets/shop/productvariant/ pk=variant_a]
.                                    login  login  login  portal portal ok     deny   ok
results/                             login  login  login  portal portal ok     deny   ok
add/                                 login  login  login  portal portal ok     deny   deny
edit/<int:pk>/                       login  login  login  portal portal ok     deny   deny
delete/<int:pk>/                     login  login  login  portal portal deny   deny   deny
usage/<int:pk>/                      login  login  login  portal portal ok     deny   deny
history/<int:pk>/                    login  login  login  portal portal ok     deny   deny
history-results/<int:pk>/            login  login  login  portal portal ok     deny   deny
copy/<int:pk>/                       login  login  login  portal portal ok     deny   deny

# Any admin user may choose from the catalogue.
[admin/snippets/choose/shop/productvariant/ pk=variant_a]
.                                    login  login  login  portal portal ok     ok     ok
results/                             login  login  login  portal portal ok     ok     ok
chosen/<str:pk>/                     login  login  login  portal portal ok     ok     ok
chosen-multiple/                     login  login  login  portal portal ok     ok     ok
create/                              login  login  login  portal portal ok     deny   deny

[admin/snippets/shop/category/ pk=category]
.                                    login  login  login  portal portal ok     deny   ok
results/                             login  login  login  portal portal ok     deny   ok
add/                                 login  login  login  portal portal ok     deny   deny
edit/<int:pk>/                       login  login  login  portal portal ok     deny   deny
delete/<int:pk>/                     login  login  login  portal portal deny   deny   deny
usage/<int:pk>/                      login  login  login  portal portal ok     deny   deny
history/<int:pk>/                    login  login  login  portal portal ok     deny   deny
history-results/<int:pk>/            login  login  login  portal portal ok     deny   deny
copy/<int:pk>/                       login  login  login  portal portal ok     deny   deny

# Any admin user may choose from the catalogue.
[admin/snippets/choose/shop/category/ pk=category]
.                                    login  login  login  portal portal ok     ok     ok
results/                             login  login  login  portal portal ok     ok     ok
chosen/<str:pk>/                     login  login  login  portal portal ok     ok     ok
chosen-multiple/                     login  login  login  portal portal ok     ok     ok
create/                              login  login  login  portal portal ok     deny   deny

[admin/snippets/shop/productcertificate/ pk=certificate]
.                                    login  login  login  portal portal ok     deny   deny
results/                             login  login  login  portal portal ok     deny   deny
add/                                 login  login  login  portal portal ok     deny   deny
edit/<int:pk>/                       login  login  login  portal portal ok     deny   deny
delete/<int:pk>/                     login  login  login  portal portal deny   deny   deny
usage/<int:pk>/                      login  login  login  portal portal ok     deny   deny
history/<int:pk>/                    login  login  login  portal portal ok     deny   deny
history-results/<int:pk>/            login  login  login  portal portal ok     deny   deny
copy/<int:pk>/                       login  login  login  portal portal ok     deny   deny

# Any admin user may choose from the catalogue.
[admin/snippets/choose/shop/productcertificate/ pk=certificate]
.                                    login  login  login  portal portal ok     ok     ok
results/                             login  login  login  portal portal ok     ok     ok
chosen/<str:pk>/                     login  login  login  portal portal ok     ok     ok
chosen-multiple/                     login  login  login  portal portal ok     ok     ok
create/                              login  login  login  portal portal ok     deny   deny

[admin/snippets/shop/order/ pk=order_a]
.                                    login  login  login  portal portal ok     ok     ok
results/                             login  login  login  portal portal ok     ok     ok
add/                                 login  login  login  portal portal deny   deny   deny
edit/<int:pk>/                       login  login  login  portal portal deny   deny   deny
delete/<int:pk>/                     login  login  login  portal portal deny   deny   deny
usage/<int:pk>/                      login  login  login  portal portal deny   deny   deny
history/<int:pk>/                    login  login  login  portal portal deny   deny   deny
history-results/<int:pk>/            login  login  login  portal portal deny   deny   deny
inspect/<int:pk>/                    login  login  login  portal portal ok     ok     ok

# Only those who may list it choose from it (ListersOnlyChooserViewSet): no member.
[admin/snippets/choose/shop/order/ pk=order_a]
.                                    login  login  login  portal portal ok     ok     ok
results/                             login  login  login  portal portal ok     ok     ok
chosen/<str:pk>/                     login  login  login  portal portal ok     ok     ok
chosen-multiple/                     login  login  login  portal portal ok     ok     ok
create/                              login  login  login  portal portal deny   deny   deny

# Claims change only through the after-sales services (ReadOnlyPolicy).
[admin/snippets/shop/aftersalesrequest/ pk=aftersales_a]
.                                    login  login  login  portal portal ok     ok     ok
results/                             login  login  login  portal portal ok     ok     ok
add/                                 login  login  login  portal portal deny   deny   deny
edit/<int:pk>/                       login  login  login  portal portal deny   deny   deny
delete/<int:pk>/                     login  login  login  portal portal deny   deny   deny
usage/<int:pk>/                      login  login  login  portal portal deny   deny   deny
history/<int:pk>/                    login  login  login  portal portal deny   deny   deny
history-results/<int:pk>/            login  login  login  portal portal deny   deny   deny
inspect/<int:pk>/                    login  login  login  portal portal ok     ok     ok

# Only those who may list it choose from it (ListersOnlyChooserViewSet): no member.
[admin/snippets/choose/shop/aftersalesrequest/ pk=aftersales_a]
.                                    login  login  login  portal portal ok     ok     ok
results/                             login  login  login  portal portal ok     ok     ok
chosen/<str:pk>/                     login  login  login  portal portal ok     ok     ok
chosen-multiple/                     login  login  login  portal portal ok     ok     ok
create/                              login  login  login  portal portal deny   deny   deny

# 发票 requests change only through the invoicing services (ReadOnlyPolicy).
[admin/snippets/shop/invoicerequest/ pk=invoice_a]
.                                    login  login  login  portal portal ok     deny   ok
results/                             login  login  login  portal portal ok     deny   ok
add/                                 login  login  login  portal portal deny   deny   deny
edit/<int:pk>/                       login  login  login  portal portal deny   deny   deny
delete/<int:pk>/                     login  login  login  portal portal deny   deny   deny
usage/<int:pk>/                      login  login  login  portal portal deny   deny   deny
history/<int:pk>/                    login  login  login  portal portal deny   deny   deny
history-results/<int:pk>/            login  login  login  portal portal deny   deny   deny
inspect/<int:pk>/                    login  login  login  portal portal ok     deny   ok

# Only those who may list it choose from it (ListersOnlyChooserViewSet): no member.
[admin/snippets/choose/shop/invoicerequest/ pk=invoice_a]
.                                    login  login  login  portal portal ok     deny   ok
results/                             login  login  login  portal portal ok     deny   ok
chosen/<str:pk>/                     login  login  login  portal portal ok     deny   ok
chosen-multiple/                     login  login  login  portal portal ok     deny   ok
create/                              login  login  login  portal portal deny   deny   deny

# Editors register buying units; auditors read them.
[admin/snippets/shop/buyingunit/ pk=buying_unit]
.                                    login  login  login  portal portal ok     deny   ok
results/                             login  login  login  portal portal ok     deny   ok
add/                                 login  login  login  portal portal ok     deny   deny
edit/<int:pk>/                       login  login  login  portal portal ok     deny   deny
delete/<int:pk>/                     login  login  login  portal portal deny   deny   deny
usage/<int:pk>/                      login  login  login  portal portal ok     deny   deny
history/<int:pk>/                    login  login  login  portal portal ok     deny   deny
history-results/<int:pk>/            login  login  login  portal portal ok     deny   deny

# Only those who may list it choose from it (ListersOnlyChooserViewSet): no member.
[admin/snippets/choose/shop/buyingunit/ pk=buying_unit]
.                                    login  login  login  portal portal ok     deny   ok
results/                             login  login  login  portal portal ok     deny   ok
chosen/<str:pk>/                     login  login  login  portal portal ok     deny   ok
chosen-multiple/                     login  login  login  portal portal ok     deny   ok
create/                              login  login  login  portal portal ok     deny   deny

[admin/households/ pk=household]
.                                    login  login  login  portal portal deny   ok     ok
results/                             login  login  login  portal portal deny   ok     ok
new/                                 login  login  login  portal portal deny   ok     deny
edit/<int:pk>/                       login  login  login  portal portal deny   ok     deny
delete/<int:pk>/                     login  login  login  portal portal deny   deny   deny
history/<int:pk>/                    login  login  login  portal portal deny   ok     deny
history-results/<int:pk>/            login  login  login  portal portal deny   ok     deny
usage/<int:pk>/                      login  login  login  portal portal deny   ok     deny
inspect/<int:pk>/                    login  login  login  portal portal deny   ok     ok
copy/<int:pk>/                       login  login  login  portal portal deny   ok     deny

[admin/aid_rules/ pk=rule]
.                                    login  login  login  portal portal deny   ok     ok
results/                             login  login  login  portal portal deny   ok     ok
new/                                 login  login  login  portal portal deny   deny   deny
edit/<int:pk>/                       login  login  login  portal portal deny   deny   deny
delete/<int:pk>/                     login  login  login  portal portal deny   deny   deny
history/<int:pk>/                    login  login  login  portal portal deny   deny   deny
history-results/<int:pk>/            login  login  login  portal portal deny   deny   deny
usage/<int:pk>/                      login  login  login  portal portal deny   deny   deny
inspect/<int:pk>/                    login  login  login  portal portal deny   ok     ok

[admin/aid_pools/ pk=pool]
.                                    login  login  login  portal portal deny   ok     ok
results/                             login  login  login  portal portal deny   ok     ok
new/                                 login  login  login  portal portal deny   ok     deny
edit/<int:pk>/                       login  login  login  portal portal deny   ok     deny
delete/<int:pk>/                     login  login  login  portal portal deny   deny   deny
history/<int:pk>/                    login  login  login  portal portal deny   ok     deny
history-results/<int:pk>/            login  login  login  portal portal deny   ok     deny
usage/<int:pk>/                      login  login  login  portal portal deny   ok     deny
inspect/<int:pk>/                    login  login  login  portal portal deny   ok     ok

[admin/aid_periods/ pk=period]
.                                    login  login  login  portal portal deny   ok     ok
results/                             login  login  login  portal portal deny   ok     ok
new/                                 login  login  login  portal portal deny   deny   deny
edit/<int:pk>/                       login  login  login  portal portal deny   deny   deny
delete/<int:pk>/                     login  login  login  portal portal deny   deny   deny
history/<int:pk>/                    login  login  login  portal portal deny   deny   deny
history-results/<int:pk>/            login  login  login  portal portal deny   deny   deny
usage/<int:pk>/                      login  login  login  portal portal deny   deny   deny
inspect/<int:pk>/                    login  login  login  portal portal deny   ok     ok

[admin/aid_certificates/ pk=aid_certificate]
.                                    login  login  login  portal portal deny   ok     ok
results/                             login  login  login  portal portal deny   ok     ok
new/                                 login  login  login  portal portal deny   deny   deny
edit/<int:pk>/                       login  login  login  portal portal deny   deny   deny
delete/<int:pk>/                     login  login  login  portal portal deny   deny   deny
history/<int:pk>/                    login  login  login  portal portal deny   deny   deny
history-results/<int:pk>/            login  login  login  portal portal deny   deny   deny
usage/<int:pk>/                      login  login  login  portal portal deny   deny   deny
inspect/<int:pk>/                    login  login  login  portal portal deny   ok     ok

[admin/aid/certificates/ certificate_id=aid_certificate]
issue/                               login  login  login  portal portal deny   ok     deny
<int:certificate_id>/pdf/            login  login  login  portal portal deny   ok     ok

# Payout accounts change only through requests another officer approves (issue #16).
[admin/aid_producer_payout_accounts/ pk=payout_account]
.                                    login  login  login  portal portal deny   ok     ok
results/                             login  login  login  portal portal deny   ok     ok
new/                                 login  login  login  portal portal deny   deny   deny
edit/<int:pk>/                       login  login  login  portal portal deny   deny   deny
delete/<int:pk>/                     login  login  login  portal portal deny   deny   deny
history/<int:pk>/                    login  login  login  portal portal deny   deny   deny
history-results/<int:pk>/            login  login  login  portal portal deny   deny   deny
usage/<int:pk>/                      login  login  login  portal portal deny   deny   deny
inspect/<int:pk>/                    login  login  login  portal portal deny   ok     ok

[admin/aid_account_changes/ pk=account_change]
.                                    login  login  login  portal portal deny   ok     ok
results/                             login  login  login  portal portal deny   ok     ok
new/                                 login  login  login  portal portal deny   deny   deny
edit/<int:pk>/                       login  login  login  portal portal deny   deny   deny
delete/<int:pk>/                     login  login  login  portal portal deny   deny   deny
history/<int:pk>/                    login  login  login  portal portal deny   deny   deny
history-results/<int:pk>/            login  login  login  portal portal deny   deny   deny
usage/<int:pk>/                      login  login  login  portal portal deny   deny   deny
inspect/<int:pk>/                    login  login  login  portal portal deny   ok     ok

[admin/aid_payout_batches/ pk=batch]
.                                    login  login  login  portal portal deny   ok     ok
results/                             login  login  login  portal portal deny   ok     ok
new/                                 login  login  login  portal portal deny   deny   deny
edit/<int:pk>/                       login  login  login  portal portal deny   deny   deny
delete/<int:pk>/                     login  login  login  portal portal deny   deny   deny
history/<int:pk>/                    login  login  login  portal portal deny   deny   deny
history-results/<int:pk>/            login  login  login  portal portal deny   deny   deny
usage/<int:pk>/                      login  login  login  portal portal deny   deny   deny
inspect/<int:pk>/                    login  login  login  portal portal deny   ok     ok

[admin/aid_transactions/ pk=transaction]
.                                    login  login  login  portal portal deny   ok     ok
results/                             login  login  login  portal portal deny   ok     ok
new/                                 login  login  login  portal portal deny   deny   deny
edit/<int:pk>/                       login  login  login  portal portal deny   deny   deny
delete/<int:pk>/                     login  login  login  portal portal deny   deny   deny
history/<int:pk>/                    login  login  login  portal portal deny   deny   deny
history-results/<int:pk>/            login  login  login  portal portal deny   deny   deny
usage/<int:pk>/                      login  login  login  portal portal deny   deny   deny
inspect/<int:pk>/                    login  login  login  portal portal deny   ok     ok

[admin/aid_entries/ pk=entry]
.                                    login  login  login  portal portal deny   ok     ok
results/                             login  login  login  portal portal deny   ok     ok
new/                                 login  login  login  portal portal deny   deny   deny
edit/<int:pk>/                       login  login  login  portal portal deny   deny   deny
delete/<int:pk>/                     login  login  login  portal portal deny   deny   deny
history/<int:pk>/                    login  login  login  portal portal deny   deny   deny
history-results/<int:pk>/            login  login  login  portal portal deny   deny   deny
usage/<int:pk>/                      login  login  login  portal portal deny   deny   deny
inspect/<int:pk>/                    login  login  login  portal portal deny   ok     ok

[admin/aid_accounts/ pk=account]
.                                    login  login  login  portal portal deny   ok     ok
results/                             login  login  login  portal portal deny   ok     ok
new/                                 login  login  login  portal portal deny   deny   deny
edit/<int:pk>/                       login  login  login  portal portal deny   deny   deny
delete/<int:pk>/                     login  login  login  portal portal deny   deny   deny
history/<int:pk>/                    login  login  login  portal portal deny   deny   deny
history-results/<int:pk>/            login  login  login  portal portal deny   deny   deny
usage/<int:pk>/                      login  login  login  portal portal deny   deny   deny
inspect/<int:pk>/                    login  login  login  portal portal deny   ok     ok

[admin/aid_notices/ pk=notice]
.                                    login  login  login  portal portal deny   ok     ok
results/                             login  login  login  portal portal deny   ok     ok
new/                                 login  login  login  portal portal deny   deny   deny
edit/<int:pk>/                       login  login  login  portal portal deny   deny   deny
delete/<int:pk>/                     login  login  login  portal portal deny   deny   deny
history/<int:pk>/                    login  login  login  portal portal deny   deny   deny
history-results/<int:pk>/            login  login  login  portal portal deny   deny   deny
usage/<int:pk>/                      login  login  login  portal portal deny   deny   deny
inspect/<int:pk>/                    login  login  login  portal portal deny   ok     ok

[admin/aid_notice_objections/ pk=objection]
.                                    login  login  login  portal portal deny   ok     deny
results/                             login  login  login  portal portal deny   ok     deny
new/                                 login  login  login  portal portal deny   deny   deny
edit/<int:pk>/                       login  login  login  portal portal deny   deny   deny
delete/<int:pk>/                     login  login  login  portal portal deny   deny   deny
history/<int:pk>/                    login  login  login  portal portal deny   deny   deny
history-results/<int:pk>/            login  login  login  portal portal deny   deny   deny
usage/<int:pk>/                      login  login  login  portal portal deny   deny   deny
inspect/<int:pk>/                    login  login  login  portal portal deny   ok     deny
"""

# Third-party URL sets are not listed pattern by pattern (see THIRD_PARTY):
# these rows stand for them.
THIRD_PARTY_TABLE = """
#                                    anon          buyer2        member2       officer
#                                           buyer         member        editor        auditor
[admin/]
.                                    login  login  login  portal portal ok     ok     ok
users/                               login  login  login  portal portal deny   deny   deny
groups/                              login  login  login  portal portal deny   deny   deny
images/                              login  login  login  portal portal ok     deny   deny
reports/site-history/                login  login  login  portal portal ok     ok     ok
snippets/                            login  login  login  portal portal deny   deny   deny

# Editors moderate every producer's pages; members edit theirs in the portal only.
[admin/pages/]
.                                    login  login  login  portal portal ok     deny   deny
<int:page_id>/edit/                  login  login  login  portal portal ok     deny   deny

[admin/pages/ page_id=product_b]
<int:page_id>/edit/                  login  login  login  portal portal ok     deny   deny

[accounts/]
login/                               ok     302    302    302    302    302    302    302
email/                               login  ok     ok     ok     ok     ok     ok     ok
password/change/                     login  ok     ok     ok     ok     ok     ok     ok

# Pages served by Wagtail, by the world's page: a draft is nobody's to see.
[page:]
product_a                            ok     ok     ok     ok     ok     ok     ok     ok
draft_product_a                      404    404    404    404    404    404    404    404
producer_page_b                      ok     ok     ok     ok     ok     ok     ok     ok
"""

# Prefixes of URL patterns that belong to Wagtail or allauth: a pattern under
# one of them needs no row unless it is the project's (is_project_owned).
THIRD_PARTY = {
    "admin/": "Wagtail's admin: pages, images, documents, users, workflows, reports",
    "accounts/": "allauth's log-in, sign-up, e-mail and password pages",
    "_util/": "Wagtail's log-in for password-protected pages",
    "^media/": "uploads, served by Django with DEBUG only",
    r"^((?:[\w\-]+/)*)$": "Wagtail's page serving: every page of the tree",
}

# POSTs to state-changing views, as each role that must not change anything
# ("-": allowed, not posted). The generic add/edit/delete/copy views of the
# viewsets are posted to by every role their GET row refuses (see below).
POST_TABLE = """
#                                    anon          buyer2        member2       officer
#                                           buyer         member        editor        auditor
[orders/ number=unpaid_order_a.number]
<slug:number>/pay/                    404    -      404    404    404    404    404    404

[orders/ line_id=line_a]
<slug:number>/lines/<int:line_id>/aftersales/ 404 -  404    404    404    404    404    404

[aftersales/ request_id=aftersales_a]
<int:request_id>/act/                404    -      404    404    404    404    404    404

# Another buyer's order offered for a 发票 is no choice of theirs: the form refuses it.
[account/ unit_id=buying_unit]
units/<int:unit_id>/                 login  -      404    404    404    404    404    404
invoices/new/                        login  -      ok     ok     ok     ok     ok     ok

[account/addresses/]
<int:address_id>/                    login  -      404    404    404    404    404    404
<int:address_id>/delete/             login  -      404    404    404    404    404    404

[payments/dummy/]
<int:payment_id>/                    404    -      404    404    404    404    404    404

[payments/stripe/ payment_id=stripe_payment_a]
<int:payment_id>/                    404    -      404    404    404    404    404    404

[payments/wechatpay/ payment_id=wechatpay_payment_a]
<int:payment_id>/                    404    -      404    404    404    404    404    404

# A member of B asking to act for A is sent home with an error.
[portal/]
switch/                              login  login  login  -      302    login  login  login
products/new/                        login  login  login  -      -      login  login  login
products/<int:page_id>/edit/         login  login  login  -      404    login  login  login
variants/<int:variant_id>/stock/     login  login  login  -      404    login  login  login
variants/<int:variant_id>/sold-out/  login  login  login  -      404    login  login  login
shipments/<int:shipment_id>/ship/    login  login  login  -      404    login  login  login
shipments/<int:shipment_id>/deliver/ login  login  login  -      404    login  login  login

[portal/ request_id=aftersales_a]
aftersales/<int:request_id>/         login  login  login  -      404    login  login  login
aftersales/<int:request_id>/received/ login login  login  -      404    login  login  login

[portal/ request_id=invoice_a]
invoices/<int:request_id>/issue/     login  login  login  -      404    login  login  login
invoices/<int:request_id>/reject/    login  login  login  -      404    login  login  login
invoices/<int:request_id>/red-letter/ login login  login  -      404    login  login  login

[portal/ page_id=draft_product_a]
products/<int:page_id>/submit/       login  login  login  -      404    login  login  login

[admin/]
stock/<int:variant_id>/              login  login  login  portal portal -      deny   deny
orders/<int:order_id>/refund/        login  login  login  portal portal -      deny   deny
payments/<int:payment_id>/refund/    login  login  login  portal portal -      deny   deny
orders/offline-sale/                 login  login  login  portal portal -      deny   deny

[admin/ order_id=unpaid_order_a]
orders/<int:order_id>/payment/       login  login  login  portal portal -      deny   deny

[admin/statements/]
differences/<int:difference_id>/explain/ login login login portal portal -      deny   deny

[admin/aftersales/ request_id=aftersales_a]
<int:request_id>/decide/             login  login  login  portal portal -      deny   deny

[admin/invoices/ request_id=invoice_a action='red-letter']
<int:request_id>/<str:action>/       login  login  login  portal portal -      deny   deny

[admin/aid/]
rules/set/                           login  login  login  portal portal deny   -      deny
rules/<int:rule_id>/new-version/     login  login  login  portal portal deny   -      deny
periods/close/                       login  login  login  portal portal deny   -      deny
households/import/                   login  login  login  portal portal deny   -      deny
# A household's copy of its data (PIPL art. 45): aid officers only, auditors neither.
households/<int:household_id>/personal-data/ login login login portal portal deny -     deny
payouts/draft/                       login  login  login  portal portal deny   -      deny
payouts/<int:batch_id>/approve/      login  login  login  portal portal deny   -      deny
payouts/<int:batch_id>/cancel/       login  login  login  portal portal deny   -      deny
payouts/<int:batch_id>/export/       login  login  login  portal portal deny   -      deny
payouts/rows/<int:row_id>/paid/      login  login  login  portal portal deny   -      deny
payouts/rows/<int:row_id>/failed/    login  login  login  portal portal deny   -      deny
accounts/producer/request/           login  login  login  portal portal deny   -      deny
accounts/household/<int:household_id>/request/ login login login portal portal deny -     deny
accounts/changes/<int:change_id>/approve/ login login login portal portal deny   -      deny
accounts/changes/<int:change_id>/reject/ login login login portal portal deny   -      deny
notices/generate/                    login  login  login  portal portal deny   -      deny
notices/publish-month/               login  login  login  portal portal deny   -      deny
notices/<int:notice_id>/review/      login  login  login  portal portal deny   -      deny
notices/<int:notice_id>/publish/     login  login  login  portal portal deny   -      deny
notices/objections/<int:objection_id>/resolve/ login login login portal portal deny  -      deny
payouts/households/<int:household_id>/decision/ login login login portal portal deny -     deny

# Aid officers and auditors download reports (a purpose for one that lists persons).
[account/units/ unit_id=buying_unit year=aid_certificate.year]
<int:unit_id>/certificates/<int:year>/ login -    404    404    404    404    404    404

[admin/aid/certificates/]
issue/                               login  login  login  portal portal deny   -      deny

[admin/aid/reports/ slug='households-by-village']
<slug:slug>/download/                login  login  login  portal portal deny   -      -
"""

# What the POSTs send: valid data where it matters, so that a missing check
# would change something. "{name}" is the world object's pk.
POST_DATA = {
    "payments/dummy/<int:payment_id>/": {"outcome": "succeed"},
    "account/addresses/<int:address_id>/": {"recipient": "改掉了"},
    "portal/switch/": {"producer": "{producer_a}"},
    "orders/<slug:number>/lines/<int:line_id>/aftersales/": {
        "kind": "missing",
        "quantity": "1",
        "reason": "没收到",
    },
    "aftersales/<int:request_id>/act/": {"step": "escalate", "note": "请镇里看看"},
    "account/units/<int:unit_id>/": {"mobile": "13900000000"},
    "account/invoices/new/": {
        "orders": "{order_a}",
        "kind": "normal",
        "title": "改掉了",
        "email": "x@example.com",
    },
    "portal/aftersales/<int:request_id>/": {"step": "accept"},
    "portal/invoices/<int:request_id>/reject/": {"r{invoice_a}-reason": "抬头有误"},
    "portal/invoices/<int:request_id>/red-letter/": {
        "x{invoice_a}-red_letter_number": "RED-1",
        "x{invoice_a}-red_letter_date": "2026-11-01",
    },
    "admin/aftersales/<int:request_id>/decide/": {"amount": "1.00", "note": "退一元"},
    "admin/invoices/<int:request_id>/<str:action>/": {
        "red_letter_number": "RED-1",
        "red_letter_date": "2026-11-01",
    },
    "portal/products/<int:page_id>/edit/": {"title": "改掉了"},
    "portal/variants/<int:variant_id>/stock/": {"amount": "5", "direction": "down"},
    "portal/shipments/<int:shipment_id>/ship/": {
        "carrier": CARRIER_CHOICES[0][0],
        "tracking_number": "SF1234567890",
    },
    "admin/stock/<int:variant_id>/": {"delta": "-5"},
    "admin/orders/<int:order_id>/refund/": {"reason": "测试"},
    "admin/payments/<int:payment_id>/refund/": {"reason": "测试"},
    "admin/orders/<int:order_id>/payment/": {"amount": "100.00", "method": "cash"},
    "admin/statements/differences/<int:difference_id>/explain/": {"note": "已核对"},
    "admin/aid/rules/set/": {
        "producer": "{producer_b}",
        "pool": "{pool}",
        "share_percent": "10",
        "valid_from": "2026-12-01",
    },
    "admin/aid/periods/close/": {"period": "2026-11"},
    "admin/aid/certificates/issue/": {"unit": "{buying_unit}", "year": "2026"},
    "admin/aid/payouts/draft/": {"kind": "producer"},
    "admin/aid/accounts/producer/request/": {
        "producer": "{producer_b}",
        "holder_name": "改掉了",
        "bank_name": "示例银行",
        "bank_account_number": "62000000000990099",
    },
    "admin/aid/accounts/household/<int:household_id>/request/": {
        "bank_name": "示例银行",
        "bank_account_number": "62000000000990099",
    },
    "admin/aid/households/<int:household_id>/personal-data/": {"purpose": "户主申请查阅"},
    "admin/aid/notices/generate/": {"period": "{period}"},
    "admin/aid/notices/publish-month/": {"period": "{period}", "window_days": "14"},
    "admin/aid/notices/<int:notice_id>/publish/": {"window_days": "14"},
    "admin/aid/notices/objections/<int:objection_id>/resolve/": {
        "status": "resolved",
        "note": "核实无误",
    },
    "admin/aid/reports/<slug:slug>/download/": {
        "period": "2026",
        "format": "csv",
        "purpose": "核对",
        "full": "on",
    },
    "admin/aid/payouts/households/<int:household_id>/decision/": {
        "decision": "pay",
        "reason": "照付",
    },
}

# The generic views that write: posted to by every role refused their form.
GENERIC_WRITE = re.compile(r"/(new|add|edit/<int:pk>|delete/<int:pk>|copy/<int:pk>|create)/$")


@dataclass(frozen=True)
class Row:
    route: str  # the pattern's route, or "page:<name>" for a page Wagtail serves
    arguments: tuple[tuple[str, str], ...]
    expected: tuple[tuple[str, str | None], ...]  # (role, outcome)

    @property
    def label(self) -> str:
        """The route with its arguments named, for test ids and messages."""
        arguments = dict(self.arguments)
        return ARGUMENT.sub(lambda match: "{" + arguments[match.group(1)] + "}", self.route)

    def path(self, world: World) -> str:
        if self.route.startswith("page:"):
            return world.objects[self.route.removeprefix("page:")].url
        return fill(self.route, dict(self.arguments), world)


def parse(table: str) -> list[Row]:
    rows, prefix, section_arguments = [], "", {}
    for line in table.splitlines():
        line = line.split("#", 1)[0].rstrip()
        if not line:
            continue
        if line.startswith("["):
            prefix, *pairs = line.strip("[]").split()
            prefix = "" if prefix == "/" else prefix
            section_arguments = dict(pair.split("=", 1) for pair in pairs)
            continue
        key, *cells = line.split()
        assert len(cells) == len(ROLES), f"{key}: {len(cells)} cells for {len(ROLES)} roles"
        route = prefix if key == "." else prefix + key
        used = set(ARGUMENT.findall(route))
        arguments = {**ARGUMENTS, **section_arguments}
        rows.append(
            Row(
                route=route,
                arguments=tuple(sorted((k, v) for k, v in arguments.items() if k in used)),
                expected=tuple(zip(ROLES, (CELLS[cell] for cell in cells), strict=True)),
            )
        )
    return rows


PROJECT_ROWS = parse(PROJECT_TABLE)
THIRD_PARTY_ROWS = parse(THIRD_PARTY_TABLE)
POST_ROWS = parse(POST_TABLE)
GET_CELLS = [
    (row, role, expected)
    for row in PROJECT_ROWS + THIRD_PARTY_ROWS
    for role, expected in row.expected
]
POST_CELLS = [
    (row, role, expected) for row in POST_ROWS for role, expected in row.expected if expected
] + [
    (row, role, expected)
    for row in PROJECT_ROWS
    if GENERIC_WRITE.search(row.route)
    for role, expected in row.expected
    if expected in REFUSALS
]


def cell_id(cell) -> str:
    row, role, _expected = cell
    return f"{role}:{row.label}"


def check(response, expected: str, context: str) -> None:
    got = outcome(response)
    assert got == expected, f"{context}: expected {expected}, got {got}"
    if expected == DENIED:
        # Wagtail's redirect to the dashboard says why; a plain redirect there would not.
        messages = [str(message) for message in get_messages(response.wsgi_request)]
        assert messages, f"{context}: redirected to /admin/ without a message"


# Completeness ---------------------------------------------------------------------------


def third_party(route: str) -> bool:
    return route in THIRD_PARTY or route.startswith(tuple(THIRD_PARTY))


def test_every_url_pattern_has_an_authorisation_row():
    listed = {row.route for row in PROJECT_ROWS}
    namespaces = project_viewset_namespaces()
    missing = sorted(
        {
            pattern.route
            for pattern in walk()
            if pattern.route not in listed
            and (is_project_owned(pattern, namespaces) or not third_party(pattern.route))
        }
    )
    assert not missing, "new URL without an authorisation row: " + ", ".join(missing)


def test_every_row_names_a_url_pattern():
    routes = {pattern.route for pattern in walk()}
    rows = PROJECT_ROWS + THIRD_PARTY_ROWS + POST_ROWS
    stale = sorted({row.route for row in rows if not row.route.startswith("page:")} - routes)
    assert not stale, "authorisation rows for URLs that no longer exist: " + ", ".join(stale)


def test_the_completeness_check_catches_a_new_view():
    # Guards the guard: a project view added without a row must be reported.
    unlisted = list(walk([path("new-page/", catalogue.search)]))
    namespaces = project_viewset_namespaces()
    assert [p.route for p in unlisted if is_project_owned(p, namespaces)] == ["new-page/"]


# The matrix -----------------------------------------------------------------------------


@pytest.mark.parametrize(("row", "role", "expected"), GET_CELLS, ids=map(cell_id, GET_CELLS))
def test_get(world, row, role, expected):
    url = row.path(world)
    response = client_for(world, role).get(url)
    check(response, expected, f"{role} GET {url} ({row.label})")


PK = re.compile(r"\{(\w+)\}")


def post_data(route: str, world: World) -> dict:
    data = POST_DATA.get(route, {})

    def pk(match: re.Match) -> str:
        return str(world.objects[match.group(1)].pk)

    # A form with a prefix per object names its fields after the object: "r{invoice_a}-reason".
    return {
        PK.sub(pk, name): str(world.objects[value[1:-1]].pk) if value.startswith("{") else value
        for name, value in data.items()
    }


@pytest.mark.parametrize(("row", "role", "expected"), POST_CELLS, ids=map(cell_id, POST_CELLS))
def test_refused_post_changes_nothing(world, row, role, expected):
    url = row.path(world)
    writes = WriteLog()
    with connection.execute_wrapper(writes):
        response = client_for(world, role).post(url, post_data(row.route, world))
    check(response, expected, f"{role} POST {url} ({row.label})")
    assert not writes.writes, f"{role} POST {url} wrote: {writes.writes}"


def test_a_member_cannot_switch_to_another_producer(world):
    # The switch answers a refusal with the same redirect as a success, and the
    # session it would change is no table the write log watches: what the member
    # reaches afterwards is the proof.
    client = client_for(world, "member2")
    client.post("/portal/switch/", {"producer": world.producer_a.pk})
    response = client.get(f"/portal/products/{world.product_a.pk}/edit/")
    assert response.status_code == 404
