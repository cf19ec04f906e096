"""Hostile values for the property tests of issue #8, and the checks they share.

Each strategy mixes a fixed list of known troublemakers (so every run tries the
classics) with generated values (so a run also tries what nobody thought of)."""

import json

from django.db.models import Sum
from hypothesis import strategies as st

from aid_accounting.ledger.models import Entry, Transaction
from shop.catalogue.models import ProductVariant
from shop.orders.models import Order, OrderLine, Shipment
from shop.payments.models import Payment

# What makes a stored value dangerous once shown: these must never reach a page raw.
SCRIPT = "<script>alert(1)</script>"
IMG_ONERROR = '"><img src=x onerror=alert(1)>'
SVG_ONLOAD = "<svg/onload=alert(1)>"
MARKUP = [
    SCRIPT,
    IMG_ONERROR,
    SVG_ONLOAD,
    "'><script>alert(1)</script>",
    "javascript:alert(1)",
    "{{ 7|add:7 }}{% debug %}",  # a template tag must stay text, never be evaluated
    "&lt;script&gt;",  # already escaped: must not be unescaped on the way out
]
# Raw markup of MARKUP as it would appear unescaped in a page.
RAW_MARKERS = ("<script>alert(", "<img src=x onerror", "<svg/onload", 'href="javascript:')

# Where a URL is expected (?next=): other hosts, other schemes, and URLs urlsplit() refuses.
URLS = [
    "//evil.example/",
    "https://evil.example/",
    "javascript:alert(1)",
    "//[",
    "http://[::1",
    "/\\evil",
]

SQL = [
    "' OR 1=1 --",
    "1; DROP TABLE shop_order; --",
    '" OR ""="',
    "1' UNION SELECT password FROM auth_user --",
    "%",
    "_",
    "\\",
]

UNICODE = [
    "\x00",
    "王\x00示例",
    "\u202eRTL覆盖",  # right-to-left override
    "👨\u200d👩\u200d👧",  # zero-width joiners
    "\u200b",  # zero-width space: not whitespace to str.strip()
    "\ufeff",
    "\u2028\u2029",
    "🍅🥬",
    "e\u0301\u0301\u0301\u0301",  # stacked combining accents
    "１３８１２３４５６７８",  # full-width digits, as Chinese input methods type them
    "13８１２３４５６７８",
    "13٨١٢٣٤٥٦٧٨",  # Arabic-Indic digits after an ASCII 13
    "臺灣省臺北市",  # Traditional Chinese
    "\U0002a6a5",  # outside the Basic Multilingual Plane
    "\r\n",
    "\x1b[31m",
]

NUMBERS = [
    str(10**30),
    str(2**63),
    str(2**63 - 1),
    str(2**31),
    str(-(2**63) - 1),
    "-1",
    "0",
    "-0",
    "00",
    "1.5",
    "0.001",
    "1e3",
    "1e309",
    "NaN",
    "nan",
    "Infinity",
    "-Infinity",
    "inf",
    "1_000",
    "+1",
    " 7 ",
    "0x10",
    "１２",
    "١٢",
    "12.",
    ".5",
    "1,000.00",
    "¥12.50",
]

BLANK = ["", " ", "\t\n", "\u3000", "\u00a0"]

KNOWN = MARKUP + URLS + SQL + UNICODE + NUMBERS + BLANK

# Over 10,000 characters; built when drawn, so hypothesis never has to show a
# 40 kB list when it describes the strategy.
long_text = st.sampled_from(["a", "测", SCRIPT, "1", "王\u0301"]).map(
    lambda unit: unit * (10_001 // len(unit) + 1)
)

# Text a browser can send: no lone surrogates (they cannot be encoded as UTF-8;
# invalid UTF-8 is sent as raw bytes by ``raw_form`` instead).
generated_text = st.text(st.characters(codec="utf-8"), max_size=40)

hostile_text = st.one_of(
    st.sampled_from(KNOWN),
    long_text,
    generated_text,
    # A hostile value inside ordinary text, as it would be typed into a field.
    st.tuples(st.sampled_from(["王示例", "示例路1号", ""]), st.sampled_from(KNOWN)).map("".join),
)

hostile_number = st.one_of(
    st.sampled_from(NUMBERS + BLANK),
    st.integers(min_value=-(2**80), max_value=2**80).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.decimals(allow_nan=True, allow_infinity=True, places=3).map(str),
)

# Anything at all where a number is expected, and anything where text is.
anything = st.one_of(hostile_number, hostile_text)

# Ids for <int:...> and <str:...> paths: only what the URL patterns let through
# reaches a view, the rest must be a plain 404.
path_ids = st.one_of(
    st.sampled_from([str(10**30), str(2**63), str(2**63 - 1), "0", "-1", "abc", "%00", "%FF"]),
    st.integers(min_value=0, max_value=2**80).map(str),
)

json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**80), max_value=2**80),
    st.floats(allow_nan=False),
    hostile_text,
)
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.sampled_from(["id", "type", "object", "data", "amount"]), children)
    ),
    max_leaves=12,
)


def json_body(value) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode("utf-8")


def invalid_utf8(value: str) -> bytes:
    """``value`` in UTF-8 with bytes no UTF-8 decoder accepts around it."""
    return b"\xff\xfe" + value.encode("utf-8") + b"\xc3\x28\xed\xa0\x80"


def raw_form(fields: dict[str, str | bytes]) -> bytes:
    """A urlencoded body that may hold invalid UTF-8 (Django's client would refuse it)."""
    from urllib.parse import quote_from_bytes

    parts = []
    for name, value in fields.items():
        data = value if isinstance(value, bytes) else value.encode("utf-8")
        parts.append(f"{name}={quote_from_bytes(data)}")
    return "&".join(parts).encode("ascii")


def snapshot() -> dict[str, int]:
    """What a refused submission must leave exactly as it was."""
    return {
        "orders": Order.objects.count(),
        "order_lines": OrderLine.objects.count(),
        "payments": Payment.objects.count(),
        "shipments": Shipment.objects.count(),
        "transactions": Transaction.objects.count(),
        "entries": Entry.objects.count(),
        "stock": ProductVariant.objects.aggregate(total=Sum("stock"))["total"] or 0,
        "variants": ProductVariant.objects.count(),
    }


def assert_not_server_error(response) -> None:
    # The client re-raises a view's exception (a failure with its traceback); a
    # 5xx answered without one is just as much a failure.
    assert response.status_code < 500, response.status_code


def assert_escaped(response) -> None:
    page = response.content.decode("utf-8", errors="replace")
    for marker in RAW_MARKERS:
        assert marker not in page, f"unescaped {marker!r} in {response.request['PATH_INFO']}"
