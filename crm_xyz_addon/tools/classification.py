"""The arithmetic of the customer classification, free of the ORM.

The analysis computes in SQL (``classification_query``); it takes its window and
exact thresholds from here. The rules themselves are also written here in Python,
as the reference that the tests hold the SQL to.

Amounts arrive as floats (Odoo reads PostgreSQL ``numeric`` as float) or
Decimals; comparisons against the thresholds are done on exact rationals of
their decimal values, so that a value that sits exactly on a threshold (a CV of
exactly 10 %, a cumulative share of exactly 80 %) always falls on the
documented side of it. The rationals are kept as integer numerators over a
common denominator: exact like ``Fraction`` and many times faster.
"""

from datetime import timedelta
from decimal import Decimal
from fractions import Fraction
from math import lcm, sqrt

from dateutil.relativedelta import relativedelta

STAGE_POTENTIAL = "potential"
STAGE_ONE_OFF = "one_off"
STAGE_REGULAR = "regular"
STAGE_LOST = "lost"

# lost < potential < one_off < regular: the order that gives a trend its direction
STAGE_RANK = {STAGE_LOST: 0, STAGE_POTENTIAL: 1, STAGE_ONE_OFF: 2, STAGE_REGULAR: 3}

PERIOD_STEPS = {
    "month": relativedelta(months=1),
    "quarter": relativedelta(months=3),
    "week": relativedelta(days=7),
}


def exact(value):
    """The exact rational of a decimal amount (a float is taken at its shortest repr)."""
    if isinstance(value, float):
        return Fraction(Decimal(repr(value)))
    return Fraction(value)


def exact_decimal(value):
    """The decimal a user typed for a threshold (a float is taken at its shortest repr)."""
    if isinstance(value, float):
        return Decimal(repr(value))
    return Decimal(value)


def _ratio(value):
    """(numerator, denominator > 0) of exact(value), without building a Fraction."""
    if isinstance(value, int):
        return value, 1
    if isinstance(value, float):
        return Decimal(repr(value)).as_integer_ratio()
    return value.as_integer_ratio()


def _integers(values):
    """The exact values as integers over one common denominator: (integers, denominator)."""
    ratios = [_ratio(value) for value in values]
    denominator = lcm(*(den for _num, den in ratios))
    return [num * (denominator // den) for num, den in ratios], denominator


def period_bounds(as_of, unit, count):
    """Return [b0, b1, ..., bN] with bk = as_of - k periods, each from as_of directly.

    Sub-period k (1 = most recent) holds the dates d with b_k < d <= b_(k-1).
    """
    step = PERIOD_STEPS[unit]
    return [as_of - step * k for k in range(count + 1)]


def bucket_thresholds(bounds):
    """Ascending thresholds for PostgreSQL's ``width_bucket(date, thresholds)``.

    ``width_bucket`` puts d in bucket i when t[i] <= d < t[i+1]; with
    t = [bN + 1 day, ..., b0 + 1 day] bucket i (1..N) is sub-period N + 1 - i,
    bucket 0 lies before the window and bucket N + 1 after ``as_of``.
    """
    return [bound + timedelta(days=1) for bound in reversed(bounds)]


def relationship_stage(sales_before_window, sales_in_window, one_off_max):
    """Stage of a customer from its number of sales before and inside the window."""
    if sales_in_window > one_off_max:
        return STAGE_REGULAR
    if sales_in_window > 0:
        return STAGE_ONE_OFF
    if sales_before_window > 0:
        return STAGE_LOST
    return STAGE_POTENTIAL


def abc_class(total, cumulative_before, grand_total, a_percent, b_percent):
    """ABC class of a customer ranked after ``cumulative_before`` of ``grand_total``.

    Only customers with a positive total get a class.
    """
    if total is None or total <= 0 or grand_total <= 0:
        return False
    # cum / cum_d * 100 < a / a_d * S / S_d, both sides multiplied by all the denominators
    cum, cum_d = _ratio(cumulative_before)
    a, a_d = _ratio(a_percent)
    b, b_d = _ratio(b_percent)
    grand, grand_d = _ratio(grand_total)
    if 100 * cum * a_d * grand_d < a * grand * cum_d:
        return "A"
    if 100 * cum * a_d * b_d * grand_d < (a * b_d + b * a_d) * grand * cum_d:
        return "B"
    return "C"


def coefficient_of_variation(values):
    """Population CV in percent of the sub-period values, or None when the mean is <= 0."""
    return _cv(_moments(values))


def xyz_class(values, x_max_cv, y_max_cv):
    """XYZ class of a regular customer from its sub-period values (empty ones are 0)."""
    return _xyz(_moments(values), x_max_cv, y_max_cv)


def _moments(values):
    """(N, S, squares, D): S = sum(v) and squares = sum((N * v - S)^2), exact, over D and D^2.

    squares is N^2 times the sum of squared deviations from the mean.
    """
    integers, denominator = _integers(values)
    count, total = len(integers), sum(integers)
    return count, total, sum((count * value - total) ** 2 for value in integers), denominator


def _cv(moments):
    count, total, squares, denominator = moments
    if count == 0 or total <= 0:
        return None
    # CV = 100 * sqrt(sum((N v - S)^2) / N^3) / (S / N) = 100 * sqrt(squares / N) / S
    return (
        100 * sqrt(Fraction(squares, count * denominator**2)) / float(Fraction(total, denominator))
    )


def _xyz(moments, x_max_cv, y_max_cv):
    count, total, squares, _denominator = moments
    if count == 0 or total <= 0:
        return "Z"

    # CV <= limit  <=>  10000 * squares <= limit^2 * S^2 * N, all exact: the common
    # denominator of the values cancels out, that of the limit goes to the left
    def within(limit):
        num, den = _ratio(limit)
        return 10000 * squares * den**2 <= num**2 * total**2 * count

    if within(x_max_cv):
        return "X"
    if within(y_max_cv):
        return "Y"
    return "Z"


def trend(previous_stage, new_stage):
    """Direction of a change of automatic stage; 'new' at a first classification."""
    if not previous_stage:
        return "new"
    if not new_stage or new_stage == previous_stage:
        return "same"
    return "up" if STAGE_RANK[new_stage] > STAGE_RANK[previous_stage] else "down"


def period_values(buckets, amounts, count):
    """Sub-period values v1..vN (1 = most recent) from sparse (bucket, amount) pairs.

    ``buckets`` are ``width_bucket`` indexes 1..N (see ``bucket_thresholds``).
    """
    values = [0] * count
    for bucket, amount in zip(buckets or (), amounts or (), strict=True):
        if 1 <= bucket <= count:
            values[count - bucket] = amount
    return values
