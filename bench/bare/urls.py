from django.shortcuts import render
from django.urls import path


def bare_page(request):
    return render(request, "bare.html", {"title": "刘垓子镇", "items": ["番茄", "黄桃", "渔网"]})


urlpatterns = [path("", bare_page)]
