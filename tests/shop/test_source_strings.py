"""Chinese pages find the project's strings in the first catalogue gettext reads
(shop/source_strings.py), and get the same text as before."""

from django.conf import settings
from django.utils import translation
from django.utils.translation import trans_real

from shop.source_strings import project_strings


def test_the_projects_chinese_strings_are_in_the_first_catalogue_of_the_default_language():
    strings = project_strings()
    # The catalogue Django merged for zh-hans keeps one dict per source catalogue,
    # read in order: a string missing from the first is looked for in every other.
    first = trans_real.translation(settings.LANGUAGE_CODE)._catalog._catalogs[0]

    assert "刘垓子镇消费帮扶商城" in strings
    assert "short name\x04消费帮扶商城" in strings
    assert strings <= set(first)


def test_the_text_is_the_source_text_in_chinese_and_translated_in_english():
    with translation.override("zh-hans"):
        assert translation.gettext("刘垓子镇消费帮扶商城") == "刘垓子镇消费帮扶商城"
        assert translation.pgettext("short name", "消费帮扶商城") == "消费帮扶商城"
        # Wagtail's and Django's own strings keep their Chinese translations.
        assert translation.gettext("Save") == "保存"
    with translation.override("en"):
        assert translation.gettext("刘垓子镇消费帮扶商城") != "刘垓子镇消费帮扶商城"
