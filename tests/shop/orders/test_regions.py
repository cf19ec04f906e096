"""The divisions come from the vendored national data, and the province names
the shop already stores (orders, addresses, shipping policies) are its names."""

import json

from shop.orders.regions import PROVINCES, REGIONS_FILE, region_errors, regions

# The provinces as the shop listed them before the data was vendored: stored
# orders and ShippingPolicy.excluded_provinces use these names.
STORED_NAMES = [
    "北京市", "天津市", "河北省", "山西省", "内蒙古自治区", "辽宁省", "吉林省", "黑龙江省",
    "上海市", "江苏省", "浙江省", "安徽省", "福建省", "江西省", "山东省", "河南省", "湖北省",
    "湖南省", "广东省", "广西壮族自治区", "海南省", "重庆市", "四川省", "贵州省", "云南省",
    "西藏自治区", "陕西省", "甘肃省", "青海省", "宁夏回族自治区", "新疆维吾尔自治区",
    "香港特别行政区", "澳门特别行政区", "台湾省",
]  # fmt: skip


def test_the_provinces_are_the_names_already_stored():
    assert PROVINCES == STORED_NAMES


def test_a_municipality_is_its_own_city():
    assert list(regions()["北京市"]) == ["北京市"]
    assert "朝阳区" in regions()["北京市"]["北京市"]
    # Chongqing's districts and counties together.
    assert {"渝中区", "城口县"} <= set(regions()["重庆市"]["重庆市"])


def test_every_city_has_districts():
    data = json.loads(REGIONS_FILE.read_text(encoding="utf-8"))
    assert all(districts for cities in data.values() for districts in cities.values())


def test_region_errors_name_the_field_at_fault():
    assert region_errors(province="山东省", city="聊城市", district="临清市") == {}
    assert set(region_errors(province="山东", city="聊城市", district="临清市")) == {"province"}
    assert set(region_errors(province="山东省", city="北京市", district="朝阳区")) == {"city"}
    assert set(region_errors(province="山东省", city="聊城市", district="朝阳区")) == {"district"}
