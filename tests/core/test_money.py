import hashlib
import random
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django import forms
from hypothesis import example, given
from hypothesis import strategies as st

from core.money import (
    YuanField,
    format_yuan,
    format_yuan_signed,
    round_half_up_share,
    split_largest_remainder,
    yuan_amount,
    yuan_decimal,
    yuan_to_fen,
)

amounts = st.integers(min_value=-(10**12), max_value=10**12)
rates = st.integers(min_value=0, max_value=10_000)
weight_maps = st.dictionaries(
    keys=st.text(alphabet="LGZ-0123456789abc", min_size=1, max_size=12),
    values=st.integers(min_value=0, max_value=10**6),
    min_size=1,
    max_size=40,
).filter(lambda weights: sum(weights.values()) > 0)


@pytest.mark.parametrize(
    ("amount_fen", "rate_bp", "expected"),
    [
        (10_000, 2_500, 2_500),
        (1, 5_000, 1),  # 0.5 fen rounds up
        (3, 5_000, 2),  # 1.5 fen rounds up
        (1, 4_999, 0),
        (199, 2_500, 50),  # 49.75
        (198, 2_500, 50),  # 49.5
        (197, 2_500, 49),  # 49.25
        (0, 2_500, 0),
        (3_980, 0, 0),
        (3_980, 10_000, 3_980),
    ],
)
def test_round_half_up_share_examples(amount_fen, rate_bp, expected):
    assert round_half_up_share(amount_fen, rate_bp) == expected


# The boundaries: nothing, one fen, half a fen, the whole and none of it.
@given(amounts, rates)
@example(0, 2_500)
@example(1, 5_000)
@example(-1, 5_000)
@example(1, 10_000)
@example(10**12, 1)
@example(-(10**12), 0)
def test_round_half_up_share_matches_decimal_half_up(amount_fen, rate_bp):
    exact = Decimal(amount_fen) * rate_bp / 10_000
    share = round_half_up_share(amount_fen, rate_bp)
    assert share == int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))
    assert type(share) is int  # never a float, even one that compares equal


@given(amounts, rates)
@example(0, 5_000)
@example(1, 5_000)
def test_share_of_a_reversal_is_minus_the_share(amount_fen, rate_bp):
    assert round_half_up_share(-amount_fen, rate_bp) == -round_half_up_share(amount_fen, rate_bp)


@pytest.mark.parametrize("rate_bp", [-1, 10_001])
def test_round_half_up_share_refuses_rates_outside_0_to_100_percent(rate_bp):
    with pytest.raises(ValueError, match="rate_bp"):
        round_half_up_share(100, rate_bp)


@pytest.mark.parametrize(("amount_fen", "rate_bp"), [(39.8, 2_500), (100, 25.0), (True, 2_500)])
def test_round_half_up_share_refuses_non_integers(amount_fen, rate_bp):
    with pytest.raises(TypeError):
        round_half_up_share(amount_fen, rate_bp)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: round_half_up_share(39.8, 2_500), "amount_fen must be an int, got float: 39.8"),
        (lambda: round_half_up_share(100, 25.0), "rate_bp must be an int, got float: 25.0"),
        (
            lambda: split_largest_remainder(True, {"a": 1}),
            "total_fen must be an int, got bool: True",
        ),
        (
            lambda: split_largest_remainder(100, {"a": 1.5}),
            "weight of 'a' must be an int, got float: 1.5",
        ),
    ],
)
def test_a_non_integer_is_refused_naming_the_argument_and_its_type(call, message):
    with pytest.raises(TypeError) as excinfo:
        call()
    assert str(excinfo.value) == message


def test_splitting_nothing_gives_everyone_nothing():
    assert split_largest_remainder(0, {"a": 1, "b": 2}) == {"a": 0, "b": 0}


def test_split_gives_the_left_over_fen_to_the_smallest_key_on_a_tie():
    assert split_largest_remainder(100, {"LGZ-c": 1, "LGZ-a": 1, "LGZ-b": 1}) == {
        "LGZ-a": 34,
        "LGZ-b": 33,
        "LGZ-c": 33,
    }


def test_split_gives_the_left_over_fen_to_the_largest_remainders():
    # Quotas 10 × 2/7 = 2.857, 10 × 3/7 = 4.286, 10 × 2/7 = 2.857: the two .857s win.
    assert split_largest_remainder(10, {"a": 2, "b": 3, "c": 2}) == {"a": 3, "b": 4, "c": 3}


def test_split_by_members_weighs_larger_households_more():
    assert split_largest_remainder(1_000, {"one": 1, "four": 4}) == {"one": 200, "four": 800}


def test_zero_weight_gets_nothing():
    assert split_largest_remainder(7, {"a": 0, "b": 1}) == {"a": 0, "b": 7}


