"""Messages about 发票, owed in the transaction of what they tell
(messaging.outbox), each under a key that says why.

The buyer hears by e-mail, at the address the request names (the invoice is
sent as a PDF link there anyway): issued or rejected. The issuer hears when a
request arrives and when a refund calls for a red-letter invoice: a producer's
members by SMS and e-mail (as of new orders), the township's issuers by e-mail."""

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from core.money import yuan_amount
from core.roles import emails_of_holders
from messaging.outbox import is_loading_history, owe_email, owe_sms
from producers.models import Producer
from shop.invoicing.models import InvoiceRequest
from shop.invoicing.selectors import ISSUE_PERMISSION
from shop.orders.producer_notices import recipients
from shop.sms_templates import INVOICE_REQUESTED_SMS, RED_LETTER_SMS


def _link(name: str) -> str:
    return f"{settings.SITE_URL.rstrip('/')}{reverse(name)}"


def _email(*, why: str, to: str, template: str, context: dict) -> None:
    # Buyers and issuers read Chinese: 发票 exist in Chinese only.
    with translation.override(settings.LANGUAGE_CODE):
        subject = render_to_string(f"shop/email/{template}_subject.txt", context).strip()
        body = render_to_string(f"shop/email/{template}.txt", context)
    owe_email(key=f"{why}:email:{to}", to=to, subject=subject, body=body)


def invoice_issued(request: InvoiceRequest) -> None:
    _tell_buyer(request, kind="issued")


def invoice_rejected(request: InvoiceRequest) -> None:
    _tell_buyer(request, kind="rejected")


def _tell_buyer(request: InvoiceRequest, *, kind: str) -> None:
    if is_loading_history():
        return
    _email(
        why=f"invoice:{request.key}:{kind}",
        to=request.email,
        template=f"invoice_{kind}",
        context={"request": request, "link": _link("account_invoices")},
    )


def request_arrived(request: InvoiceRequest) -> None:
    _tell_issuer(
        request,
        kind="requested",
        sms=(
            INVOICE_REQUESTED_SMS,
            {"title": request.title[:20], "amount": yuan_amount(request.amount_fen)},
        ),
    )


def red_letter_needed(request: InvoiceRequest) -> None:
    _tell_issuer(
        request, kind="red_letter", sms=(RED_LETTER_SMS, {"number": request.invoice_number})
    )


def _tell_issuer(request: InvoiceRequest, *, kind: str, sms) -> None:
    if is_loading_history():
        return
    why = f"invoice:{request.key}:{kind}"
    template = f"invoice_issuer_{kind}"
    if request.issuer == Producer.InvoiceIssuer.PRODUCER:
        link = _link("portal:invoices")
        sms_template, params = sms
        for recipient in recipients(producer_ids=[request.producer_id]):
            if recipient.mobile:
                owe_sms(
                    key=f"{why}:sms:{recipient.mobile}",
                    phone=recipient.mobile,
                    template=sms_template,
                    params={**params, "link": link},
                )
            if recipient.email:
                _email(
                    why=why,
                    to=recipient.email,
                    template=template,
                    context={"request": request, "link": link},
                )
        return
    link = _link("wagtailadmin_home")
    for to in emails_of_holders(ISSUE_PERMISSION):
        _email(why=why, to=to, template=template, context={"request": request, "link": link})
