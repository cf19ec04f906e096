from django.db import migrations


def create_homepage(apps, schema_editor):
    """Replace Wagtail's placeholder root page with the shop's HomePage."""
    ContentType = apps.get_model("contenttypes.ContentType")
    Page = apps.get_model("wagtailcore.Page")
    Site = apps.get_model("wagtailcore.Site")
    Locale = apps.get_model("wagtailcore.Locale")
    HomePage = apps.get_model("shop.HomePage")

    Page.objects.filter(content_type__app_label="wagtailcore", content_type__model="page", depth=2).delete()
    content_type, _ = ContentType.objects.get_or_create(model="homepage", app_label="shop")
    locale = Locale.objects.order_by("pk").first()
    homepage = HomePage.objects.create(
        title="刘垓子镇消费帮扶商城",
        draft_title="刘垓子镇消费帮扶商城",
        slug="home",
        intro="买刘垓子的好菜好物，每一单都帮到脱贫户",
        content_type=content_type,
        path="00010001",
        depth=2,
        numchild=0,
        url_path="/home/",
        locale=locale,
        live=True,
    )
    Page.objects.filter(depth=1).update(numchild=1)
    Site.objects.create(
        hostname="localhost", port=80, root_page=homepage, is_default_site=True,
        site_name="刘垓子镇消费帮扶商城",
    )


def remove_homepage(apps, schema_editor):
    apps.get_model("shop.HomePage").objects.filter(slug="home", depth=2).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("shop", "0001_initial"),
        ("wagtailcore", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_homepage, remove_homepage)]
