"""Products are found by the pinyin of their title and category (shop/catalogue/chinese_text.py):
the products already in the search index get their tokens made again."""

from django.db import migrations


def reindex_products(apps, schema_editor):
    if not apps.get_model("shop", "ProductPage").objects.exists():
        return  # a new database: products are indexed as they are saved
    # The tokens come from the page class's search_tokens method, which a historical
    # model has not: the index is built from the current class, as update_index builds it.
    from wagtail.search.backends import get_search_backends

    from shop.catalogue.models import ProductPage

    products = ProductPage.objects.select_related("producer__village", "category")
    for backend in get_search_backends(with_auto_update=True):
        backend.add_bulk(ProductPage, list(products))


class Migration(migrations.Migration):
    dependencies = [
        ("shop", "0018_home_page_in_english"),
        ("wagtailsearch", "0010_add_text_fields"),
    ]

    operations = [migrations.RunPython(reindex_products, migrations.RunPython.noop)]