def test_split_refuses_a_negative_weight():
    with pytest.raises(ValueError, match="must not be negative: 'b' has -1"):
        split_largest_remainder(100, {"a": 2, "b": -1})


@pytest.mark.parametrize("weights", [{}, {"a": 0, "b": 0}])
def test_split_refuses_zero_total_weight(weights):
    with pytest.raises(ValueError, match="total weight is zero"):
        split_largest_remainder(100, weights)


def test_split_refuses_float_amounts():
    with pytest.raises(TypeError):
        split_largest_remainder(100.0, {"a": 1})


@given(amounts, weight_maps)
@example(0, {"a": 1, "b": 0})
@example(1, {"a": 1, "b": 1, "c": 1})
@example(-1, {"a": 1, "b": 1})
def test_split_parts_add_up_to_the_total(total_fen, weights):
    assert sum(split_largest_remainder(total_fen, weights).values()) == total_fen


@given(amounts, weight_maps)
@example(1, {"a": 1, "b": 1})
@example(2, {"a": 1, "b": 0, "c": 1})
def test_each_part_is_within_one_fen_of_its_exact_quota(total_fen, weights):
    total_weight = sum(weights.values())
    for key, part in split_largest_remainder(total_fen, weights).items():
        # |part - total × w / W| < 1, in integers
        assert abs(part * total_weight - total_fen * weights[key]) < total_weight


@given(amounts, weight_maps, st.randoms(use_true_random=False))
def test_split_does_not_depend_on_the_order_of_the_weights(total_fen, weights, rng: random.Random):
    shuffled_keys = list(weights)
    rng.shuffle(shuffled_keys)
    shuffled = {key: weights[key] for key in shuffled_keys}
    assert split_largest_remainder(total_fen, shuffled) == split_largest_remainder(
        total_fen, weights
    )


@given(amounts, weight_maps)
def test_split_is_deterministic(total_fen, weights):
    assert split_largest_remainder(total_fen, weights) == split_largest_remainder(
        total_fen, dict(weights)
    )


@given(amounts, weight_maps)
def test_split_of_a_negative_total_nets_with_the_split_of_the_positive(total_fen, weights):
    forward = split_largest_remainder(total_fen, weights)
    backward = split_largest_remainder(-total_fen, weights)
    assert all(forward[key] + backward[key] == 0 for key in weights)


MONTHS = [f"{year}-{month:02d}" for year in (2026, 2027) for month in range(1, 13)]


@pytest.mark.parametrize(
    ("month", "first"), [("2026-10", "LGZ-a"), ("2026-11", "LGZ-b"), ("2026-12", "LGZ-c")]
)
def test_a_rotation_breaks_ties_by_the_hash_of_rotation_and_key(month, first):
    weights = {"LGZ-a": 1, "LGZ-b": 1, "LGZ-c": 1}
    by_hash = sorted(weights, key=lambda key: hashlib.sha256(f"{month}:{key}".encode()).digest())
    assert by_hash[0] == first
    parts = split_largest_remainder(100, weights, rotation=month)
    assert parts == {key: 34 if key == first else 33 for key in weights}


def test_a_negative_total_breaks_its_ties_by_the_same_rotation():
    # A reversal of a rotated split must take back the extra fen from the key that got it.
    weights = {"LGZ-a": 1, "LGZ-b": 1, "LGZ-c": 1}
    assert split_largest_remainder(-100, weights, rotation="2026-11") == {
        "LGZ-a": -33,
        "LGZ-b": -34,
        "LGZ-c": -33,
    }


def test_without_a_rotation_ties_go_to_the_smallest_key_every_time():
    weights = {"LGZ-a": 1, "LGZ-b": 1, "LGZ-c": 1}
    assert all(split_largest_remainder(100, weights)["LGZ-a"] == 34 for _month in MONTHS)


@given(amounts, weight_maps, st.sampled_from(MONTHS))
def test_a_rotated_split_adds_up_and_keeps_each_part_within_a_fen(total_fen, weights, month):
    parts = split_largest_remainder(total_fen, weights, rotation=month)
    assert sum(parts.values()) == total_fen
    total_weight = sum(weights.values())
    for key, part in parts.items():
        assert abs(part * total_weight - total_fen * weights[key]) < total_weight
    assert parts == split_largest_remainder(
        total_fen, dict(reversed(weights.items())), rotation=month
    )
    assert all(
        part + back == 0
        for part, back in zip(
            parts.values(),
            split_largest_remainder(-total_fen, weights, rotation=month).values(),
            strict=True,
        )
    )


