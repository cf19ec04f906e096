"""The shop's URLs with the bare page in front of them."""

from django.shortcuts import render
from django.urls import path

from config.urls import handler500  # noqa: F401
from config.urls import urlpatterns as shop_urlpatterns

BARE_PATH = "bench-bare/"


def bare_page(request):
    """bench/bare/'s small template, through the shop's whole stack."""
    return render(request, "bare.html", {"title": "刘垓子镇", "items": ["番茄", "黄桃", "渔网"]})


urlpatterns = [path(BARE_PATH, bare_page, name="bench_bare"), *shop_urlpatterns]
