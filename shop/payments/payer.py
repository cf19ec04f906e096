"""Who is paying, as far as a gateway needs to know: the kind of browser and
its address. Read from the request by the views, passed to the gateway."""

from django.http import HttpRequest

from shop.payments.gateway import Device, Payer

_PHONE_MARKERS = ("Mobile", "Android", "iPhone", "iPad", "HarmonyOS")


def device_of(request: HttpRequest) -> Device:
    """WeChat's built-in browser pays by JSAPI; other phone browsers by H5 or
    WAP pages; a desktop browser shows QR codes to scan with a phone."""
    agent = request.headers.get("User-Agent", "")
    if "MicroMessenger" in agent:
        return "wechat"
    if any(marker in agent for marker in _PHONE_MARKERS):
        return "phone"
    return "desktop"


def payer_from_request(request: HttpRequest) -> Payer:
    # REMOTE_ADDR is the client's address once the documented proxy has set it
    # (docs/deploy.md); a header the client sends itself is never trusted here.
    return Payer(device=device_of(request), client_ip=request.META.get("REMOTE_ADDR", ""))
