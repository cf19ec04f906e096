from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, render

from producers.models import Village
from shop.catalogue import selectors
from shop.catalogue.models import Category
from shop.catalogue.search import search_products

RESULTS_PER_PAGE = 20
PRODUCTS_PER_PAGE = 24


def _sort_from(request) -> str:
    sort = request.GET.get("sort", selectors.DEFAULT_SORT)
    return sort if sort in selectors.SORTS else selectors.DEFAULT_SORT


def search(request):
    query = request.GET.get("q", "").strip()
    results = search_products(query)
    page = Paginator(results, RESULTS_PER_PAGE).get_page(request.GET.get("page"))
    context = {"query": query, "results": page}
    if query and not page.paginator.count:
        # Nothing found: the categories to browse instead, read only then.
        context["suggested_categories"] = Category.objects.filter(parent=None)
    return render(request, "shop/search.html", context)


def category_list(request):
    categories = Category.objects.filter(parent=None).prefetch_related("children")
    return render(request, "shop/category_list.html", {"categories": categories})


def category_detail(request, slug: str):
    category, subcategories = selectors.category_with_children(slug=slug)
    if category is None:
        raise Http404
    sort = _sort_from(request)
    products = selectors.products_in_categories(categories=[category, *subcategories], sort=sort)
    return render(
        request,
        "shop/category_detail.html",
        {
            "category": category,
            "subcategories": subcategories,
            "products": Paginator(products, PRODUCTS_PER_PAGE).get_page(request.GET.get("page")),
            "sort": sort,
        },
    )


def village_list(request):
    villages = Village.objects.annotate(
        producer_count=Count("producers", filter=Q(producers__is_active=True))
    ).order_by("-is_key_village", "-is_poor_village", "name")
    return render(request, "shop/village_list.html", {"villages": villages})


def village_detail(request, code: str):
    village = get_object_or_404(Village, code=code)
    sort = _sort_from(request)
    products = selectors.products_in_village(village=village, sort=sort)
    producers = village.producers.filter(is_active=True, page__live=True).select_related("page")
    return render(
        request,
        "shop/village_detail.html",
        {
            "village": village,
            "producers": producers,
            "products": Paginator(products, PRODUCTS_PER_PAGE).get_page(request.GET.get("page")),
            "sort": sort,
        },
    )
