"""Taiwan 統一編號 (UBN) checksum, current rule (財政部, in force since 2023-04-01).

Weights 1,2,1,2,1,2,4,1; each product's digits are added (4×7 = 28 counts as 2+8 = 10) and the
sum Z must be divisible by 5. When the 7th digit is 7 the number is also valid when Z+1 is.
Every number valid under the old "divisible by 10" rule stays valid. python-stdnum still checks
the old rule, so it must not be used for this.
"""

from __future__ import annotations

__all__ = ["is_valid_ubn", "ubn_check_digit_candidates"]

_WEIGHTS = (1, 2, 1, 2, 1, 2, 4, 1)


def _is_ascii_digits(text: object, length: int) -> bool:
    return isinstance(text, str) and len(text) == length and text.isascii() and text.isdigit()


def _checksum(digits: str) -> int:
    total = 0
    for digit, weight in zip(digits, _WEIGHTS, strict=False):
        product = int(digit) * weight
        total += product // 10 + product % 10
    return total


def is_valid_ubn(ubn: str) -> bool:
    """True when ``ubn`` is exactly 8 ASCII digits and passes the checksum."""
    if not _is_ascii_digits(ubn, 8):
        return False
    z = _checksum(ubn)
    return z % 5 == 0 or (ubn[6] == "7" and (z + 1) % 5 == 0)


def ubn_check_digit_candidates(first7: str) -> list[str]:
    """All valid 8-digit UBNs starting with the 7-digit prefix ``first7``, ascending.

    Raises ValueError when ``first7`` is not exactly 7 ASCII digits.
    """
    if not _is_ascii_digits(first7, 7):
        raise ValueError(f"UBN prefix must be 7 ASCII digits, got {first7!r}")
    return [first7 + d for d in "0123456789" if is_valid_ubn(first7 + d)]
