"""The English catalogue is complete and the compiled .mo in the repo matches it.

The site's source language is Chinese, so every user-facing string is a Chinese msgid in
``locale/en/LC_MESSAGES/django.po``. An empty or fuzzy msgstr shows Chinese on the English
site; a stale ``django.mo`` (edited .po, not recompiled) does the same. To fix a failure:
translate the entries listed, then ``make messages`` (or ``manage.py compilemessages``).
"""

import gettext
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

CATALOGUE = Path(settings.LOCALE_PATHS[0]) / "en" / "LC_MESSAGES"

_KEYWORD = re.compile(r'^(msgctxt|msgid|msgid_plural|msgstr(?:\[\d+\])?) "(.*)"$')
_CONTINUATION = re.compile(r'^"(.*)"$')
_ESCAPES = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}
_PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%%|%[sd]|\{\w*\}")
CJK = re.compile(r"[\u3400-\u9fff]")


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(0)), text)


def parse_po(path: Path) -> list[dict]:
    """The entries of a .po file, header first: their flags and (unescaped) strings.

    Obsolete ``#~`` entries are left out; gettext ignores them too.
    """
    entries = []
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        entry: dict = {"flags": set()}
        key = None
        for line in block.splitlines():
            if line.startswith("#,"):
                entry["flags"].update(flag.strip() for flag in line[2:].split(","))
            elif match := _KEYWORD.match(line):
                key = match.group(1)
                entry[key] = _unescape(match.group(2))
            elif key and (match := _CONTINUATION.match(line)):
                entry[key] += _unescape(match.group(1))
        if "msgid" in entry:
            entries.append(entry)
    return entries


def translations(entry: dict) -> list[str]:
    return [value for key, value in entry.items() if key.startswith("msgstr")]


@pytest.fixture(scope="module")
def header_and_messages() -> tuple[dict, list[dict]]:
    header, *messages = parse_po(CATALOGUE / "django.po")
    assert header["msgid"] == ""
    assert len(messages) > 400  # the parser found the catalogue, not an empty file
    return header, messages


def test_the_header_is_english_and_not_fuzzy(header_and_messages):
    header, _ = header_and_messages

    # msgfmt drops a fuzzy header, and with it the charset and plural rule.
    assert "fuzzy" not in header["flags"]
    assert "Language: en\n" in header["msgstr"]
    assert "Plural-Forms: nplurals=2; plural=(n != 1);\n" in header["msgstr"]


def test_every_message_is_translated_and_none_is_fuzzy(header_and_messages):
    _, messages = header_and_messages

    untranslated = [m["msgid"] for m in messages if not all(translations(m))]
    fuzzy = [m["msgid"] for m in messages if "fuzzy" in m["flags"]]
    still_chinese = [m["msgid"] for m in messages if any(map(CJK.search, translations(m)))]

    assert untranslated == []
    assert fuzzy == []
    # Chinese left in a msgstr is a copied msgid; the one exception is an example of
    # data that must be typed in Chinese (a province name in a help text).
    assert [msgid for msgid in still_chinese if "新疆" not in msgid] == []


def test_translations_keep_their_placeholders(header_and_messages):
    _, messages = header_and_messages

    broken = [
        m["msgid"]
        for m in messages
        for msgstr in translations(m)
        if sorted(_PLACEHOLDER.findall(msgstr)) != sorted(_PLACEHOLDER.findall(m["msgid"]))
    ]

    assert broken == []


def test_the_committed_mo_file_is_compiled_from_the_po(header_and_messages):
    _, messages = header_and_messages
    with (CATALOGUE / "django.mo").open("rb") as mo_file:
        compiled = gettext.GNUTranslations(mo_file)

    stale = []
    for m in messages:
        context, msgid = m.get("msgctxt"), m["msgid"]
        if "msgid_plural" in m:
            for n, key in ((1, "msgstr[0]"), (2, "msgstr[1]")):
                if context is None:
                    got = compiled.ngettext(msgid, m["msgid_plural"], n)
                else:
                    got = compiled.npgettext(context, msgid, m["msgid_plural"], n)
                if got != m[key]:
                    stale.append(msgid)
        else:
            got = compiled.gettext(msgid) if context is None else compiled.pgettext(context, msgid)
            if got != m["msgstr"]:
                stale.append(msgid)

    assert stale == [], "django.mo is out of date: run manage.py compilemessages"


def test_django_serves_the_english_catalogue():
    producers = ("%(counter)s 个生产者", "%(counter)s 个生产者")
    with translation.override("en"):
        assert translation.gettext("刘垓子镇消费帮扶商城") == (
            "Liugaizi Township Consumption-Aid Shop"
        )
        assert translation.gettext("加入购物车") == "Add to cart"
        assert translation.gettext("帮扶责任人") == "Helper cadre"
        assert translation.ngettext(*producers, 1) % {"counter": 1} == "1 producer"
        assert translation.ngettext(*producers, 3) % {"counter": 3} == "3 producers"
    with translation.override("zh-hans"):
        assert translation.gettext("加入购物车") == "加入购物车"


@pytest.mark.django_db
def test_an_english_page_has_no_chinese_interface_text(client):
    response = client.get("/en/cart/")

    assert response.status_code == 200
    assert '<html lang="en">' in response.text
    # The language switcher names Chinese in Chinese; nothing else on an empty cart may.
    text = response.text.replace(">简体中文<", "><")
    assert CJK.findall(text) == []
