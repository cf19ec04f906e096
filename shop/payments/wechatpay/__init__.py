"""WeChat Pay (API v3), direct merchant: Native QR codes on desktop, H5 in phone
browsers, JSAPI inside WeChat. ``gateway`` is the one module that imports the
``wechatpayv3`` SDK; ``bill`` reads the daily trade bill, ``oauth`` gets a
JSAPI payer's openid, ``views`` are the buyer's pages, ``webhooks`` WeChat
Pay's notifications."""
