"""Taiwan 統一編號 checksum (current rule: Z % 5 == 0, plus the 7th-digit-is-7 case)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clusterbook.ubn import is_valid_ubn, ubn_check_digit_candidates

WEIGHTS = (1, 2, 1, 2, 1, 2, 4, 1)


def reference_sum(ubn: str) -> int:
    """Z, computed independently of the module: digit sums of the weighted products."""
    return sum(sum(map(int, str(int(d) * w))) for d, w in zip(ubn, WEIGHTS, strict=True))


def valid_only_by_seventh_digit_rule(ubn: str) -> bool:
    return ubn[6] == "7" and reference_sum(ubn) % 5 == 4


@pytest.mark.parametrize(
    "ubn",
    [
        "22099131",
        "04541302",
        "96979933",
        "97176270",
        "62140097",  # valid only under the 2023 rule (Z = 35)
        "04595252",  # valid only under the 2023 rule
        "12345675",  # needs the 7th-digit rule
        "10000073",  # 7th-digit rule and the 2023 rule
    ],
)
def test_valid_numbers(ubn: str) -> None:
    assert is_valid_ubn(ubn)


@pytest.mark.parametrize(
    "ubn",
    [
        "22099132",
        "12345677",
        "",
        "0454130",  # 7 digits
        "045413020",  # 9 digits
        "0454130a",
        " 4541302",
        "0454-1302",
        "０４５４１３０２",  # full-width digits are not ASCII
        "٠٤٥٤١٣٠٢",  # Arabic-Indic digits
        None,
        4541302,
        22099131,
    ],
)
def test_invalid_numbers(ubn: object) -> None:
    assert not is_valid_ubn(ubn)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("ubn", "z"),
    [("04541302", 30), ("62140097", 35), ("12345675", 39), ("10000073", 14), ("22099132", 31)],
)
def test_reference_sum_matches_worked_examples(ubn: str, z: int) -> None:
    assert reference_sum(ubn) == z


def test_old_rule_numbers_stay_valid() -> None:
    # Z % 10 == 0 implies Z % 5 == 0: the 2023 rule only adds numbers.
    for ubn in ("22099131", "04541302", "96979933", "97176270"):
        assert reference_sum(ubn) % 10 == 0
        assert is_valid_ubn(ubn)


@pytest.mark.parametrize(
    ("prefix", "expected"),
    [
        ("0454130", ["04541302", "04541307"]),
        # 7th digit 7: Z of the prefix is 34, so d = 1, 6 (Z % 5) and d = 0, 5 ((Z + 1) % 5)
        ("1234567", ["12345670", "12345671", "12345675", "12345676"]),
        ("1000007", ["10000073", "10000074", "10000078", "10000079"]),
    ],
)
def test_check_digit_candidates(prefix: str, expected: list[str]) -> None:
    assert ubn_check_digit_candidates(prefix) == expected


def test_candidates_for_the_example_prefixes() -> None:
    assert "10000073" in ubn_check_digit_candidates("1000007")
    assert "62140097" in ubn_check_digit_candidates("6214009")


@pytest.mark.parametrize("prefix", ["", "123456", "12345678", "12345a7", "１２３４５６７"])
def test_candidates_reject_bad_prefix(prefix: str) -> None:
    with pytest.raises(ValueError, match="7 ASCII digits"):
        ubn_check_digit_candidates(prefix)


prefixes = st.text(alphabet="0123456789", min_size=7, max_size=7)
valid_ubns = prefixes.flatmap(lambda p: st.sampled_from(ubn_check_digit_candidates(p)))


@given(prefixes)
def test_every_prefix_has_candidates_and_all_are_valid(prefix: str) -> None:
    candidates = ubn_check_digit_candidates(prefix)
    # Z mod 5 fixes the last digit mod 5, so there are always 2 (4 when the 7th digit is 7).
    assert len(candidates) == (4 if prefix[6] == "7" else 2)
    assert all(is_valid_ubn(c) for c in candidates)
    assert all(c[:7] == prefix for c in candidates)


@given(prefixes, st.sampled_from("0123456789"))
def test_validity_matches_reference(prefix: str, last: str) -> None:
    ubn = prefix + last
    z = reference_sum(ubn)
    assert is_valid_ubn(ubn) == (z % 5 == 0 or (ubn[6] == "7" and (z + 1) % 5 == 0))


def bump(ubn: str, position: int) -> str:
    return ubn[:position] + str((int(ubn[position]) + 1) % 10) + ubn[position + 1 :]


@given(valid_ubns, st.sampled_from([0, 2, 4, 7]))
def test_bumping_a_weight_1_digit(ubn: str, position: int) -> None:
    # +1 on a weight-1 digit moves Z by +1 or -9, i.e. +1 mod 5. That breaks a number valid by
    # Z % 5 == 0, but turns one valid only by (Z + 1) % 5 == 0 (7th digit 7) into Z' % 5 == 0,
    # which is valid again. So the property is NOT universal; this is exactly when it holds.
    assert is_valid_ubn(bump(ubn, position)) == valid_only_by_seventh_digit_rule(ubn)


@given(valid_ubns, st.sampled_from([1, 3, 5]))
def test_bumping_a_weight_2_digit(ubn: str, position: int) -> None:
    # Weight-2 digit sums step by +2, except 4→5 (8→1: +3 mod 5) and 9→0 (9→0: +1 mod 5).
    expected = valid_only_by_seventh_digit_rule(ubn) and ubn[position] == "9"
    assert is_valid_ubn(bump(ubn, position)) == expected


def test_bumping_is_not_universally_detected() -> None:
    # The counterexamples the properties above allow for really exist.
    assert is_valid_ubn("12345675") and is_valid_ubn("12345676")
    assert is_valid_ubn("10000073") and is_valid_ubn("10000074")


@given(valid_ubns.filter(lambda u: u[6] != "7"), st.sampled_from([0, 1, 2, 3, 4, 5, 7]))
def test_bumping_any_digit_but_the_7th_is_detected_when_7th_is_not_7(
    ubn: str, position: int
) -> None:
    assert not is_valid_ubn(bump(ubn, position))
