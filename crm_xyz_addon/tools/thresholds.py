"""The arithmetic of the classification preview and of the suggested XYZ limits, free of the ORM.

Shares are exact fractions: "at least a third of 9 customers" is 3 customers, never
2.9999999999999996 rounded some way.
"""

import math
import re
from collections import Counter
from decimal import Decimal
from fractions import Fraction
from math import ceil

from .vocabulary import ABC_CLASSES, STAGES, XYZ_CLASSES

# the two ways of flagging customers at risk: the typical interval, the purchase model
RISK_METHODS = ("rule", "model")
# the next longer sub-period, for the period hint
LONGER_PERIOD = {"week": "month", "month": "quarter"}
# more than this share of the regular customers in one XYZ class: the limits do not separate
SEPARATION_LIMIT = Fraction(9, 10)


# A share given as text: "1/3", "0.5" or "1", short. Parsed here rather than by
# Fraction(), which reads "1e6000000" too and builds its six million digits first.
SHARE_TEXT = re.compile(r"(\d{1,15})/(\d{1,15})|(\d{0,15})\.(\d{1,15})|(\d{1,15})")
MAX_SHARE_TEXT = 40
# the digits a share may carry, as a Decimal or a Fraction
MAX_SHARE_DIGITS = 30


def exact_share(value):
    """A share given as a float (1/3), a string ("1/3", "0.5"), a Decimal or a Fraction, exactly.

    A float is read as the simplest fraction that it stands for, so 1/3 is a third.
    Checked for its type and size before any arithmetic, so that a refusal costs nothing:
    TypeError for another type, ValueError for NaN, infinity, text that is no share or
    too many digits (ZeroDivisionError for "1/0").
    """
    if isinstance(value, bool):
        raise TypeError(value)
    if isinstance(value, float):
        if not math.isfinite(value) or not 0 <= value <= 1:
            raise ValueError(value)
        return Fraction(value).limit_denominator(1_000_000)
    if isinstance(value, int):
        return Fraction(value)
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(value)
        _sign, digits, exponent = value.as_tuple()
        if len(digits) > MAX_SHARE_DIGITS or abs(exponent) > MAX_SHARE_DIGITS:
            raise ValueError(value)
        return Fraction(value)
    if isinstance(value, Fraction):
        limit = 10**MAX_SHARE_DIGITS
        if abs(value.numerator) > limit or value.denominator > limit:
            raise ValueError(value)
        return value
    if isinstance(value, str):
        return _share_of_text(value)
    raise TypeError(value)


def _share_of_text(value):
    """The fraction a short text "1/3", "0.5" or "1" stands for (see SHARE_TEXT)."""
    text = value.strip()
    match = len(text) <= MAX_SHARE_TEXT and SHARE_TEXT.fullmatch(text)
    if not match:
        raise ValueError(value[:MAX_SHARE_TEXT])
    numerator, denominator, whole, decimals, integer = match.groups()
    if numerator:
        return Fraction(int(numerator), int(denominator))
    if decimals:
        return Fraction(int((whole or "") + decimals), 10 ** len(decimals))
    return Fraction(int(integer))


def summarize(rows):
    """The preview's figures from rows (stage, abc, xyz, periods, customers, amount,
    customers at risk by the typical interval, by the purchase model).

    Returns (figures, periods): figures as preview_analysis returns them, and the
    number of regular customers by number of sub-periods with a purchase. A count
    of customers at risk is None where no row gives it.
    """
    stages = dict.fromkeys(STAGES, 0)
    abc = dict.fromkeys(ABC_CLASSES, 0)
    xyz = dict.fromkeys(XYZ_CLASSES, 0)
    amounts = dict.fromkeys(ABC_CLASSES, 0.0)
    at_risk = dict.fromkeys(RISK_METHODS)
    periods = Counter()
    for stage, abc_class, xyz_class, active_periods, customers, amount, *risks in rows:
        for method, count in zip(RISK_METHODS, risks, strict=True):
            if count is not None:
                at_risk[method] = (at_risk[method] or 0) + count
        stages[stage] += customers
        if abc_class:
            abc[abc_class] += customers
            amounts[abc_class] += amount
        if xyz_class:
            xyz[xyz_class] += customers
        if active_periods is not None:
            periods[active_periods] += customers
    total = sum(amounts.values())
    shares = {
        key: round(100 * amount / total, 2) if total > 0 else 0.0 for key, amount in amounts.items()
    }
    figures = {
        "stage": stages,
        "abc": abc,
        "xyz": xyz,
        "abc_amount_share": shares,
        "at_risk": at_risk,
    }
    return figures, periods


def median(counts):
    """The median of values given as {value: how many}, the mean of the two middle ones
    for an even number; None without values."""
    size = sum(counts.values())
    if not size:
        return None
    ordered = sorted(counts.items())

    def nth(position):
        seen = 0
        for value, count in ordered:
            seen += count
            if seen > position:
                return value
        raise IndexError(position)

    return Fraction(nth((size - 1) // 2) + nth(size // 2), 2)


def needs_longer_period(periods, period_count):
    """True when the median regular customer buys in fewer than a third of the sub-periods."""
    middle = median(periods)
    return middle is not None and 3 * middle < period_count


def whole_percent_limit(counts, share):
    """The smallest whole percent that makes at least `share` of the customers X.

    :param counts: {smallest whole percent that makes a customer X (None: never): customers}
    :param share: an exact fraction of all the customers counted
    :return: the percent, or None when not enough customers can ever be X
    """
    needed = max(1, ceil(share * sum(counts.values())))
    seen = 0
    for percent in sorted(percent for percent in counts if percent is not None):
        seen += counts[percent]
        if seen >= needed:
            return percent
    return None


def dominant_class(counts, population):
    """The XYZ class holding more than 90 % of `population` customers, or None."""
    for key, count in counts.items():
        if population and count > SEPARATION_LIMIT * population:
            return key
    return None
