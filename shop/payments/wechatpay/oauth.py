"""WeChat's web OAuth with scope snsapi_base: the openid of the buyer in WeChat's
browser, which a JSAPI payment needs. Silent for the buyer (no consent page).

Plain HTTP with ``requests``: WeChat Pay's SDK does not cover the official
account's OAuth. ``WECHATPAY_OAUTH_BASE`` (tests) replaces both of WeChat's hosts.
"""

import logging
from urllib.parse import urlencode

import requests
from django.conf import settings

logger = logging.getLogger(__name__)

AUTHORIZE_BASE = "https://open.weixin.qq.com"
TOKEN_BASE = "https://api.weixin.qq.com"
TIMEOUT_SECONDS = 10


class OAuthError(Exception):
    pass


def authorize_url(*, redirect_uri: str, state: str) -> str:
    """Where WeChat asks for the code; it comes back to ``redirect_uri`` with
    ``code`` and our ``state``. The fragment is part of WeChat's protocol."""
    query = urlencode(
        {
            "appid": settings.WECHATPAY_APPID,
            "redirect_uri": redirect_uri,
            "response_type": "code",
            "scope": "snsapi_base",
            "state": state,
        }
    )
    base = settings.WECHATPAY_OAUTH_BASE.rstrip("/") or AUTHORIZE_BASE
    return f"{base}/connect/oauth2/authorize?{query}#wechat_redirect"


def openid_for(*, code: str) -> str:
    """Exchange the code (single use, five minutes) for the buyer's openid."""
    base = settings.WECHATPAY_OAUTH_BASE.rstrip("/") or TOKEN_BASE
    try:
        response = requests.get(
            f"{base}/sns/oauth2/access_token",
            params={
                "appid": settings.WECHATPAY_APPID,
                "secret": settings.WECHATPAY_APP_SECRET,
                "code": code,
                "grant_type": "authorization_code",
            },
            timeout=TIMEOUT_SECONDS,
        )
        data = response.json()
    except (requests.RequestException, ValueError) as error:
        raise OAuthError(f"no answer: {error}") from error
    openid = data.get("openid") if isinstance(data, dict) else None
    if not isinstance(openid, str) or not openid:
        # errcode 40029 (a code used twice or made up), 40163 (code already used), ...
        raise OAuthError(
            f"{data.get('errcode')} {data.get('errmsg')}" if isinstance(data, dict) else ""
        )
    if data.get("is_snapshotuser") == 1:
        # WeChat's "snapshot page" mode gives a stand-in openid that cannot pay.
        raise OAuthError("snapshot user")
    return openid
