"""The CJK font a certificate is printed in, found through fontconfig (as
WeasyPrint finds fonts), so a certificate is never printed as empty boxes."""

import functools
import shutil
import subprocess

from django.core import checks
from django.utils.translation import gettext as _

from aid_accounting.exceptions import CertificateError

# Families tried in this order (fonts-noto-cjk on Debian, .ci/run installs it).
FAMILIES = ("Noto Sans CJK SC", "Noto Serif CJK SC", "Source Han Sans SC", "WenQuanYi Zen Hei")


@functools.cache
def cjk_families() -> tuple[str, ...]:
    """The font families fontconfig has with Simplified Chinese glyphs; () without fc-list."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return ()
    listed = subprocess.run(
        [fc_list, ":lang=zh-cn", "family"], capture_output=True, text=True, timeout=30, check=False
    ).stdout
    return tuple(
        sorted({name.strip() for line in listed.splitlines() for name in line.split(",") if name})
    )


def font_stack() -> str:
    """The CSS font-family of a certificate: the known families found first,
    then the others with Chinese glyphs. Refuses when there is none."""
    found = cjk_families()
    if not found:
        raise CertificateError(
            _("服务器没有安装中文字体（如 fonts-noto-cjk），无法生成帮扶证明 PDF。")
        )
    preferred = [family for family in FAMILIES if family in found]
    others = [family for family in found if family not in preferred]
    return ", ".join(f'"{family}"' for family in preferred + others)


@checks.register()
def cjk_font_installed(app_configs, **kwargs) -> list[checks.CheckMessage]:
    if cjk_families():
        return []
    return [
        checks.Warning(
            "No font with Simplified Chinese glyphs is known to fontconfig (fc-list :lang=zh-cn): "
            "aid certificates (PDF) cannot be printed and are refused.",
            hint="Install fonts-noto-cjk (apt-get install fonts-noto-cjk) and run fc-cache.",
            id="aid_accounting.W101",
        )
    ]
