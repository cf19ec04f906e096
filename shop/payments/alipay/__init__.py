"""Alipay (支付宝) on its open platform: the cashier page on a desktop, the WAP cashier
on a phone, its signed notifications, the buyer's return, queries, closes, refunds
and the daily bill. ``gateway`` is the one module that imports the ``alipay`` SDK."""
