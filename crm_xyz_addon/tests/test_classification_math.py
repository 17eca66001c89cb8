from datetime import date
from decimal import Decimal

from odoo.tests import BaseCase, tagged

from ..tools import classification as calc
from . import classification_oracle as oracle


@tagged("post_install", "-at_install")
class TestClassificationMath(BaseCase):
    """The window of the analysis and the rules of the oracle, at their edges."""

    def test_month_bounds_from_month_end(self):
        bounds = calc.period_bounds(date(2024, 3, 31), "month", 3)
        # each bound from D directly: 31 March - 1 month = 29 February (leap year)
        self.assertEqual(
            bounds, [date(2024, 3, 31), date(2024, 2, 29), date(2024, 1, 31), date(2023, 12, 31)]
        )
        bounds = calc.period_bounds(date(2025, 3, 31), "month", 2)
        self.assertEqual(bounds[1], date(2025, 2, 28))

    def test_quarter_and_week_bounds(self):
        self.assertEqual(
            calc.period_bounds(date(2026, 5, 31), "quarter", 2),
            [date(2026, 5, 31), date(2026, 2, 28), date(2025, 11, 30)],
        )
        self.assertEqual(
            calc.period_bounds(date(2026, 1, 7), "week", 2),
            [date(2026, 1, 7), date(2025, 12, 31), date(2025, 12, 24)],
        )

    def test_bucket_thresholds_are_ascending_and_left_open(self):
        bounds = calc.period_bounds(date(2026, 6, 30), "month", 2)
        self.assertEqual(
            calc.bucket_thresholds(bounds), [date(2026, 5, 1), date(2026, 5, 31), date(2026, 7, 1)]
        )

    def test_stage_at_the_one_off_limit(self):
        self.assertEqual(oracle.relationship_stage(0, 0, 2), "potential")
        self.assertEqual(oracle.relationship_stage(3, 0, 2), "lost")
        self.assertEqual(oracle.relationship_stage(0, 1, 2), "one_off")
        self.assertEqual(oracle.relationship_stage(5, 2, 2), "one_off")
        self.assertEqual(oracle.relationship_stage(0, 3, 2), "regular")

    def test_abc_cumulative_boundary(self):
        # S = 100, A = 80 %, B = 15 %: the customer ranked after exactly 80 is B, after 95 is C
        self.assertEqual(oracle.abc_class(Decimal(40), Decimal(40), Decimal(100), 80, 15), "A")
        self.assertEqual(oracle.abc_class(Decimal(15), Decimal(80), Decimal(100), 80, 15), "B")
        self.assertEqual(oracle.abc_class(Decimal(5), Decimal("94.99"), Decimal(100), 80, 15), "B")
        self.assertEqual(oracle.abc_class(Decimal(5), Decimal(95), Decimal(100), 80, 15), "C")
        self.assertIs(oracle.abc_class(Decimal(0), Decimal(0), Decimal(100), 80, 15), False)
        self.assertIs(oracle.abc_class(Decimal(-5), Decimal(0), Decimal(100), 80, 15), False)

    def test_xyz_equal_and_empty_sub_periods(self):
        self.assertEqual(oracle.xyz_class([100] * 12, 10, 25), "X")
        self.assertEqual(oracle.coefficient_of_variation([100] * 12), 0)
        # one busy month out of twelve: CV = 100 * sqrt(11) ~ 331.7 %
        values = [1200] + [0] * 11
        self.assertAlmostEqual(oracle.coefficient_of_variation(values), 331.662, places=3)
        self.assertEqual(oracle.xyz_class(values, 10, 25), "Z")
        self.assertEqual(oracle.xyz_class([0, 0, 0], 10, 25), "Z")
        self.assertEqual(oracle.xyz_class([Decimal(-10), Decimal(5)], 10, 25), "Z")

    def test_xyz_cv_exactly_on_the_thresholds(self):
        # values 90 and 110: mean 100, sigma 10, CV exactly 10 % -> X (CV <= X)
        self.assertEqual(oracle.xyz_class([Decimal(90), Decimal(110)], 10, 25), "X")
        self.assertEqual(oracle.xyz_class([Decimal("89.99"), Decimal("110.01")], 10, 25), "Y")
        # 75 and 125: CV exactly 25 % -> Y
        self.assertEqual(oracle.xyz_class([Decimal(75), Decimal(125)], 10, 25), "Y")
        self.assertEqual(oracle.xyz_class([Decimal(74), Decimal(126)], 10, 25), "Z")
        # floats (as Odoo reads numeric columns) are taken at their decimal value
        self.assertEqual(oracle.xyz_class([0.9, 1.1], 10.0, 25.0), "X")
        self.assertEqual(oracle.xyz_class([89.99, 110.01], 10.0, 25.0), "Y")
        self.assertEqual(oracle.abc_class(0.15, 0.8, 1.0, 80.0, 15.0), "B")

    def test_trend_order(self):
        self.assertEqual(oracle.trend(None, "one_off"), "new")
        self.assertEqual(oracle.trend("one_off", "regular"), "up")
        self.assertEqual(oracle.trend("lost", "potential"), "up")
        self.assertEqual(oracle.trend("regular", "lost"), "down")
        self.assertEqual(oracle.trend("regular", "regular"), "same")

    def test_period_values_by_date(self):
        bounds = calc.period_bounds(date(2026, 6, 30), "month", 3)
        sales = [(date(2026, 6, 30), Decimal(7)), (date(2026, 4, 30), Decimal(5))]
        # 30 June is in v1 (most recent), 30 April is the upper end of v3
        self.assertEqual(oracle.period_values(sales, bounds), [7, 0, 5])
        self.assertEqual(oracle.period_values([], bounds[:3]), [0, 0])