@given(
    keys=st.lists(
        st.text(alphabet="LGZ-0123456789", min_size=1, max_size=12),
        min_size=2,
        max_size=30,
        unique=True,
    ),
    base=st.integers(min_value=0, max_value=10**6),
    data=st.data(),
)
def test_rotated_ties_spread_the_extra_fen_over_the_periods(keys, base, data):
    # Equal weights: every key ties, and `extra` of them get one fen more. When
    # at most half do, no key gets it in each of 24 months (without a rotation
    # the same `extra` keys would, every month); a chance of at most 30 × 2⁻²⁴.
    extra = data.draw(st.integers(min_value=1, max_value=len(keys) // 2))
    total_fen = base * len(keys) + extra
    weights = dict.fromkeys(keys, 1)
    winners = [
        {
            key
            for key, part in split_largest_remainder(total_fen, weights, rotation=month).items()
            if part > base
        }
        for month in MONTHS
    ]
    assert all(len(month_winners) == extra for month_winners in winners)
    assert not set.intersection(*winners)


# --- Formatting and parsing --------------------------------------------------


@pytest.mark.parametrize(
    ("fen", "plain", "grouped"),
    [
        (0, "0.00", "0.00"),
        (5, "0.05", "0.05"),
        (1250, "12.50", "12.50"),
        (-5, "-0.05", "-0.05"),
        (123456, "1234.56", "1,234.56"),
        (-123456789, "-1234567.89", "-1,234,567.89"),
    ],
)
def test_yuan_amount_is_a_plain_number_unless_grouped(fen, plain, grouped):
    assert yuan_amount(fen) == plain
    assert yuan_amount(fen, grouped=True) == grouped


@pytest.mark.parametrize(
    ("fen", "text"),
    [(0, "¥0.00"), (1, "¥0.01"), (-1, "-¥0.01"), (123456, "¥1,234.56"), (-250, "-¥2.50")],
)
def test_format_yuan_is_for_people(fen, text):
    assert format_yuan(fen) == text


@pytest.mark.parametrize(
    ("fen", "text"),
    [(1000, "+¥10.00"), (1, "+¥0.01"), (0, "¥0.00"), (-1, "-¥0.01"), (-995, "-¥9.95")],
)
def test_format_yuan_signed_marks_only_an_increase_with_a_plus(fen, text):
    assert format_yuan_signed(fen) == text


def test_yuan_decimal_is_exact():
    assert yuan_decimal(1250) == Decimal("12.5")
    assert yuan_decimal(-1) == Decimal("-0.01")


def test_yuan_to_fen_reads_thousands_separators_and_the_yuan_sign():
    assert yuan_to_fen("¥1,234,567.89") == 123456789
    assert yuan_to_fen(" ¥0.10 ") == 10


@pytest.mark.parametrize("text", ["X12.00", "XX¥1", "$1", "12元"])
def test_yuan_to_fen_takes_off_only_the_yuan_sign(text):
    with pytest.raises(ValueError):
        yuan_to_fen(text)


def test_yuan_to_fen_names_what_it_could_not_read():
    with pytest.raises(ValueError, match=r"not an amount in yuan and fen: '12\.345'"):
        yuan_to_fen("12.345")


# --- YuanField ---------------------------------------------------------------

AMOUNT_HINT = "请输入金额，例如 12.50（最多两位小数）。"
OUT_OF_RANGE = "金额超出允许范围。"


def field_errors(field: forms.Field, value) -> list[str]:
    with pytest.raises(forms.ValidationError) as excinfo:
        field.clean(value)
    return excinfo.value.messages


def test_yuan_field_cleans_what_people_type_to_fen():
    assert YuanField().clean("¥1,234.5") == 123450


def test_yuan_field_accepts_from_one_fen_to_a_hundred_million_yuan_by_default():
    field = YuanField()
    assert field.clean("0.01") == 1
    assert field.clean("100000000.00") == 100_000_000_00
    assert field_errors(field, "0") == [OUT_OF_RANGE]
    assert field_errors(field, "100000000.01") == [OUT_OF_RANGE]


def test_yuan_field_keeps_to_its_own_limits():
    field = YuanField(min_fen=0, max_fen=500)
    assert field.clean("0") == 0
    assert field.clean("5") == 500
    assert field_errors(field, "5.01") == [OUT_OF_RANGE]


def test_yuan_field_tells_people_how_to_write_an_amount():
    field = YuanField()
    for text in ["abc", "-5", "12.345"]:
        assert field_errors(field, text) == [AMOUNT_HINT]


def test_yuan_field_allows_twenty_characters_by_default():
    field = YuanField()
    assert field.max_length == 20
    assert field.widget.attrs["maxlength"] == "20"
    assert YuanField(max_length=8).max_length == 8


def test_yuan_field_passes_its_other_options_on():
    field = YuanField(label="价格（元）", required=False)
    assert field.label == "价格（元）"
    assert not field.required


def test_an_empty_optional_yuan_field_cleans_to_none():
    field = YuanField(required=False)
    assert field.clean("") is None
    assert field.clean("   ") is None
    assert field.clean(None) is None


def test_an_empty_required_yuan_field_is_refused():
    field = YuanField()
    assert field_errors(field, "") == [str(field.error_messages["required"])]
