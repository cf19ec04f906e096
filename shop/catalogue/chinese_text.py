"""Chinese text for search, on Wagtail's database backend (SQLite FTS5 and
PostgreSQL alike).

Both backends treat a run of Chinese characters as one word, so "番茄" would
not find "大棚番茄". Products therefore index an extra field of tokens: the
text normalised to Simplified Chinese with a small synonym map, jieba's words,
and every single character and character pair. A query is normalised the same
way and cut into pairs, all of which must match.

Buyers on a phone often type pinyin instead of characters: the title's and the
category's words are also indexed as their pinyin ("fanqie"), its syllables
("fan", "qie": "fan qie" is two tokens, both must match) and initials ("fq"),
each word and the whole name ("dpfq" for 大棚番茄). A Latin query goes to the
index as typed, so nothing changes on the query side.
"""

import re
from functools import cache

import jieba
import opencc
from pypinyin import Style, lazy_pinyin

MAX_QUERY_LENGTH = 64

# Variants and synonyms a buyer types for the same thing; the right-hand side
# is what product texts are normalised to.
SYNONYMS = {
    "西红柿": "番茄",
    "蕃茄": "番茄",
    "洋柿子": "番茄",
    "青瓜": "黄瓜",
    "胡瓜": "黄瓜",
    "手提袋": "购物袋",
}

_CJK_RUN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")

# Punctuation and control characters mean nothing to the search and some
# (quotes, NUL) break the backends' query syntax.
_NOT_A_WORD = re.compile(r"[^\w]+")


@cache
def _to_simplified() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def normalize(text: str) -> str:
    text = _to_simplified().convert(text or "").lower()
    for variant, canonical in SYNONYMS.items():
        text = text.replace(variant, canonical)
    return text


def index_tokens(text: str, *, pinyin_of: str = "") -> str:
    """The words a product is found by: jieba words, characters and pairs of
    ``text``, and the pinyin tokens of ``pinyin_of`` (its name: see above)."""
    text = normalize(text)
    tokens = {word.strip() for word in jieba.lcut_for_search(text) if word.strip()}
    for run in _CJK_RUN.findall(text):
        tokens.update(run)
        tokens.update(run[i : i + 2] for i in range(len(run) - 1))
    tokens.update(pinyin_tokens(pinyin_of))
    return " ".join(sorted(tokens))


def pinyin_tokens(text: str) -> set[str]:
    """Pinyin, syllables and initials of each Chinese word of ``text`` and of each
    run of Chinese characters as a whole: 大棚番茄 gives dapeng, fanqie,
    dapengfanqie, da, peng, fan, qie, dp, fq, dpfq."""
    tokens: set[str] = set()
    for run in _CJK_RUN.findall(normalize(text)):
        # jieba's words give pypinyin the phrases it reads polyphones by (银行 is hang).
        for word in [run, *jieba.lcut(run)]:
            syllables = lazy_pinyin(word, style=Style.NORMAL)
            tokens.update(syllables)
            tokens.add("".join(syllables))
            tokens.add("".join(lazy_pinyin(word, style=Style.FIRST_LETTER)))
    # ü is typed as v on every pinyin keyboard (绿 lv); pypinyin writes it so. A single
    # letter (the initial of a one-character word) would match half the shop.
    return {token for token in tokens if token.isascii() and token.isalpha() and len(token) > 1}


def query_tokens(query: str) -> str:
    """A query as tokens that must all match: Chinese runs longer than two
    characters become their pairs, so "大棚番茄" matches what "大棚 番茄" would."""
    tokens: list[str] = []
    for part in _NOT_A_WORD.sub(" ", normalize(query[:MAX_QUERY_LENGTH])).split():
        if _CJK_RUN.fullmatch(part) and len(part) > 2:
            tokens.extend(part[i : i + 2] for i in range(len(part) - 1))
        elif part.strip():
            tokens.append(part)
    return " ".join(dict.fromkeys(tokens))
