import random
from datetime import datetime, time, timedelta

from dateutil.relativedelta import relativedelta

from odoo import Command
from odoo.tests import tagged

from ..tools import classification as calc
from . import classification_oracle as oracle
from .common import AS_OF, XyzCommon

# the analysis before: the trend compares the stages of the two
PREVIOUS = AS_OF - relativedelta(months=3)


@tagged("post_install", "-at_install")
class TestClassificationOracle(XyzCommon):
    """The analysis's SQL against the rules in plain Python (classification_oracle),
    customer by customer, on customers generated at random from a fixed seed."""

    def habits(self, rng):
        """Ways of buying, each a function that returns a customer's documents
        (day, untaxed amount[, purchase: False for a credit note])."""
        settings = self.company._xyz_settings()
        bounds = calc.period_bounds(AS_OF, settings["xyz_period_unit"], 18)

        def day_in(k):
            """A random day of sub-period k (1 = the most recent) as of AS_OF."""
            return bounds[k] + timedelta(days=rng.randint(1, (bounds[k - 1] - bounds[k]).days))

        def amount(base, spread):
            return round(base * (1 + rng.uniform(-spread, spread)), 2)

        return {
            # every month about the same amount: X
            "steady": lambda: [(day_in(k), amount(100, 0.05)) for k in range(1, 13)],
            # every month, amounts that vary: Y mostly
            "moderate": lambda: [(day_in(k), amount(300, 0.3)) for k in range(1, 13)],
            # most months, amounts that vary more: Z mostly
            "irregular": lambda: [
                (day_in(k), amount(300, 0.6)) for k in range(1, 13) if rng.random() < 0.8
            ],
            # a few purchases at any time of the last year and a half
            "sparse": lambda: [
                (day_in(rng.randint(1, 18)), amount(500, 0.98)) for _ in range(rng.randint(1, 6))
            ],
            # nothing in the last year
            "lost": lambda: [
                (day_in(rng.randint(13, 18)), amount(200, 0.5)) for _ in range(rng.randint(1, 3))
            ],
            # a CV of exactly 10 %: 90 and 110 in turn
            "edge": lambda: [(day_in(k), 90 if k % 2 else 110) for k in range(1, 13)],
            # invoices every month, and credit notes now and then
            "refunded": lambda: [(day_in(k), amount(200, 0.2)) for k in range(1, 13)]
            + [(day_in(rng.randint(1, 12)), -amount(150, 0.5), False) for _ in range(3)],
            # one invoice, credited in full: no positive total
            "credited": lambda: [(AS_OF - timedelta(days=40), 80), (AS_OF, -80, False)],
        }

    def generate(self, rng, counts, create_documents):
        """Customers of the habits ``counts`` ({habit: customers}) and their documents,
        made by ``create_documents``: ({customer id: documents}, the ids of the
        customers with a quotation only)."""
        habits = self.habits(rng)
        plan = [habit for habit, count in counts.items() for _ in range(count)]
        customers = self.env["res.partner"].create(
            [{"name": f"Oracle {habit} {n}", "is_company": True} for n, habit in enumerate(plan)]
            + [{"name": f"Oracle quoted {n}", "is_company": True} for n in range(3)]
        )
        buyers = customers[: len(plan)]
        sales = {customer.id: habits[habit]() for customer, habit in zip(buyers, plan, strict=True)}
        quoted = customers[len(plan) :].ids
        create_documents(
            [(customer, *document) for customer, rows in sales.items() for document in rows]
        )
        # a quotation makes a potential customer, and changes nothing for a buying one
        self.create_orders(
            [(customer, AS_OF, 40) for customer in [*quoted, customers[0].id]], False
        )
        return sales, quoted

    def create_orders(self, rows, confirm=True):
        """Orders of one line, (customer id, day, untaxed amount), made at once."""
        orders = (
            self.env["sale.order"]
            .with_company(self.company)
            .create(
                [
                    {
                        "partner_id": customer,
                        "company_id": self.company.id,
                        "user_id": self.salesman.id,
                        "order_line": [
                            Command.create(
                                {
                                    "product_id": self.sold_product.id,
                                    "product_uom_qty": 1,
                                    "price_unit": value,
                                    "tax_id": [Command.clear()],
                                }
                            )
                        ],
                    }
                    for customer, _day, value in rows
                ]
            )
        )
        if confirm:
            orders.action_confirm()
        by_day = {}
        for order, (_customer, day, _value) in zip(orders, rows, strict=True):
            by_day[day] = by_day.get(day, order.browse()) | order
        for day, day_orders in by_day.items():
            day_orders.date_order = datetime.combine(day, time(12, 0))

    def assert_engine_matches(self, expected, previous=None):
        rows = self.env["crm.xyz.classification"].search(
            [("company_id", "=", self.company.id), ("partner_id", "in", list(expected))]
        )
        self.assertEqual(len(rows), len(expected))
        for row in rows:
            want = expected[row.partner_id.id]
            with self.subTest(customer=row.partner_id.name):
                self.assertEqual(
                    (
                        row.relationship_stage_auto,
                        row.abc_class_auto,
                        row.xyz_class_auto,
                        row.classification_purchase_count,
                    ),
                    (want["stage"], want["abc"], want["xyz"], want["purchases"]),
                )
                self.assertAlmostEqual(row.classification_amount, float(want["amount"]), 2)
                if want["cv"] is None:
                    self.assertFalse(row.classification_cv)
                else:
                    self.assertAlmostEqual(row.classification_cv, want["cv"], 3)
                if previous is not None:
                    before = previous.get(row.partner_id.id, {}).get("stage")
                    self.assertEqual(row.relationship_trend, oracle.trend(before, want["stage"]))

    def create_invoices(self, rows):
        """Posted customer invoices of one line, (customer id, day, untaxed amount[,
        purchase]): a credit note of the amount where purchase is False."""
        moves = self.env["account.move"].create(
            [
                {
                    "move_type": "out_invoice"
                    if (row[3] if len(row) > 3 else True)
                    else "out_refund",
                    "partner_id": row[0],
                    "invoice_date": row[1],
                    "date": row[1],
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "product_id": self.sold_product.id,
                                "quantity": 1,
                                "price_unit": abs(row[2]),
                                "tax_ids": [Command.clear()],
                            }
                        )
                    ],
                }
                for row in rows
            ]
        )
        moves.action_post()

    def assert_two_runs_match(self, sales, quoted):
        """Two analyses, a quarter apart, each equal to the oracle's."""
        settings = self.company._xyz_settings()
        before = oracle.classify(sales, quoted, PREVIOUS, settings)
        run = self.run_analysis(PREVIOUS)
        self.assertEqual(run.customer_count, len(before))
        self.assert_engine_matches(before)
        after = oracle.classify(sales, quoted, AS_OF, settings)
        run = self.run_analysis(AS_OF)
        self.assertEqual(run.customer_count, len(after))
        self.assert_engine_matches(after, previous=before)
        return after

    def test_engine_matches_the_oracle_on_orders(self):
        counts = {"steady": 6, "moderate": 5, "irregular": 4, "sparse": 8, "lost": 4, "edge": 1}
        sales, quoted = self.generate(random.Random(22), counts, self.create_orders)
        after = self.assert_two_runs_match(sales, quoted)
        # the generated habits reach every stage and class
        found = {value for figures in after.values() for value in figures.values()}
        self.assertLessEqual(
            {"potential", "one_off", "regular", "lost", "A", "B", "C", "X", "Y", "Z"}, found
        )

    def test_engine_matches_the_oracle_on_invoices(self):
        self.company.xyz_source = "invoice"
        counts = {"steady": 3, "refunded": 4, "sparse": 5, "lost": 2, "credited": 1}
        sales, quoted = self.generate(random.Random(2222), counts, self.create_invoices)
        after = self.assert_two_runs_match(sales, quoted)
        self.assertTrue(any(figures["amount"] <= 0 for figures in after.values()))
