from django.core.paginator import Paginator
from django.shortcuts import render

from .search import search_products

RESULTS_PER_PAGE = 20


def search(request):
    query = request.GET.get("q", "").strip()
    results = search_products(query)
    page = Paginator(results, RESULTS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "shop/search.html", {"query": query, "results": page})
