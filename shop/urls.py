from django.urls import path

from . import views

urlpatterns = [
    path("search/", views.search, name="search"),
    path("categories/", views.category_list, name="category_list"),
    path("categories/<slug:slug>/", views.category_detail, name="category_detail"),
    path("villages/", views.village_list, name="village_list"),
    path("villages/<slug:code>/", views.village_detail, name="village_detail"),
]
