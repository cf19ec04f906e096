from django.db import migrations, models

SEEDED_TITLE = "刘垓子镇消费帮扶商城"
SEEDED_INTRO = "买刘垓子的好菜好物，每一单都帮到脱贫户"


def english_hero(apps, schema_editor):
    """The home page 0002 created, still with its words, gets them in English too."""
    HomePage = apps.get_model("shop.HomePage")
    HomePage.objects.filter(title=SEEDED_TITLE).update(
        title_en="Liugaizi Township Consumption-Aid Shop"
    )
    HomePage.objects.filter(intro=SEEDED_INTRO).update(
        intro_en="Good food and crafts from Liugaizi: every order helps households lifted out of poverty"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("shop", "0017_private_documents"),
    ]

    operations = [
        migrations.AddField(
            model_name="homepage",
            name="intro_en",
            field=models.CharField(
                blank=True,
                help_text="英文首页的标语；留空则用中文标语。",
                max_length=200,
                verbose_name="英文标语",
            ),
        ),
        migrations.AddField(
            model_name="homepage",
            name="title_en",
            field=models.CharField(
                blank=True,
                help_text="英文首页的大标题；留空则用中文标题。",
                max_length=255,
                verbose_name="英文标题",
            ),
        ),
        migrations.RunPython(english_hero, migrations.RunPython.noop),
    ]
