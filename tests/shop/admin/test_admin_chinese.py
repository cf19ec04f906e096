"""The admin in Simplified Chinese has no English label left where Wagtail 8's
zh_Hans catalogue has gaps: the project's catalogue (locale/zh_Hans) fills
them (issue #19)."""

import pytest

from core.roles import TOWNSHIP_EDITOR
from tests.township import add_staff

pytestmark = pytest.mark.django_db

# Page → English Wagtail shows there without the project's catalogue, and
# the Chinese it shows instead.
PAGES = {
    "/admin/": [("Search all pages…", "搜索全部页面…"), ("editor guide", "编辑指南")],
    "/admin/images/": [
        ("Usage count: (low to high)", "使用次数（从低到高）"),
        ("Grid layout", "网格布局"),
        ("List layout", "列表布局"),
    ],
    "/admin/reports/locked/": [("Locked by", "锁定者"), ("Anyone", "任何人")],
}
EDIT_PAGE = [
    ("Toggle checks", "展开或收起检查"),
    ("Content metrics", "内容统计"),
    ("Reading time", "阅读时间"),
    ("Readability", "可读性"),
    ("Actions (footer)", "操作（页脚）"),
]
EXPLORER = [
    ("Date updated", "更新日期"),
    ("Has child pages", "有子页面"),
    ("Page type", "页面类型"),
]


@pytest.fixture
def editor_client(client):
    client.force_login(add_staff(TOWNSHIP_EDITOR, is_superuser=True))
    return client


def assert_chinese(text: str, labels: list[tuple[str, str]]) -> None:
    for english, chinese in labels:
        assert english not in text
        assert chinese in text


@pytest.mark.parametrize("url", PAGES)
def test_admin_pages_show_no_untranslated_label(editor_client, url):
    assert_chinese(editor_client.get(url).text, PAGES[url])


def test_the_page_explorer_and_a_products_edit_page_are_in_chinese(editor_client, tomato):
    product = tomato.product

    assert_chinese(editor_client.get(f"/admin/pages/{product.get_parent().pk}/").text, EXPLORER)
    assert_chinese(editor_client.get(f"/admin/pages/{product.pk}/edit/").text, EDIT_PAGE)
