"""ProductVariant.units_sold, counted from the paid order lines already there
(units less those refunded), as payments and refunds keep it from now on."""

from django.db import migrations, models
from django.db.models import F, OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce


def count_sold_units(apps, schema_editor):
    ProductVariant = apps.get_model("shop", "ProductVariant")
    OrderLine = apps.get_model("shop", "OrderLine")
    units = (
        OrderLine.objects.filter(variant=OuterRef("pk"), order__paid_at__isnull=False)
        .order_by()
        .values("variant")
        .annotate(units=Sum(F("quantity") - F("refunded_quantity")))
        .values("units")
    )
    ProductVariant.objects.update(units_sold=Coalesce(Subquery(units), 0))


class Migration(migrations.Migration):
    dependencies = [
        ("shop", "0019_reindex_products_with_pinyin"),
    ]

    operations = [
        migrations.AddField(
            model_name="productvariant",
            name="units_sold",
            field=models.PositiveIntegerField(default=0, editable=False, verbose_name="已售数量"),
        ),
        migrations.RunPython(count_sold_units, migrations.RunPython.noop),
    ]
