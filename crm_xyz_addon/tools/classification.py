"""The window of the customer classification, free of the ORM.

The analysis computes in SQL (``classification_query``); it takes from here the
bounds of its sub-periods and the exact decimals of its thresholds. The rules
themselves are written once, in that SQL; the tests hold it to a plain Python
reading of them (``tests/classification_oracle.py``).
"""

from datetime import timedelta
from decimal import Decimal

from dateutil.relativedelta import relativedelta

PERIOD_STEPS = {
    "month": relativedelta(months=1),
    "quarter": relativedelta(months=3),
    "week": relativedelta(days=7),
}


def exact_decimal(value):
    """The decimal a user typed for a threshold (a float is taken at its shortest repr)."""
    if isinstance(value, float):
        return Decimal(repr(value))
    return Decimal(value)


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
